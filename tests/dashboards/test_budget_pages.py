"""Budget against actual and the cash forecast on the Finance page, the Budgets page and the
Alerts page, driven like a controller would, checked against the marts and the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import (
    act_as,
    count,
    input_above,
    open_page,
    report_frame,
    the_error,
)
from tests.dashboards.conftest import Company
from transactional.money import MONEY_SCALE

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

FINANCE = "app_pages/finance.py"
BUDGETS = "app_pages/budgets.py"
ALERTS = "app_pages/alerts.py"


def _wh(at_path: Any, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(at_path), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _ledger(url: str, sql: str, params: dict[str, object] | None = None) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return list(con.execute(text(sql), params or {}).all())
    finally:
        engine.dispose()


def _every_table_downloads(at: AppTest, editors: str = "-") -> None:
    """Every report table has its Excel download right under it (data editors are input)."""
    nodes: list[Any] = [
        n
        for n in at.main
        if getattr(n, "type", None) in ("dataframe", "download_button")
        and not str(getattr(n, "key", None) or "").startswith(editors)
    ]
    tables = [i for i, n in enumerate(nodes) if n.type == "dataframe"]
    assert tables
    for i in tables:
        assert nodes[i + 1].type == "download_button", nodes[i].key
        assert nodes[i + 1].label == "Download as Excel"


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}  # English (CLDR) puts the symbol first


def _money(value: float, currency: str | None = None) -> str:
    number = round(value, 2) + 0.0
    if currency is None:
        return f"{number:,.2f}"
    return ("-" if number < 0 else "") + f"{SYMBOLS[currency]}{abs(number):,.2f}"


def _filters(at: AppTest) -> tuple[int, int]:
    year, period = at.selectbox(key="filter_year").value, at.selectbox(key="filter_period").value
    assert year is not None and period is not None
    return int(year), int(period)


def _divisions(insights: Any) -> pd.DataFrame:
    return _wh(insights.path, "select division_id, division_code, currency_code from dim_divisions")


# --- Finance: budget against actual ---------------------------------------------------------


def _mart_totals(
    insights: Any, year: int, period: int, divisions: list[int], where: str
) -> tuple[float, float]:
    row = _wh(
        insights.path,
        "select coalesce(sum(budget), 0) as b, coalesce(sum(actual), 0) as a "
        "from mart_budget_vs_actual where fiscal_year = ? and period_number <= ? "
        f"and list_contains(?, division_id) and {where}",
        [year, period, divisions],
    ).iloc[0]
    return float(row.b), float(row.a)


def test_budget_table_totals_equal_the_mart(insights: Any) -> None:
    at = open_page(FINANCE)
    _ok(at)
    year, period = _filters(at)
    divisions = _divisions(insights)
    assert "Budget vs actual" in [t.label for t in at.tabs]
    assert at.selectbox(key="bva_version").value == "approved-normal"
    assert any("variance = actual - budget" in c.value.lower() for c in at.caption)
    # The demo group keeps EUR, USD and GBP books: one currency at a time, EUR first.
    radio = at.radio(key="bva_currency")
    assert radio.value == "EUR"
    for currency in ("EUR", "USD"):
        radio.set_value(currency).run()
        _ok(at)
        ids = [int(i) for i in divisions[divisions["currency_code"] == currency]["division_id"]]
        budget, actual = _mart_totals(
            insights, year, period, ids, "status = 'approved' and scenario = 'normal'"
        )
        table = at.dataframe(key="bva_accounts").value
        assert table["budget"].sum() == pytest.approx(budget, abs=0.005)
        assert table["actual"].sum() == pytest.approx(actual, abs=0.005)
        assert (table["variance"] - (table["actual"] - table["budget"])).abs().max() < 0.005
        totals = next(m.value for m in at.markdown if m.value.startswith("**Net result, year"))
        assert f"budget {_money(budget, currency)}" in totals
        assert f"actual {_money(actual, currency)}" in totals
        # The net result per division lists every division in its own currency.
        overview = report_frame(at, "bva_divisions")
        assert set(overview["division_code"]) == set(divisions["division_code"])

    # Another version, the draft positive scenario (by its name), through an earlier period.
    at.radio(key="bva_currency").set_value("EUR").run()
    at.selectbox(key="filter_period").set_value(6).run()
    name = next(o for o in at.selectbox(key="bva_version").options if "positive" in o)
    at.selectbox(key="bva_version").set_value(name.split(" · ")[0]).run()
    _ok(at)
    ids = [int(i) for i in divisions[divisions["currency_code"] == "EUR"]["division_id"]]
    budget, actual = _mart_totals(insights, year, 6, ids, "version_name = 'Budget 2026 positive'")
    assert actual != _mart_totals(insights, year, 5, ids, "status = 'approved'")[1]
    table = at.dataframe(key="bva_accounts").value
    assert table["budget"].sum() == pytest.approx(budget, abs=0.005)
    assert table["actual"].sum() == pytest.approx(actual, abs=0.005)


def test_one_division_shows_its_budget_in_its_own_currency(insights: Any) -> None:
    at = open_page(FINANCE)
    divisions = _divisions(insights)
    us = divisions[divisions["division_code"] == "US01"].iloc[0]
    at.multiselect(key="filter_divisions").set_value([int(us.division_id)]).run()
    _ok(at)
    year, period = _filters(at)
    # One currency: no currency picker, no per-division overview.
    assert not [r for r in at.radio if r.key in ("bva_currency", "forecast_currency")]
    assert any(c.value == "Amounts in USD: US01." for c in at.caption)
    budget, actual = _mart_totals(
        insights, year, period, [int(us.division_id)], "status = 'approved' and scenario = 'normal'"
    )
    table = at.dataframe(key="bva_accounts").value
    assert table["budget"].sum() == pytest.approx(budget, abs=0.005)
    assert table["actual"].sum() == pytest.approx(actual, abs=0.005)
    # The first year has no budget: the tab says so.
    first = min(int(y) for y in at.selectbox(key="filter_year").options)
    at.selectbox(key="filter_year").set_value(first).run()
    _ok(at)
    assert any(f"no budget for {first}" in i.value for i in at.info)


def test_budget_account_drills_to_its_ledger_lines(insights: Any) -> None:
    at = open_page(FINANCE)
    at.selectbox(key="filter_period").set_value(4).run()
    year, period = _filters(at)
    divisions = _divisions(insights)
    ids = [int(i) for i in divisions[divisions["currency_code"] == "EUR"]["division_id"]]
    account_id = int(
        _wh(insights.path, "select account_id from dim_accounts where account_code = '8000'")
        .iloc[0]
        .account_id
    )
    at.selectbox(key="bva_account").set_value(account_id).run()
    _ok(at)
    # Independently: the ledger lines of revenue goods, EUR divisions, year to date.
    lines_sql = _wh(
        insights.path,
        "select count(*) as n, -sum(amount_base) as total from fct_gl_lines "
        "where account_id = ? and fiscal_year = ? and period_number <= ? "
        "and list_contains(?, division_id)",
        [account_id, year, period, ids],
    ).iloc[0]
    table = at.dataframe(key="bva_accounts").value
    actual = float(table[table["account_code"] == "8000"]["actual"].iloc[0])
    assert actual == pytest.approx(float(lines_sql.total), abs=0.005)
    lines = report_frame(at, "bva_ledger_lines")
    assert len(lines) == int(lines_sql.n) > 0
    assert lines["amount"].sum() == pytest.approx(actual, abs=0.005)
    shown = next(m.value for m in at.markdown if m.value.startswith("**Ledger lines behind"))
    assert f"{len(lines)} lines, total {_money(actual, 'EUR')}" in shown
    months = report_frame(at, "bva_account_months")
    assert months["actual"].sum() == pytest.approx(actual, abs=0.005)


def test_cash_forecast_opens_with_the_cash_position(insights: Any) -> None:
    at = open_page(FINANCE)
    _ok(at)
    divisions = _divisions(insights)
    as_of = _wh(insights.path, "select max(as_of_date) as d from mart_receivables_ageing")
    as_of_date = pd.Timestamp(as_of.iloc[0].d).date()
    for currency in ("EUR", "GBP"):
        at.radio(key="forecast_currency").set_value(currency).run()
        _ok(at)
        ids = [int(i) for i in divisions[divisions["currency_code"] == currency]["division_id"]]
        # The real cash position on the as-of date, from the ledger lines.
        cash = float(
            _wh(
                insights.path,
                "select sum(g.amount_base) as c from fct_gl_lines g "
                "join dim_accounts a on a.account_id = g.account_id "
                "where a.reporting_category = 'cash' and g.entry_date <= ? "
                "and list_contains(?, g.division_id)",
                [as_of_date, ids],
            )
            .iloc[0]
            .c
        )
        # What the Cash tab shows (mart_cash_position) for the period holding that date:
        # the demo posts nothing after the as-of date, so the two agree.
        cash_tab = float(
            _wh(
                insights.path,
                "select sum(c.balance_base) as c from mart_cash_position c "
                "join dim_periods p on p.division_id = c.division_id "
                "and p.fiscal_year = c.fiscal_year and p.period_number = c.period_number "
                "where p.period_start <= ? and p.period_end >= ? "
                "and list_contains(?, c.division_id)",
                [as_of_date, as_of_date, ids],
            )
            .iloc[0]
            .c
        )
        assert cash == pytest.approx(cash_tab, abs=0.005)
        weeks = report_frame(at, "cash_forecast")
        assert list(weeks["week_number"]) == list(range(1, 14))
        assert weeks["opening_cash"].iloc[0] == pytest.approx(cash, abs=0.005)
        assert list(weeks["opening_cash"][1:]) == pytest.approx(
            list(weeks["closing_cash"][:-1]), abs=0.005
        )
        caption = next(c.value for c in at.caption if "opens with the real cash" in c.value)
        # The date as English reads it (CLDR's medium form): "Nov 23, 2026".
        shown_date = f"{as_of_date:%b} {as_of_date.day}, {as_of_date.year}"
        assert shown_date in caption and _money(cash, currency) in caption
        check = report_frame(at, "cash_forecast_opening")
        assert check["difference"].abs().max() < 0.005
        assert check["period_end_cash"].sum() == pytest.approx(cash_tab, abs=0.005)


# --- Budgets page ---------------------------------------------------------------------------


def _version(url: str, division: str, name: str) -> tuple[int, str, int | None]:
    rows = _ledger(
        url,
        "select v.id, v.status, v.approved_by from budget_version v "
        "join division d on d.id = v.division_id where d.code = :d and v.name = :n",
        {"d": division, "n": name},
    )
    assert len(rows) == 1, rows
    return int(rows[0][0]), str(rows[0][1]), rows[0][2]


def _act(at: AppTest, action: str, user: int | None = None) -> None:
    if user is not None:
        act_as(at, user)
    at.button(key=f"budget_{action}").click().run()
    assert not at.exception, [e.message for e in at.exception]


def test_manager_approves_a_submitted_version(app_env: Company) -> None:
    company = app_env
    version_id, status, _ = _version(company.url, "HOLD", "Budget 2026 positive")
    assert status == "draft"
    at = open_page(BUDGETS, user=company.user("accountant"))
    _ok(at)
    listed = report_frame(at, "budget_versions")
    assert "Budget 2026 positive" in set(listed["name"])
    _every_table_downloads(at)
    at.selectbox(key="budget_version_pick").set_value(version_id).run()
    assert at.button(key="budget_approve").disabled  # a draft is submitted first
    _act(at, "submit")
    _ok(at)
    assert _version(company.url, "HOLD", "Budget 2026 positive")[1] == "submitted"
    assert "Submitted" in at.success[0].value
    _act(at, "approve", company.user("manager"))
    _ok(at)
    assert _version(company.url, "HOLD", "Budget 2026 positive") == (
        version_id,
        "approved",
        company.user("manager"),
    )
    assert "Approved" in at.success[0].value and "erp refresh" in at.success[0].value
    assert any(b.label == "Refresh warehouse now" for b in at.button)
    # The table shows the new status in the same run.
    listed = report_frame(at, "budget_versions")
    row = listed[(listed["name"] == "Budget 2026 positive") & (listed["division_code"] == "HOLD")]
    assert list(row["status"]) == ["approved"] and list(row["approved_by"]) == ["manager"]


@pytest.mark.parametrize("username", ["accountant", "clerk8"])
def test_only_a_manager_approves(app_env: Company, username: str) -> None:
    company = app_env
    version_id, _, _ = _version(company.url, "HOLD", "Budget 2026 negative")
    at = open_page(BUDGETS, user=company.user("accountant"))
    at.selectbox(key="budget_version_pick").set_value(version_id).run()
    _act(at, "submit")
    _act(at, "approve", company.user(username))
    error = the_error(at)
    assert "may not approve" in error.value
    assert _version(company.url, "HOLD", "Budget 2026 negative") == (version_id, "submitted", None)
    # The clerk cannot submit either: nothing changes.
    if username.startswith("clerk"):
        _act(at, "reject", company.user("manager"))
        _ok(at)
        _act(at, "submit", company.user(username))
        assert "may not" in the_error(at).value
        assert _version(company.url, "HOLD", "Budget 2026 negative")[1] == "draft"


# On SQLite the ledger keeps money as integers scaled by 10^MONEY_SCALE (transactional.money).
_SCALE = 10**MONEY_SCALE


def _pl_actuals(url: str, division: str, year: int) -> float:
    """A division's P&L ledger total of a year (debit positive), from the ledger itself."""
    rows = _ledger(
        url,
        "select sum(l.amount_base) from journal_line l "
        "join journal_entry e on e.id = l.entry_id "
        "join fiscal_year y on y.id = e.fiscal_year_id "
        "join account a on a.id = l.account_id "
        "join division d on d.id = l.division_id "
        "where d.code = :d and y.year = :y and a.account_type = 'profit_loss'",
        {"d": division, "y": year},
    )
    return float(rows[0][0]) / _SCALE


