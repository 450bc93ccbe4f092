"""Chart axes and hover labels in the user's language: months, period ends and weeks are
named by babel (CLDR) in dashboards/charts/layout.py and shown as ordered categories, as
plotly would write dates in English ("Oct 2026") whatever the user reads.

Expected labels are written out by hand here (Dutch and French month abbreviations as a
Dutch or French reader writes them), never computed with babel.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.charts import budgets, finance, layout, manufacturing, whatif
from dashboards.language import use_locale
from tests.dashboards import contract_manufacturing as contract
from tests.dashboards.apptest_helpers import open_page, report_frame
from tests.dashboards.conftest import Company
from tests.dashboards.test_manufacturing_page import (  # noqa: F401 - fixtures
    manufacturing_dir,
    page_env,
)
from transactional.planning.whatif import CASH, CashWeek, Figures, Month

EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
MONTHS = {"en": EN, "nl_NL": NL, "nl_BE": NL, "fr_FR": FR, "fr_BE": FR}


# --- the shared functions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["Oct 2026", "Mar 2026", "Feb 2027", "Jul 2026"]),
        ("nl_NL", ["okt 2026", "mrt 2026", "feb 2027", "jul 2026"]),
        ("nl_BE", ["okt 2026", "mrt 2026", "feb 2027", "jul 2026"]),
        ("fr_FR", ["oct. 2026", "mars 2026", "févr. 2027", "juil. 2026"]),
        ("fr_BE", ["oct. 2026", "mars 2026", "févr. 2027", "juil. 2026"]),
    ],
)
def test_a_month_is_named_with_its_year_in_the_users_language(
    locale: str, expected: list[str]
) -> None:
    days = [date(2026, 10, 31), date(2026, 3, 1), date(2027, 2, 28), date(2026, 7, 15)]
    with use_locale(locale):
        assert [layout.month_of(d) for d in days] == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        # 12 October 2026 is a Monday in ISO week 42; 29 December 2025 starts ISO week 1
        # of 2026; 28 December 2026 is in week 53 (2026 starts on a Thursday).
        ("en", ["W42 Oct 12", "W1 Dec 29", "W53 Dec 28", "W3 Dec 21"]),
        ("nl_NL", ["W42 12 okt", "W1 29 dec", "W53 28 dec", "W3 21 dec"]),
        ("fr_BE", ["S42 12 oct.", "S1 29 déc.", "S53 28 déc.", "S3 21 déc."]),
    ],
)
def test_a_week_is_named_by_its_number_and_first_day(locale: str, expected: list[str]) -> None:
    with use_locale(locale):
        labels = [
            layout.week_of(date(2026, 10, 12)),
            layout.week_of(date(2025, 12, 29)),
            layout.week_of(date(2026, 12, 28)),
            # The cash forecast counts its own weeks: its number, not the ISO week.
            layout.week_of(date(2026, 12, 21), 3),
        ]
    assert labels == expected


def test_weeks_between_keeps_every_week_from_the_first_to_the_last() -> None:
    assert layout.weeks_between(date(2026, 12, 14), date(2027, 1, 4)) == [
        date(2026, 12, 14),
        date(2026, 12, 21),
        date(2026, 12, 28),
        date(2027, 1, 4),
    ]
    assert layout.weeks_between(date(2026, 10, 12), date(2026, 10, 12)) == [date(2026, 10, 12)]


def test_in_order_makes_the_x_axis_categories_in_the_order_given() -> None:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_bar(x=["W3 12 jan", "W1 29 dec"], y=[1, 2])
    layout.in_order(fig, ["W1 29 dec", "W2 5 jan", "W3 12 jan"])
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.xaxis.categoryorder == "array"
    assert list(fig.layout.xaxis.categoryarray) == ["W1 29 dec", "W2 5 jan", "W3 12 jan"]


@pytest.mark.parametrize(
    ("locale", "separators"), [("en", ".,"), ("nl_BE", ",."), ("fr_FR", ",\u00a0")]
)
def test_the_amount_axis_writes_whole_numbers_in_the_users_format(
    locale: str, separators: str
) -> None:
    import plotly.graph_objects as go

    with use_locale(locale):
        fig = layout.standard(go.Figure(go.Bar(x=["a"], y=[1_500_000])), "t", "EUR")
    assert fig.layout.separators == separators
    # "1.500.000" rather than plotly's English "1.5M".
    assert fig.layout.yaxis.exponentformat == "none"
    assert fig.layout.yaxis.separatethousands is True
    # Two decimals in the hover, as the tables write amounts (plotly varies them).
    assert fig.layout.yaxis.hoverformat == ",.2f"
    # Whole series names in the hover: cut at 15 characters, French "Trésorerie de
    # début" and "Trésorerie de fin" both read "Trésorerie d...".
    assert fig.layout.hoverlabel.namelength == -1


# --- every chart with a time axis ------------------------------------------------------


def _x(fig: Any) -> list[list[str]]:
    return [list(trace.x) for trace in fig.data]


@pytest.mark.parametrize("locale", ["en", "nl_NL", "fr_BE"])
def test_period_end_charts_name_the_months(locale: str) -> None:
    m = MONTHS[locale]
    expected = [f"{m[10]} 2025", f"{m[11]} 2025", f"{m[0]} 2026"]
    ends = [date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31)]
    with use_locale(locale):
        cash = finance.cash_position(pd.DataFrame({"period_end": ends, "balance": [1, 2, 3]}), "")
        wip = manufacturing.wip_against_ledger(
            pd.DataFrame(
                {
                    "period_end": pd.to_datetime(ends),
                    "wip_transactions": [1.0, 2.0, 3.0],
                    "wip_ledger": [1.0, 2.0, 3.0],
                }
            ),
            "EUR",
        )
    for fig in (cash, wip):
        assert all(x == expected for x in _x(fig))
        assert fig.layout.xaxis.type == "category"
        assert list(fig.layout.xaxis.categoryarray) == expected
        assert fig.layout.hovermode == "x unified"  # the hover reads the same month


@pytest.mark.parametrize(
    ("locale", "weeks"),
    [
        ("en", ["W40 Sep 28", "W41 Oct 5", "W42 Oct 12", "W43 Oct 19"]),
        ("nl_NL", ["W40 28 sep", "W41 5 okt", "W42 12 okt", "W43 19 okt"]),
        ("fr_FR", ["S40 28 sept.", "S41 5 oct.", "S42 12 oct.", "S43 19 oct."]),
    ],
)
def test_the_capacity_chart_names_iso_weeks_and_keeps_a_week_without_load(
    locale: str, weeks: list[str]
) -> None:
    load = pd.DataFrame(
        {
            "week_start": pd.to_datetime(["2026-09-28", "2026-10-12"]),
            "load_hours": [30.0, 45.0],
            "available_hours": [40.0, 40.0],
        }
    )
    scenario = pd.DataFrame(
        {"week_start": pd.to_datetime(["2026-10-12", "2026-10-19"]), "load_hours": [30.0, 45.0]}
    )
    with use_locale(locale):
        fig = manufacturing.capacity_load(load, scenario, "WC1")
    now, what_if, available = _x(fig)
    assert now == available == [weeks[0], weeks[2]]
    assert what_if == [weeks[2], weeks[3]]
    # The week of 5 October has no load: it keeps its place between the others.
    assert list(fig.layout.xaxis.categoryarray) == weeks


@pytest.mark.parametrize("locale", ["en", "nl_BE", "fr_FR"])
def test_month_axes_of_the_budget_and_pnl_charts(locale: str) -> None:
    months = list(MONTHS[locale])
    rows = pd.DataFrame(
        {
            "period_number": [1, 2],
            "revenue_budget": [5.0, 6.0],
            "revenue_actual": [4.0, 7.0],
            "result_budget": [1.0, 1.0],
            "result_actual": [1.0, 2.0],
        }
    )
    pnl = pd.DataFrame(
        {"fiscal_year": [2026], "period_number": [10], "revenue": [5.0], "net_result": [1.0]}
    )
    with use_locale(locale):
        budget = budgets.budget_vs_actual_by_month(rows, 1, "EUR")
        by_month = finance.pnl_by_month(pnl, 2026, "EUR")
    assert _x(budget) == [months[:2], months[:1], months[:2], months[:1]]
    assert _x(by_month) == [[], [], [months[9]], [months[9]]]  # no last year: empty
    for fig in (budget, by_month):
        assert list(fig.layout.xaxis.categoryarray) == months


@pytest.mark.parametrize(
    ("locale", "weeks"),
    [
        ("en", ["W1 Dec 7", "W2 Dec 14"]),
        ("nl_NL", ["W1 7 dec", "W2 14 dec"]),
        ("fr_BE", ["S1 7 déc.", "S2 14 déc."]),
    ],
)
def test_cash_forecast_weeks_in_the_finance_and_what_if_charts(
    locale: str, weeks: list[str]
) -> None:
    starts = [date(2026, 12, 7), date(2026, 12, 14)]
    forecast = pd.DataFrame(
        {
            "week_number": [1, 2],
            "week_start": pd.to_datetime(starts),
            "opening_cash": [10.0, 12.0],
            "receipts_open_items": [5.0, 5.0],
            "payments_open_items": [-3.0, -3.0],
            "recurring_costs": [0.0, 0.0],
            "budget_flows": [0.0, 0.0],
            "closing_cash": [12.0, 14.0],
        }
    )
    figures = _figures([CashWeek(n, d, *([Decimal(1)] * 7)) for n, d in enumerate(starts, 1)])
    with use_locale(locale):
        charts = (budgets.cash_forecast(forecast, "EUR"), whatif.weekly_cash(figures, figures))
    for fig in charts:
        assert all(x == weeks for x in _x(fig))
        assert list(fig.layout.xaxis.categoryarray) == weeks


@pytest.mark.parametrize("locale", ["en", "nl_NL", "fr_FR"])
def test_what_if_month_end_cash_names_the_months_with_their_year(locale: str) -> None:
    m = MONTHS[locale]
    months = [
        Month(11, date(2026, 11, 1), date(2026, 11, 30)),
        Month(12, date(2026, 12, 1), date(2026, 12, 31)),
    ]
    figures = _figures(())
    with use_locale(locale):
        fig = whatif.monthly_cash(months, figures, figures, actual_months=1)
    expected = [f"{m[10]} 2026", f"{m[11]} 2026"]
    assert _x(fig) == [expected, expected]
    assert list(fig.layout.xaxis.categoryarray) == expected


def _figures(weeks: tuple[CashWeek, ...] | list[CashWeek]) -> Figures:
    return Figures(
        currency="EUR",
        pnl={},
        opening={},
        balances={CASH: (Decimal(100), Decimal(120))},
        cash_flow={},
        headcount=Decimal(0),
        kpis={},
        weekly_cash=tuple(weeks),
    )


# --- the pages, as a Dutch, French and English user opens them --------------------------

MANUFACTURING = "app_pages/manufacturing.py"


def _chart(at: AppTest, key: str) -> dict[str, Any]:
    """The plotly figure (its JSON, as the browser receives it) of chart ``key``."""
    [chart] = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return dict(json.loads(chart.proto.spec))


def _category_axis(spec: dict[str, Any]) -> list[str]:
    axis = spec["layout"]["xaxis"]
    assert axis["type"] == "category"
    return list(axis["categoryarray"])


@pytest.mark.parametrize(
    ("user", "months", "weeks"),
    [
        ("clerk1", NL, ["W1 29 dec", "W2 5 jan", "W3 12 jan"]),
        ("accountant_be", FR, ["S1 29 déc.", "S2 5 janv.", "S3 12 janv."]),
        ("accountant", EN, ["W1 Dec 29", "W2 Jan 5", "W3 Jan 12"]),
    ],
)
def test_manufacturing_charts_read_in_the_users_language(
    page_env: str,  # noqa: F811
    user: str,
    months: tuple[str, ...],
    weeks: list[str],
) -> None:
    at = open_page(MANUFACTURING, user=user)
    # The contract's books: the page opens on 2025 through December.
    wip = _chart(at, "mfg_wip_chart")
    year = [f"{m} 2025" for m in months]
    assert _category_axis(wip) == year
    assert [t["x"] for t in wip["data"]] == [year, year]
    # The load of WC1 in the weeks of 29 December 2025, 5 and 12 January 2026.
    capacity = _chart(at, "mfg_capacity_chart")
    assert _category_axis(capacity) == weeks
    assert capacity["data"][0]["x"] == weeks
    assert capacity["layout"]["hovermode"] == "x unified"


def test_the_capacity_axis_grows_by_the_week_the_what_if_adds(page_env: str) -> None:  # noqa: F811
    # (In English: AppTest cannot rerun a Dutch or French page, as it checks a radio's
    # value in English against its translated options.)
    at = open_page(MANUFACTURING, user="clerk9")
    assert _category_axis(_chart(at, "mfg_capacity_chart")) == [
        "W1 Dec 29",
        "W2 Jan 5",
        "W3 Jan 12",
    ]
    # Move the planned order MO-2026-00001 a week later: into the week of 19 January.
    at.session_state[f"mfg_whatif_0_{contract.WC1}"] = {
        "edited_rows": {1: {"shift_weeks": 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    capacity = _chart(at, "mfg_capacity_chart")
    weeks = ["W1 Dec 29", "W2 Jan 5", "W3 Jan 12", "W4 Jan 19"]
    assert _category_axis(capacity) == weeks
    assert capacity["data"][1]["x"] == weeks


@pytest.mark.pipeline
@pytest.mark.parametrize(
    ("user", "months", "week", "separators"),
    [
        ("clerk1", NL, "W", ",."),
        ("accountant_be", FR, "S", ",\u00a0"),
        ("admin", EN, "W", ".,"),
    ],
)
def test_finance_cash_charts_read_in_the_users_language(
    app_env: Company, user: str, months: tuple[str, ...], week: str, separators: str
) -> None:
    """The demo's period ends and forecast weeks, as the tables under the charts list
    them, named in the user's words on the charts."""
    at = open_page("app_pages/finance.py", user=user)
    charts = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    table = report_frame(at, "cash_position")
    ends = [pd.Timestamp(d) for d in table["period_end"]]
    assert ends, "the demo has a cash position"
    names = [f"{months[d.month - 1]} {d.year}" for d in ends]
    [cash] = [c for c in charts.values() if c["data"][0].get("fill") == "tozeroy"]
    assert _category_axis(cash) == names
    assert cash["data"][0]["x"] == names
    assert cash["layout"]["separators"] == separators
    weeks = report_frame(at, "cash_forecast")
    starts = [pd.Timestamp(d) for d in weeks["week_start"]]
    days = [
        f"{months[d.month - 1]} {d.day}" if months is EN else f"{d.day} {months[d.month - 1]}"
        for d in starts
    ]
    expected = [f"{week}{n} {day}" for n, day in zip(weeks["week_number"], days, strict=True)]
    assert len(expected) == 13
    forecast = _chart(at, "forecast_chart")
    assert _category_axis(forecast) == expected
    assert all(t["x"] == expected for t in forecast["data"])
