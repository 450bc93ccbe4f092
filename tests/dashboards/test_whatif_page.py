"""The What-if page, driven like a controller would, checked against numbers worked out
here: the baseline as ``whatif.baseline.load`` reads it (or the P&L mart itself) and plain
Decimal arithmetic for each driver, never the engine's own output."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from dashboards.queries import whatif_baseline as baseline_loader
from dashboards.warehouse import PublishedWarehouse
from tests.dashboards.apptest_helpers import count, fill_grid, input_above, open_page
from tests.dashboards.conftest import Company
from transactional.budgets.models import BudgetLine, BudgetVersion
from transactional.finance.models import Account
from transactional.planning.whatif import Baseline

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

PAGE = "app_pages/whatif.py"
CENT = Decimal("0.01")
AMOUNT_CARDS = ("Revenue", "Gross margin", "EBIT", "Net result", "Cash at year end")


# --- reading the page ----------------------------------------------------------------------------
def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _money(value: Decimal | float) -> str:
    return f"{round(float(value), 2) + 0.0:,.2f}"


def _signed(value: Decimal | float) -> str:
    return f"{round(float(value), 2) + 0.0:+,.2f}"


def _metric(at: AppTest, label: str) -> tuple[str, str | None]:
    metric = next(m for m in at.metric if m.label == label)
    return metric.value, metric.delta


def _table(at: AppTest, *, with_units: bool) -> pd.DataFrame:
    """The P&L comparison (or, ``with_units``, the key figures), indexed by line."""
    for frame in at.dataframe:
        df = frame.value
        if "label" in df.columns and ("unit" in df.columns) == with_units:
            return df.set_index("label")
    raise AssertionError("no such table on the page")


def _pnl(at: AppTest) -> pd.DataFrame:
    return _table(at, with_units=False)


def _kpis(at: AppTest) -> pd.DataFrame:
    return _table(at, with_units=True)


def _charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _set(at: AppTest, key: str, value: float) -> AppTest:
    at.number_input(key=key).set_value(value).run()
    return _ok(at)


def _year(at: AppTest) -> int:
    year = at.selectbox(key="filter_year").value
    assert year is not None
    return int(year)


# --- the independent numbers ---------------------------------------------------------------------
def _baseline(wh: PublishedWarehouse, ids: list[int], year: int) -> Baseline:
    return baseline_loader.load(str(wh.path), ids, year)


def _divisions(wh: PublishedWarehouse) -> dict[str, tuple[int, str]]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        rows = con.execute(
            "select division_code, division_id, currency_code from dim_divisions"
        ).fetchall()
    finally:
        con.close()
    return {code: (int(i), cur) for code, i, cur in rows}


def _group_revenue(base: Baseline, factor: Decimal = Decimal(1)) -> Decimal:
    """Revenue of all the baseline's divisions in group currency, x ``factor``."""
    with localcontext() as ctx:
        ctx.prec = 60
        return sum(
            (
                sum(div.pnl["revenue"], Decimal(0)) * factor * base.rate(div.currency)
                for div in base.divisions
            ),
            Decimal(0),
        )


def _mart_revenue(wh: PublishedWarehouse, division_id: int, year: int) -> Decimal:
    """A full year's revenue straight from the marts: the periods up to the last posting
    date from the P&L, the later ones from the approved normal budget (the demo approves
    one for every year after the first)."""
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        row = con.execute(
            """
            with last_posting as (select max(entry_date) as d from fct_gl_lines),
            ended as (
                select period_number, period_start <= (select d from last_posting) as is_ended
                from dim_periods where division_id = $div and fiscal_year = $year
            )
            select
                (select coalesce(sum(p.amount), 0)
                 from mart_profit_and_loss p
                 join ended e on e.period_number = p.period_number and e.is_ended
                 where p.division_id = $div and p.fiscal_year = $year
                   and p.pl_section = 'Revenue')
                + (select coalesce(sum(b.budget), 0)
                   from mart_budget_vs_actual b
                   join ended e on e.period_number = b.period_number and not e.is_ended
                   where b.division_id = $div and b.fiscal_year = $year
                     and b.status = 'approved' and b.scenario = 'normal'
                     and b.pl_section = 'Revenue')
            """,
            {"div": division_id, "year": year},
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return Decimal(row[0])


def _versions(url: str, name: str) -> list[BudgetVersion]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(BudgetVersion).where(BudgetVersion.name == name)))
    finally:
        engine.dispose()