def _lines(url: str, version_id: int) -> tuple[int, float]:
    rows = _ledger(
        url,
        "select count(*), sum(amount) from budget_line where version_id = :v",
        {"v": version_id},
    )
    return int(rows[0][0]), float(rows[0][1]) / _SCALE


def test_new_version_from_actuals_with_a_change(app_env: Company) -> None:
    company = app_env
    at = open_page(BUDGETS, user=company.user("accountant"))
    at.selectbox(key="bfa_division_0").set_value(1)  # HOLD
    at.number_input(key="bfa_year_0").set_value(2026)
    at.number_input(key="bfa_source_year_0").set_value(2025)
    at.text_input(key="bfa_name_0").input("Budget 2026 second take")
    at.number_input(key="bfa_change_0").set_value(10.0)
    next(b for b in at.button if b.label == "Create version from actuals").click().run()
    _ok(at)
    version_id, status, _ = _version(company.url, "HOLD", "Budget 2026 second take")
    assert status == "draft"
    origin = _ledger(
        company.url,
        "select origin, source_year, scenario from budget_version where id = :v",
        {"v": version_id},
    )
    assert tuple(origin[0][:1]) == ("actuals",) and int(origin[0][1]) == 2025
    n, total = _lines(company.url, version_id)
    # The 2025 actuals x 1.10, each line rounded to the cent.
    assert total == pytest.approx(_pl_actuals(company.url, "HOLD", 2025) * 1.1, abs=0.005 * n)
    assert "Budget 2026 second take" in at.success[0].value
    assert "2025 actuals +10.0 %" in at.success[0].value
    assert at.session_state["budget_new_generation"] == 1  # a fresh form

    # The same name again is refused under the name, and nothing is written.
    before = count(company.url, "budget_version")
    at.selectbox(key="bfa_division_1").set_value(1)
    at.number_input(key="bfa_year_1").set_value(2026)
    at.text_input(key="bfa_name_1").input("Budget 2026 second take")
    next(b for b in at.button if b.label == "Create version from actuals").click().run()
    error = the_error(at)
    assert "already exists" in error.value
    assert input_above(at, error).key == "bfa_name_1"
    assert count(company.url, "budget_version") == before


