"""How every report table and KPI card reads: one home for the formats (issue 13).

Amounts with thousands separators and a minus sign (never parentheses), percentages and
shares as "13.0 %", blank for missing values, coded values by their labels, no column of
zeros for a previous year that is not there, compact amounts on the KPI cards.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from dashboards.amounts import (
    compact_amount,
    format_amount,
    format_number,
    format_percent,
    format_share,
)
from dashboards.grid_columns import column_kind
from dashboards.language import use_locale
from dashboards.report_table import prepare, screen_style
from dashboards.selection import Selection, build_selection, describe


def _shown(df: pd.DataFrame) -> list[list[str]]:
    """The cells as the Styler shows them on screen."""
    styler = screen_style(df.style, df)
    translated = styler._translate(False, False)  # noqa: SLF001 - the rendered cell texts
    return [[cell["display_value"] for cell in row[1:]] for row in translated["body"]]


def test_large_amounts_are_compact_on_the_cards() -> None:
    # English: CLDR's short forms; a minus sign, never parentheses.
    assert compact_amount(1_013_283_123.45) == "1.01B"
    assert compact_amount(-1_013_283_123.45, "EUR") == "-1.01B\u00a0€"
    assert compact_amount(12_345_678.9) == "12.35M"
    assert compact_amount(9_999_999.994) == "9,999,999.99"
    assert compact_amount(-1234.5) == "-1,234.50"
    assert compact_amount(25_000_000, sign=True) == "+25M"
    assert compact_amount(-0.004, sign=True) == "+0.00"
    assert compact_amount(None) == "–"
    with use_locale("nl_NL"):
        assert compact_amount(-1_013_283_123.45, "EUR") == "-1,01\u00a0mld.\u00a0€"
        assert compact_amount(9_999_999.994) == "9.999.999,99"
    with use_locale("fr_BE"):
        assert compact_amount(12_345_678.9) == "12,35\u00a0M"


def test_amounts_read_in_the_users_locale() -> None:
    """The issue's examples: nl 1.234.567,89 €, fr 1 234 567,89 €, en €1,234,567.89."""
    assert format_amount(1234567.89, "EUR") == "€1,234,567.89"
    with use_locale("nl_NL"):
        assert format_amount(1234567.89, "EUR") == "1.234.567,89\u00a0€"
    with use_locale("nl_BE"):
        assert format_amount(Decimal("-1234567.89"), "EUR") == "-1.234.567,89\u00a0€"
    for locale in ("fr_FR", "fr_BE"):
        with use_locale(locale):
            assert format_amount(1234567.89, "EUR") == "1\u202f234\u202f567,89\u00a0€"
    # The currency's own decimals come from CLDR: yen have none.
    with use_locale("nl_NL"):
        assert format_amount(Decimal("1234"), "JPY") == "1.234\u00a0JP¥"


def test_percentages_shares_and_missing_values() -> None:
    assert format_percent(12.5) == "12.5\u00a0%"
    assert format_share(0.13) == "13.0\u00a0%"
    assert format_share(Decimal("0.8766")) == "87.7\u00a0%"
    assert format_number(-1234.5) == "-1,234.50"
    assert format_number(float("nan")) == format_percent(None) == format_share(None) == ""
    with use_locale("nl_BE"):
        assert format_percent(12.5) == "12,5\u00a0%"
        assert format_number(-1234.5) == "-1.234,50"


def test_column_kinds_follow_the_names() -> None:
    floats = pd.Series([0.5])
    assert column_kind("share", floats) == "share"
    assert column_kind("cumulative_share", floats) == "share"
    assert column_kind("share_before", floats) == "share"
    assert column_kind("variance_pct", floats) == "percent"
    assert column_kind("on_time_pct_last_year", floats) == "amount"  # not a *_pct name
    assert column_kind("closing_cash", floats) == "amount"
    assert column_kind("lines", pd.Series([3])) == "other"
    assert column_kind("entry_date", pd.to_datetime(pd.Series(["2026-01-01"]))) == "date"