def _line_totals(url: str, version_id: int) -> dict[str, tuple[Decimal, int]]:
    """Account code -> (sum of the version's lines, number of lines)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(Account.code, BudgetLine.amount)  # type: ignore[call-overload]
                .join(Account, Account.id == BudgetLine.account_id)
                .where(BudgetLine.version_id == version_id)
            ).all()
    finally:
        engine.dispose()
    out: dict[str, tuple[Decimal, int]] = {}
    for code, amount in rows:
        total, n = out.get(code, (Decimal(0), 0))
        out[code] = (total + amount, n + 1)
    return out


def _save(at: AppTest, name: str, scenario: str = "custom") -> AppTest:
    at.text_input(key="whatif_save_name").set_value(name)
    at.selectbox(key="whatif_save_scenario").set_value(scenario)
    at.button(key="whatif_save_submit").click().run()
    return _ok(at)


# --- the tests -----------------------------------------------------------------------------------
def test_zero_drivers_show_the_baseline(insights: PublishedWarehouse, app_env: Company) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    assert at.title[0].value == "What-if"
    assert [m.label for m in at.metric] == [*AMOUNT_CARDS, "DSO", "DPO"]
    for metric in at.metric:
        assert metric.delta in ("+0.00", "+0.0 days"), metric.label
    year = _year(at)
    ids = [i for i, _ in _divisions(insights).values()]
    base = _baseline(insights, sorted(ids), year)
    assert any("Amounts in EUR, the group currency" in c.value for c in at.caption)
    assert _metric(at, "Revenue")[0] == _money(_group_revenue(base))
    pnl = _pnl(at)
    assert (pnl["scenario"] == pnl["baseline"]).all()
    assert (pnl["change"] == 0).all()
    bridge = next(c for c in _charts(at) if c["data"][0]["type"] == "waterfall")
    y = bridge["data"][0]["y"]
    assert y[0] == y[-1] == pytest.approx(float(pnl.loc["Net result", "baseline"]))
    assert all(v == 0 for v in y[1:-1])


def test_sales_price_raises_revenue_and_results_by_the_same_amount(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    base = _baseline(insights, sorted(i for i, _ in _divisions(insights).values()), _year(at))
    _set(at, "whatif_price_pct", 10.0)
    revenue = _group_revenue(base)
    raised = _group_revenue(base, Decimal("1.1"))
    assert _metric(at, "Revenue") == (_money(raised), _signed(raised - revenue))
    # Price is pure margin: gross margin, EBIT and net result rise by the same amount.
    for label in ("Gross margin", "EBIT", "Net result"):
        assert _metric(at, label)[1] == _signed(raised - revenue), label
    pnl = _pnl(at)
    assert pnl.loc["Revenue", "scenario"] == pytest.approx(float(raised), abs=0.005)
    assert pnl.loc["Revenue", "change_pct"] == pytest.approx(10.0)
    assert pnl.loc["Cost of goods sold", "change"] == 0
    assert pnl.loc["Wages and social charges", "change"] == 0
    bridge = next(c for c in _charts(at) if c["data"][0]["type"] == "waterfall")
    bars = dict(zip(bridge["data"][0]["x"], bridge["data"][0]["y"], strict=True))
    assert bars["Revenue"] == pytest.approx(float(raised - revenue), abs=0.005)
    assert bars["Scenario net result"] == pytest.approx(
        float(pnl.loc["Net result", "scenario"]), abs=0.005
    )
    cash = next(c for c in _charts(at) if c["layout"]["title"]["text"] == "Cash at month end")
    assert [t["name"] for t in cash["data"]] == ["Baseline", "Scenario"]
    assert cash["data"][1]["y"][-1] > cash["data"][0]["y"][-1]  # more margin, more cash


def test_one_foreign_division_in_its_own_currency_against_the_mart(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    division_id, currency = _divisions(insights)["US01"]
    assert currency == "USD"
    at.multiselect(key="filter_divisions").set_value([division_id]).run()
    _ok(at)
    assert any("Amounts in USD, the divisions' own currency" in c.value for c in at.caption)
    # Issue 13 (3.4): the months after the books' reach are a forecast, and the page says
    # which one (the demo approves a budget for 2026).
    assert any(
        "P01–P10: 2026 actuals (books through Oct " in c.value
        and "P11–P12: forecast from the approved budget" in c.value
        for c in at.caption
    ), [c.value for c in at.caption]
    assert not [w for w in at.number_input if str(w.key).startswith("whatif_fx_")]
    revenue = _mart_revenue(insights, division_id, _year(at))
    assert revenue > 0
    assert _metric(at, "Revenue")[0] == _money(revenue)
    _set(at, "whatif_price_pct", 10.0)
    assert _metric(at, "Revenue") == (_money(revenue * Decimal("1.1")), _signed(revenue / 10))


def test_exchange_rate_moves_group_revenue_by_the_usd_revenue(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    base = _baseline(insights, sorted(i for i, _ in _divisions(insights).values()), _year(at))
    rate = base.rates["USD"]
    assert at.number_input(key="whatif_fx_USD").value == pytest.approx(float(rate))
    _set(at, "whatif_fx_USD", float(rate + Decimal("0.1")))
    usd_revenue = sum(
        (sum(d.pnl["revenue"], Decimal(0)) for d in base.divisions if d.currency == "USD"),
        Decimal(0),
    )
    assert _metric(at, "Revenue")[1] == _signed(usd_revenue * Decimal("0.1"))


def test_headcount_from_july_in_one_division(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    division_id, _ = _divisions(insights)["NL01"]
    nl = _baseline(insights, [division_id], _year(at)).divisions[0]
    at.selectbox(key="whatif_from_month").set_value(7)
    _set(at, f"whatif_heads_{division_id}", 2.0)
    at.selectbox(key="whatif_view").set_value(division_id).run()
    _ok(at)
    assert _metric(at, "Revenue")[0] == _money(sum(nl.pnl["revenue"], Decimal(0)))
    extra_wages = 2 * nl.wage_per_head * 6  # two heads, July to December
    pnl = _pnl(at)
    assert pnl.loc["Wages and social charges", "change"] == pytest.approx(
        -float(extra_wages), abs=0.005
    )
    assert _metric(at, "Net result")[1] == _signed(-extra_wages)
    kpis = _kpis(at)
    assert kpis.loc["Headcount (nominal)", "baseline"] == pytest.approx(float(nl.headcount))
    assert kpis.loc["Headcount (nominal)", "change"] == 2
    assert kpis.loc["Revenue", "unit"] == "EUR"


def test_longer_customer_terms_cost_cash_at_year_end(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    base = _baseline(insights, sorted(i for i, _ in _divisions(insights).values()), _year(at))
    _set(at, "whatif_customer_days", 30)
    last = base.months[-1]
    with localcontext() as ctx:
        ctx.prec = 60
        # 30 more days of the last month's revenue sit in receivables instead of the bank.
        tied_up = sum(
            (d.pnl["revenue"][-1] * 30 / last.days * base.rate(d.currency) for d in base.divisions),
            Decimal(0),
        )
    assert _metric(at, "Cash at year end")[1] == _signed(-tied_up)
    assert _metric(at, "Net result")[1] == "+0.00"
    assert str(_metric(at, "DSO")[1]).startswith("+")


def test_one_off_moves_the_result_and_bad_rows_are_explained(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    fill_grid(
        at,
        "whatif_one_offs_0",
        [
            {"division": "NL01", "month": 12, "line": "other_costs", "amount": -20000.0},
            {"division": "NL01", "line": "wages", "amount": 5.0},
        ],
    )
    _ok(at.run())
    assert _metric(at, "Net result")[1] == _signed(-20000)  # NL01 books in EUR, the group's
    assert _pnl(at).loc["Other operating costs", "change"] == -20000
    assert len(at.error) == 1
    message = at.error[0].value
    assert "One-off row 2: pick the month" in message and "left out" in message
    # Nothing is saved while a row is wrong.
    before = count(app_env.url, "budget_version")
    _save(at, "With a bad row")
    assert "Fix or clear the one-off rows" in at.error[-1].value
    assert count(app_env.url, "budget_version") == before
    assert not at.success


def test_reset_drivers(insights: PublishedWarehouse, app_env: Company) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    base = _baseline(insights, sorted(i for i, _ in _divisions(insights).values()), _year(at))
    at.number_input(key="whatif_volume_pct").set_value(-5.0)
    at.number_input(key="whatif_fx_GBP").set_value(2.0)
    fill_grid(
        at, "whatif_one_offs_0", [{"division": "HOLD", "month": 1, "line": "revenue", "amount": 1}]
    )
    _ok(at.run())
    assert _metric(at, "Revenue")[1] != "+0.00"
    at.button(key="whatif_reset").click().run()
    _ok(at)
    assert at.number_input(key="whatif_volume_pct").value == 0
    assert at.number_input(key="whatif_fx_GBP").value == pytest.approx(float(base.rates["GBP"]))
    for metric in at.metric:
        assert metric.delta in ("+0.00", "+0.0 days"), metric.label
    assert at.dataframe[0].value.dropna(how="all").empty  # a fresh one-off grid


def test_save_as_budget_version_writes_one_draft_per_division(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    manager = app_env.user("manager")
    at = open_page(PAGE, user=manager)
    year = _year(at)
    divisions = _divisions(insights)
    base = _baseline(insights, sorted(i for i, _ in divisions.values()), year)
    assert str(at.text_input(key="whatif_save_name").value).startswith(f"What-if {year} ")
    _set(at, "whatif_price_pct", 10.0)
    _save(at, "Price up 10", "positive")
    assert not at.error
    notice = at.success[0].value
    assert "Price up 10" in notice and "draft" in notice and "Budget vs actual" in notice
    assert at.button(key="whatif_saved_refresh").label == "Refresh warehouse now"

    saved = _versions(app_env.url, "Price up 10")
    assert sorted(v.division_id for v in saved) == sorted(i for i, _ in divisions.values())
    for version in saved:
        assert (version.origin, version.status, version.scenario) == (
            "what_if",
            "draft",
            "positive",
        )
        assert (version.fiscal_year, version.created_by) == (year, manager)
        div = base.division(version.division_id)
        with localcontext() as ctx:
            ctx.prec = 60
            revenue = [
                (m * Decimal("1.1")).quantize(CENT, ROUND_HALF_UP) for m in div.pnl["revenue"]
            ]
            goods = [m.quantize(CENT, ROUND_HALF_UP) for m in div.pnl["cost_of_goods"]]
        totals = _line_totals(app_env.url, version.id or 0)
        # Ledger sign: revenue negative, costs positive; one line per period with an amount.
        assert totals["8000"] == (-sum(revenue), sum(1 for r in revenue if r))
        assert totals["7000"][0] == -sum(goods)


def test_a_clerk_may_not_save(insights: PublishedWarehouse, app_env: Company) -> None:
    at = open_page(PAGE, user=app_env.user(app_env.clerk))
    before = count(app_env.url, "budget_version")
    _save(at, "Clerk's scenario")
    assert len(at.error) == 1
    assert "clerk may not" in at.error[0].value
    assert not at.success
    assert count(app_env.url, "budget_version") == before
    assert count(app_env.url, "budget_line") > 0  # the demo budgets are still there


def test_a_taken_name_is_refused_under_the_name(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE, user=app_env.user("manager"))
    before = count(app_env.url, "budget_version")
    _save(at, "Twice")
    assert at.success and not at.error
    added = count(app_env.url, "budget_version") - before
    assert added == len(_divisions(insights))
    _save(at, "Twice")
    assert len(at.error) == 1
    error = at.error[0]
    assert "already exists" in error.value and "pick another name" in error.value
    assert input_above(at, error).key == "whatif_save_name"
    assert not at.success
    assert count(app_env.url, "budget_version") == before + added


def test_every_table_has_an_excel_download_under_it(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE)
    nodes = [n for n in at.main if getattr(n, "type", None) in ("dataframe", "download_button")]
    tables = [i for i, n in enumerate(nodes) if n.type == "dataframe"]
    assert len(tables) == 4  # the one-off grid, P&L, key figures, by month
    for i in tables[1:]:
        assert nodes[i + 1].type == "download_button"
        assert getattr(nodes[i + 1], "label", None) == "Download as Excel"
    assert {getattr(n, "key", None) for n in nodes if n.type == "download_button"} == {
        "whatif_pnl_xlsx",
        "whatif_kpis_xlsx",
        "whatif_by_month_xlsx",
    }


def test_page_says_how_to_publish_when_nothing_is_published(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app_env: Company
) -> None:
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "empty"))
    at = open_page(PAGE)
    assert at.title[0].value == "What-if"
    assert not at.metric
    assert any("erp refresh" in i.value for i in at.info)