def test_new_version_from_another_version(app_env: Company) -> None:
    company = app_env
    source_id, _, _ = _version(company.url, "HOLD", "Budget 2026")
    at = open_page(BUDGETS, user=company.user("accountant"))
    at.selectbox(key="bfv_source_0").set_value(source_id)
    at.text_input(key="bfv_name_0").input("Budget 2026 cautious")
    at.number_input(key="bfv_change_0").set_value(-5.0)
    at.selectbox(key="bfv_scenario_0").set_value("negative")
    next(b for b in at.button if b.label == "Create version from version").click().run()
    _ok(at)
    version_id, status, _ = _version(company.url, "HOLD", "Budget 2026 cautious")
    n_source, total_source = _lines(company.url, source_id)
    n, total = _lines(company.url, version_id)
    assert status == "draft" and n == n_source
    assert total == pytest.approx(total_source * 0.95, abs=0.005 * n)
    scenario = _ledger(
        company.url, "select scenario, origin from budget_version where id = :v", {"v": version_id}
    )
    assert tuple(scenario[0]) == ("negative", "version")


# --- Alerts page ----------------------------------------------------------------------------


def test_alerts_equal_the_mart(insights: Any) -> None:
    at = open_page(ALERTS)
    _ok(at)
    counts = _wh(insights.path, "select alert_kind, count(*) as n from mart_alerts group by 1")
    expected = dict(zip(counts["alert_kind"], counts["n"], strict=True))
    labels = {
        "Customers over their overdue limit": "customer_over_limit",
        "Invoices past due": "invoice_past_due",
        "Budget overruns": "budget_overrun",
    }
    assert [m.label for m in at.metric] == list(labels)
    _every_table_downloads(at, editors="alert_customer_limits")
    for metric in at.metric:
        assert metric.value == f"{int(expected.get(labels[metric.label], 0)):,}"
    for kind in labels.values():
        table = report_frame(at, f"alerts_{kind}")
        assert len(table) == int(expected.get(kind, 0))
        total = _wh(
            insights.path,
            "select coalesce(sum(amount), 0) as t from mart_alerts where alert_kind = ?",
            [kind],
        )
        assert table["amount"].sum() == pytest.approx(float(total.iloc[0].t), abs=0.005)