def test_tables_read_alike_minus_signs_percent_and_blank() -> None:
    """The variance tables' Styler and the plain tables say the same (issue 13: one showed
    parentheses, the next minus signs; variance % read "None"; shares 0.13)."""
    df = prepare(
        pd.DataFrame(
            {
                "account_code": ["8000", None],
                "budget": [Decimal("-1234.5"), Decimal("1000000")],
                "variance_pct": [None, Decimal("-2.5")],
                "value_share": [0.13, None],
            }
        )
    )
    assert df["budget"].dtype == float and df["variance_pct"].dtype == float
    assert _shown(df) == [
        ["8000", "-1,234.50", "", "13.0\u00a0%"],
        ["", "1,000,000.00", "-2.5\u00a0%", ""],
    ]


def test_coded_values_read_as_labels() -> None:
    df = pd.DataFrame({"side": ["assets", "equity_and_liabilities"], "this_year": [1.0, 2.0]})
    shown = prepare(df, values={"side": {"equity_and_liabilities": "Equity and liabilities"}})
    assert list(shown["side"]) == ["assets", "Equity and liabilities"]


def test_no_previous_year_no_previous_year_columns() -> None:
    df = pd.DataFrame(
        {
            "customer": ["C1"],
            "this_year": [10.0],
            "last_year": [0.0],
            "change": [10.0],
            "change_pct": [None],
            "margin_this_year": [4.0],
            "margin_last_year": [0.0],
        }
    )
    assert list(prepare(df, previous_year=False).columns) == [
        "customer",
        "this_year",
        "margin_this_year",
    ]
    assert list(prepare(df).columns) == list(df.columns)


@pytest.mark.parametrize(("known", "expected"), [([2026, 2025], True), ([2026], False)])
def test_the_selection_knows_whether_there_is_a_previous_year(
    known: list[int], expected: bool
) -> None:
    divisions = pd.DataFrame({"division_id": [1], "currency_code": ["EUR"], "is_group_top": [True]})
    sel = build_selection(divisions, [], 2026, 10, known_years=known)
    assert sel.has_previous_year is expected


def test_a_selection_described_for_the_workbook() -> None:
    sel = Selection((1, 3), 2026, 4, "EUR", True)
    assert describe(sel, {1: "HOLD", 2: "NL01", 3: "UK01"}) == {
        "Divisions": "HOLD, UK01",
        "Currency": "EUR (group currency; divisions added up, not consolidated)",
        "Fiscal year": "2026",
        "Through period": "04",
    }


def test_all_divisions_are_the_group_only_for_a_user_who_sees_the_group() -> None:
    sel = Selection((1, 3), 2026, 4, "EUR", True)
    codes = {1: "HOLD", 3: "UK01"}  # every division the user sees
    assert describe(sel, codes)["Divisions"] == "All divisions (HOLD, UK01)"
    partial = describe(sel, codes, whole_group=False)["Divisions"]
    assert partial == "All your divisions (HOLD, UK01)"


def test_charts_compare_with_last_year_only_when_there_is_one() -> None:
    from dashboards.charts import finance, wholesale

    months = pd.DataFrame(
        {"fiscal_year": [2024], "period_number": [1], "revenue": [5.0], "net_result": [1.0]}
    )
    assert finance.pnl_by_month(months, 2024, "EUR").layout.title.text == "P&L by month"
    both = pd.concat([months.assign(fiscal_year=2023), months])
    assert "vs last year" in finance.pnl_by_month(both, 2024, "EUR").layout.title.text
    sales = pd.DataFrame({"customer": ["C1"], "this_year": [5.0], "last_year": [0.0]})
    alone = wholesale.sales_vs_last_year(sales, "customer", "Customer", 2024, "EUR", False)
    assert [bar.name for bar in alone.data] == ["2024"]
    compared = wholesale.sales_vs_last_year(sales, "customer", "Customer", 2025, "EUR")
    assert [bar.name for bar in compared.data] == ["2024", "2025"]


def test_a_change_of_nothing_has_no_arrow_or_colour() -> None:
    """A KPI unchanged to the cent shows no rise or fall (it read "↑ +0.00" in green, or
    red for costs); a real change keeps the page's colour rule."""
    from dashboards.amounts import delta_style

    off = {"delta_color": "off", "delta_arrow": "off"}
    assert delta_style(0) == off
    assert delta_style(Decimal("0.004"), "inverse") == off
    assert delta_style(None) == off
    assert delta_style(float("nan")) == off
    assert delta_style(Decimal("-0.01"), "inverse") == {"delta_color": "inverse"}
    assert delta_style(12.5) == {"delta_color": "normal"}
