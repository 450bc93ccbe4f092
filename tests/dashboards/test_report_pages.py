"""The pages as they read (issue 13, 3.5-3.8): labels instead of raw keys, one number
format with minus signs, blank instead of "None", no previous-year columns of zeros,
compact KPI cards with the exact amount on hover, the journal-entry form's divisions,
the payment form's amounts."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from dashboards.amounts import compact_amount, format_amount
from tests.dashboards.apptest_helpers import open_page, report_frame
from tests.dashboards.conftest import Company

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

FINANCE = "app_pages/finance.py"
WHOLESALE = "app_pages/wholesale.py"


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _config(table: Any) -> dict[str, Any]:
    return json.loads(table.proto.columns) if table.proto.columns else {}


def _styled_cells(table: Any) -> list[str]:
    """The texts a styled table shows (the Styler's display values)."""
    styler = table.proto.arrow_data.styler
    if not styler.display_values:
        return []
    shown = pa.ipc.open_stream(styler.display_values).read_pandas()
    return [str(v) for v in shown.to_numpy().ravel()]


def _first_year(insights: Any) -> int:
    return int(insights.query("select min(fiscal_year) as y from dim_periods")["y"].iloc[0])


def test_tables_read_alike(insights: Any) -> None:
    """No table in parentheses, amounts with thousands separators, percentages as %, and
    no "None" in any cell; the balance sheet names its sides."""
    at = open_page(FINANCE)
    _ok(at)
    at.selectbox(key="bva_account").select_index(0).run()  # the account months too
    _ok(at)
    tables = list(at.main.dataframe)
    assert len(tables) >= 10
    for table in tables:
        # Empty cells read blank, not "None".
        assert table.proto.HasField("placeholder") and table.proto.placeholder == "", table.key
        cells = _styled_cells(table)
        if cells:  # a Styler (variances in colour) shows these texts
            assert not {"None", "nan", "–"} & set(cells), table.key
            assert not [c for c in cells if c.startswith("(")], table.key
            continue
        for name, column in _config(table).items():
            kind = column.get("type_config", {})
            assert kind.get("format") != "accounting", (table.key, name)
            if name.endswith("_pct"):
                assert kind.get("format") == "%.1f %%", (table.key, name)
    months = report_frame(at, "bva_account_months")
    styled = next(t for t in tables if "variance_pct" in _config(t))
    assert "%" in " ".join(_styled_cells(styled))
    assert months["variance_pct"].dtype == float  # numbers, not Decimals shown as text

    bs = report_frame(at, "balance_sheet")
    assert set(bs["side"]) == {"Assets", "Equity and liabilities"}
    assert any("Total equity and liabilities:" in c.value for c in at.caption)
    # The amounts are written by the table's Styler in the user's locale (English here),
    # with two decimals; the column itself keeps its numbers.
    accounts = _styled_cells(next(t for t in tables if t.key == "pnl_accounts"))
    assert any(re.fullmatch(r"-?\d{1,3}(,\d{3})+\.\d\d", c) for c in accounts), accounts[:20]


def test_a_year_without_previous_year_has_no_previous_year_columns(insights: Any) -> None:
    first = _first_year(insights)
    at = open_page(FINANCE)
    at.selectbox(key="filter_year").set_value(first).run()
    _ok(at)
    for key in ("pnl_accounts", "balance_sheet"):
        columns = set(report_frame(at, key).columns)
        assert "this_year" in columns and not {"last_year", "change"} & columns, key
    for card in at.metric:
        assert card.proto.delta == "", card.label  # nothing to compare with
    # The next year compares with it.
    at.selectbox(key="filter_year").set_value(first + 1).run()
    assert {"last_year", "change"} <= set(report_frame(at, "pnl_accounts").columns)

    at = open_page(WHOLESALE)
    at.selectbox(key="filter_year").set_value(first).run()
    _ok(at)
    sales = report_frame(at, "sales_by_dimension")
    assert not {"last_year", "change", "change_pct", "margin_last_year"} & set(sales.columns)
    assert "on_time_pct_last_year" not in report_frame(at, "supplier_performance").columns
    assert all(card.proto.delta == "" for card in at.metric)
    assert any(f"The warehouse holds no {first - 1}" in c.value for c in at.caption)
    at.selectbox(key="filter_year").set_value(first + 1).run()
    assert "last_year" in report_frame(at, "sales_by_dimension").columns


def test_kpi_cards_are_compact_with_the_exact_amount_on_hover(insights: Any) -> None:
    at = open_page(FINANCE)
    _ok(at)
    year = int(at.selectbox(key="filter_year").value)  # type: ignore[arg-type]
    period = int(at.selectbox(key="filter_period").value)  # type: ignore[arg-type]
    # All divisions keep EUR, USD and GBP books: the cards add them up in the group's EUR.
    revenue = float(
        insights.query(
            "select sum(amount_group) as r from mart_profit_and_loss "
            "where fiscal_year = $y and period_number <= $p and pl_section = 'Revenue'",
            {"y": year, "p": period},
        )["r"].iloc[0]
    )
    card = next(m for m in at.metric if m.label == "Revenue")
    assert card.value == compact_amount(revenue)
    assert card.proto.help.startswith(format_amount(revenue, "EUR") + ", change ")


def _rights(url: str, username: str) -> tuple[str, list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            role: str = con.execute(
                text("select role from app_user where username = :u"), {"u": username}
            ).scalar_one()
            codes: Sequence[Any] = (
                con.execute(
                    text(
                        "select d.code from division d "
                        "join user_division ud on ud.division_id = d.id "
                        "join app_user u on u.id = ud.user_id "
                        "where u.username = :u and d.is_active order by d.id"
                    ),
                    {"u": username},
                )
                .scalars()
                .all()
            )
            return str(role), [str(c) for c in codes]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("page", "key"),
    [
        ("app_pages/forms/journal_entry.py", "journal_entry_division"),
        ("app_pages/forms/payment.py", "payment_division"),
        ("app_pages/forms/sales_invoice.py", "sales_invoice_division"),
        ("app_pages/forms/purchase_invoice.py", "purchase_invoice_division"),
    ],
)
def test_ledger_forms_offer_only_the_users_divisions(app_env: Company, page: str, key: str) -> None:
    company = app_env
    role, codes = _rights(company.url, company.clerk)
    assert role == "clerk" and codes == ["HOLD", "NL01"]  # the demo's clerk8
    at = open_page(page, user=company.user(company.clerk))
    _ok(at)
    offered = [o.split(" ")[0] for o in at.selectbox(key=key).options]
    assert offered == codes


def test_payment_form_shows_open_amounts_as_amounts(app_env: Company) -> None:
    company = app_env
    at = open_page("app_pages/forms/payment.py", user=company.user(company.clerk))
    at.selectbox(key="payment_relation").set_value(company.customer).run()
    _ok(at)
    grid = next(t for t in at.main.dataframe if "open_amount" in _config(t))
    assert _config(grid)["open_amount"]["type_config"]["format"] == "localized"
    values = grid.value["open_amount"]
    assert len(values) and all(isinstance(v, Decimal | float) for v in values)