def _setting(url: str, kind: str, relation: str | None = None) -> tuple[Decimal, int] | None:
    from sqlmodel import Session, col, select

    from transactional.budgets.models import AlertSetting
    from transactional.relations.models import Relation

    engine = create_engine(url)
    try:
        with Session(engine) as s:
            stmt = select(AlertSetting).where(
                AlertSetting.division_id == 1, AlertSetting.kind == kind
            )
            if relation is None:
                stmt = stmt.where(col(AlertSetting.relation_id).is_(None))
            else:
                rel = s.exec(
                    select(Relation).where(Relation.division_id == 1, Relation.code == relation)
                ).one()
                stmt = stmt.where(AlertSetting.relation_id == rel.id)
            row = s.exec(stmt).first()
            return None if row is None else (Decimal(row.value), row.updated_by)
    finally:
        engine.dispose()


def _thresholds(company: Company, username: str) -> AppTest:
    at = open_page(ALERTS, user=company.user(username))
    at.selectbox(key="alert_division").set_value(1).run()  # HOLD
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_manager_sets_the_budget_overrun_pct(app_env: Company) -> None:
    company = app_env
    assert _setting(company.url, "budget_overrun_pct") == (Decimal(10), company.user("accountant"))
    at = _thresholds(company, "manager")
    at.text_input(key="alert_overrun_pct_1_0").input("12,5")
    next(b for b in at.button if b.label == "Save overrun %").click().run()
    _ok(at)
    assert _setting(company.url, "budget_overrun_pct") == (
        Decimal("12.5"),
        company.user("manager"),
    )
    assert "12,5 %" in at.success[0].value and "refresh" in at.success[0].value
    assert any(b.label == "Refresh warehouse now" for b in at.button)
    # The form shows the saved value.
    assert at.text_input(key="alert_overrun_pct_1_1").value == "12.50"


def test_negative_limit_is_refused_under_the_input(app_env: Company) -> None:
    company = app_env
    before = _setting(company.url, "overdue_limit")
    rows = count(company.url, "alert_setting")
    at = _thresholds(company, "manager")
    at.text_input(key="alert_default_limit_1_0").input("-5")
    next(b for b in at.button if b.label == "Save default limit").click().run()
    error = the_error(at)
    assert "cannot be negative" in error.value
    assert input_above(at, error).key == "alert_default_limit_1_0"
    assert _setting(company.url, "overdue_limit") == before
    assert count(company.url, "alert_setting") == rows
    assert not at.success


def test_clerk_cannot_change_thresholds(app_env: Company) -> None:
    company = app_env
    before = _setting(company.url, "budget_overrun_pct")
    at = open_page("app_pages/alerts.py", user=company.user(company.clerk))
    # Not offered: the page says who sets them (the services refuse one
    # without the right anyway: tests/transactional/test_budgets.py).
    assert not [t for t in at.text_input if str(t.key).startswith("alert_overrun_pct")]
    assert not [b for b in at.button if b.label == "Save overrun %"]
    assert any("set by accountants" in c.value for c in at.caption)
    assert _setting(company.url, "budget_overrun_pct") == before


def test_customer_limit_is_saved_from_the_grid(app_env: Company) -> None:
    company = app_env
    assert _setting(company.url, "overdue_limit", company.customer) is None
    at = _thresholds(company, "accountant")
    grid = "alert_customer_limits_1_0"
    at.session_state[grid] = {
        "edited_rows": {0: {"customer": company.customer, "limit": "5000"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == "Save customer limits").click().run()
    _ok(at)
    assert _setting(company.url, "overdue_limit", company.customer) == (
        Decimal(5000),
        company.user("accountant"),
    )
    # The grid now lists it first; a limit without a customer is refused, nothing written.
    rows = count(company.url, "alert_setting")
    at.session_state["alert_customer_limits_1_1"] = {
        "edited_rows": {1: {"limit": "100"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == "Save customer limits").click().run()
    assert "pick the customer" in the_error(at).value
    assert count(company.url, "alert_setting") == rows
