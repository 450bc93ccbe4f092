"""The what-if engine's invariants, on a hand-made baseline and on the demo warehouse.

Hand-made: two divisions (EUR, the group currency, and USD), twelve months of known
numbers, no warehouse. Real: the baseline ``baseline.load`` reads from the session's demo
warehouse (the real pipeline's output, ``demo_stack``).
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, localcontext
from typing import Any

import duckdb
import pytest

from dashboards.queries import whatif_baseline as baseline_loader
from tests.dashboards.conftest import DemoStack
from transactional.planning import whatif as engine
from transactional.planning.whatif import (
    CASH,
    COST_OF_GOODS,
    COST_OF_SALES,
    NET_RESULT,
    OTHER_COST_OF_SALES,
    OTHER_COSTS,
    PAYABLES,
    PNL_LINES,
    PNL_REPORT,
    RECEIVABLES,
    REVENUE,
    WAGES,
    Baseline,
    CashWeek,
    DivisionBaseline,
    Drivers,
    Month,
    OneOff,
    run,
)

D = Decimal
TINY = D("1e-18")  # balances are days x flow / days in month, kept to 20 decimals


def _months(year: int = 2026) -> tuple[Month, ...]:
    out = []
    for n in range(1, 13):
        end = dt.date(year + n // 12, n % 12 + 1, 1) - dt.timedelta(days=1)
        out.append(Month(n, dt.date(year, n, 1), end))
    return tuple(out)


def _division(division_id: int, code: str, currency: str, scale: int) -> DivisionBaseline:
    def series(base: str, step: str) -> tuple[Decimal, ...]:
        return tuple((D(base) + D(step) * n) * scale for n in range(12))

    return DivisionBaseline(
        division_id=division_id,
        division_code=code,
        currency=currency,
        pnl={
            REVENUE: series("100000.25", "1000"),
            COST_OF_GOODS: series("-60000.10", "-600"),
            OTHER_COST_OF_SALES: series("-500", "0"),
            WAGES: series("-15000", "0"),
            OTHER_COSTS: series("-8000.33", "-10"),
            engine.DEPRECIATION: series("-2000", "0"),
            engine.OTHER_INCOME: series("300", "0"),
            engine.FINANCIAL_RESULT: series("-150.5", "0"),
            engine.INCOME_TAX: series("-3000", "0"),
        },
        opening={
            RECEIVABLES: D("150000") * scale,
            PAYABLES: D("40000") * scale,
            engine.INVENTORY: D("30000") * scale,
            CASH: D("50000") * scale,
        },
        customer_days=D("45.0"),
        supplier_days=D("30.0"),
        stock_days=D("20.0"),
        headcount=D("3.0"),
        wage_per_head=D("5000.00"),
        # Real balances for the first three months (as if the as-of date were in April).
        actual_balances={
            RECEIVABLES: (D("151000") * scale, D("149000") * scale, D("152500") * scale)
            + (None,) * 9,
            PAYABLES: (D("41000") * scale, D("39000") * scale, D("40500") * scale) + (None,) * 9,
            engine.INVENTORY: (None,) * 12,
            CASH: (D("52000") * scale, D("61000") * scale, D("58000") * scale) + (None,) * 9,
        },
        sources=("actual",) * 3 + ("budget",) * 9,
        weekly_cash=tuple(
            CashWeek(
                week_number=w + 1,
                week_start=dt.date(2026, 3, 30) + dt.timedelta(weeks=w),
                opening_cash=D("58000") * scale + D(100) * w,
                receipts=D("1000"),
                payments=D("-900"),
                recurring_costs=D("0"),
                budget_flows=D("0"),
                net_flow=D("100"),
                closing_cash=D("58000") * scale + D(100) * (w + 1),
            )
            for w in range(13)
        ),
    )


@pytest.fixture
def base() -> Baseline:
    return Baseline(
        fiscal_year=2026,
        group_currency="EUR",
        months=_months(),
        rates={"EUR": D(1), "USD": D("0.86831236")},
        divisions=(_division(1, "NL01", "EUR", 1), _division(2, "US01", "USD", 2)),
        as_of_date=dt.date(2026, 4, 15),
    )


# --- hand-made baseline ----------------------------------------------------------------------
def test_zero_drivers_give_the_baseline_exactly(base: Baseline) -> None:
    result = run(base, Drivers())
    assert result.scenario == result.baseline
    # ... and the baseline is the input: P&L lines as given, real balances where known.
    nl = result.baseline.divisions[1]
    for line in PNL_LINES:
        assert nl.pnl[line] == base.division(1).pnl[line]
    assert nl.balances[CASH][:3] == (D("52000"), D("61000"), D("58000"))
    assert nl.balances[RECEIVABLES][:3] == (D("151000"), D("149000"), D("152500"))
    assert result.baseline.group.total(REVENUE) == sum(
        (sum(d.pnl[REVENUE]) * base.rate(d.currency) for d in base.divisions), D(0)
    )
    # The weekly forecast passes through untouched.
    assert nl.weekly_cash == base.division(1).weekly_cash


def test_subtotals_add_up(base: Baseline) -> None:
    figures = run(base, Drivers()).baseline.divisions[1]
    for i in range(12):
        assert figures.pnl[NET_RESULT][i] == sum(figures.pnl[line][i] for line in PNL_LINES)
        assert figures.pnl[COST_OF_SALES][i] == (
            figures.pnl[COST_OF_GOODS][i] + figures.pnl[OTHER_COST_OF_SALES][i]
        )
    assert set(figures.pnl) == set(PNL_REPORT)


def test_sales_volume_scales_revenue_and_cost_of_goods(base: Baseline) -> None:
    result = run(base, Drivers(sales_volume_pct=D(10)))
    for scope in (*result.baseline.divisions, None):
        before = result.baseline.group if scope is None else result.baseline.divisions[scope]
        after = result.scenario.group if scope is None else result.scenario.divisions[scope]
        for i in range(12):
            assert after.pnl[REVENUE][i] == before.pnl[REVENUE][i] * D("1.10")
            assert after.pnl[COST_OF_GOODS][i] == before.pnl[COST_OF_GOODS][i] * D("1.10")
            # Cost of sales moves by the same volume: the volume-driven part x 10 %.
            assert after.pnl[COST_OF_SALES][i] - before.pnl[COST_OF_SALES][i] == (
                before.pnl[COST_OF_GOODS][i] * D("0.10")
            )
            for line in (OTHER_COST_OF_SALES, WAGES, OTHER_COSTS):
                assert after.pnl[line][i] == before.pnl[line][i]
        assert after.total(REVENUE) == before.total(REVENUE) * D("1.1")


def test_sales_price_scales_revenue_only(base: Baseline) -> None:
    result = run(base, Drivers(sales_price_pct=D("-5")))
    before, after = result.baseline.group, result.scenario.group
    assert after.total(REVENUE) == before.total(REVENUE) * D("0.95")
    assert after.pnl[COST_OF_SALES] == before.pnl[COST_OF_SALES]
    assert after.total(NET_RESULT) - before.total(NET_RESULT) == -before.total(REVENUE) * D("0.05")


def test_purchase_cost_scales_cost_of_goods(base: Baseline) -> None:
    result = run(base, Drivers(purchase_cost_pct=D(4)))
    before, after = result.baseline.divisions[1], result.scenario.divisions[1]
    assert after.pnl[REVENUE] == before.pnl[REVENUE]
    assert after.total(COST_OF_GOODS) == before.total(COST_OF_GOODS) * D("1.04")
    assert after.pnl[OTHER_COST_OF_SALES] == before.pnl[OTHER_COST_OF_SALES]


def test_wages_and_headcount(base: Baseline) -> None:
    result = run(base, Drivers(wages_pct=D(3), headcount_change={2: D(2)}))
    nl_before, nl_after = result.baseline.divisions[1], result.scenario.divisions[1]
    us_before, us_after = result.baseline.divisions[2], result.scenario.divisions[2]
    for i in range(12):
        assert nl_after.pnl[WAGES][i] == nl_before.pnl[WAGES][i] * D("1.03")
        # Two more heads at 5,000 a month, the 3 % raise on them too.
        assert us_after.pnl[WAGES][i] == (us_before.pnl[WAGES][i] - 2 * D(5000)) * D("1.03")
    assert us_after.headcount == D(5)
    assert nl_after.headcount == D(3)
    assert result.scenario.group.headcount == D(8)


def test_usd_rate_changes_group_revenue_by_the_usd_share(base: Baseline) -> None:
    delta = D("0.05")
    rate = base.rates["USD"] + delta
    result = run(base, Drivers(fx_rates={"USD": rate}))
    usd_revenue = result.baseline.divisions[2].total(REVENUE)
    change = result.scenario.group.total(REVENUE) - result.baseline.group.total(REVENUE)
    assert change == usd_revenue * delta
    # Per month, every line, and nothing in the divisions' own currencies.
    for line in PNL_REPORT:
        for i in range(12):
            assert (
                result.scenario.group.pnl[line][i] - result.baseline.group.pnl[line][i]
                == result.baseline.divisions[2].pnl[line][i] * delta
            )
    assert result.scenario.divisions == result.baseline.divisions
    # The group's cash moves by the USD cash x delta as well.
    assert (
        result.scenario.group.balances[CASH][-1] - result.baseline.group.balances[CASH][-1]
        == result.baseline.divisions[2].balances[CASH][-1] * delta
    )


def test_more_customer_days_lower_closing_cash_by_the_receivables_increase(
    base: Baseline,
) -> None:
    result = run(base, Drivers(customer_payment_days=D(30)))
    for division_id, div in ((1, base.division(1)), (2, base.division(2))):
        before = result.baseline.divisions[division_id]
        after = result.scenario.divisions[division_id]
        december = div.pnl[REVENUE][-1]
        increase = december * 30 / 31
        assert (
            abs(after.balances[RECEIVABLES][-1] - before.balances[RECEIVABLES][-1] - increase)
            < TINY
        )
        assert abs(before.balances[CASH][-1] - after.balances[CASH][-1] - increase) < TINY
        assert after.pnl == before.pnl
        # Every month-end: cash lower by exactly the month's extra receivables.
        for i, month in enumerate(base.months):
            extra = div.pnl[REVENUE][i] * 30 / month.days
            assert abs(before.balances[CASH][i] - after.balances[CASH][i] - extra) < TINY
        assert after.kpis["dso"] == before.kpis["dso"] + 30  # type: ignore[operator]


def test_more_supplier_days_raise_closing_cash_by_the_payables_increase(base: Baseline) -> None:
    result = run(base, Drivers(supplier_payment_days=D(30)))
    div = base.division(1)
    before, after = result.baseline.divisions[1], result.scenario.divisions[1]
    purchases = -(div.pnl[COST_OF_GOODS][-1] + div.pnl[OTHER_COST_OF_SALES][-1])
    purchases -= div.pnl[OTHER_COSTS][-1]
    increase = purchases * 30 / 31
    assert abs(after.balances[PAYABLES][-1] - before.balances[PAYABLES][-1] - increase) < TINY
    assert abs(after.balances[CASH][-1] - before.balances[CASH][-1] - increase) < TINY
    assert after.kpis["dpo"] == before.kpis["dpo"] + 30  # type: ignore[operator]


def test_fewer_days_never_go_below_zero(base: Baseline) -> None:
    result = run(base, Drivers(customer_payment_days=D(-100)))
    div = base.division(1)
    before, after = result.baseline.divisions[1], result.scenario.divisions[1]
    # The formula part of the receivables drops to 0 days: formula(45 days) leaves.
    assert (
        abs(
            before.balances[RECEIVABLES][-1]
            - after.balances[RECEIVABLES][-1]
            - div.pnl[REVENUE][-1] * 45 / 31
        )
        < TINY
    )


def test_one_off_lands_in_its_month(base: Baseline) -> None:
    cost = D("-12345.67")
    result = run(base, Drivers(one_offs=(OneOff(1, 6, "housing", cost),)))
    before, after = result.baseline.divisions[1], result.scenario.divisions[1]
    for i in range(12):
        change = after.pnl[OTHER_COSTS][i] - before.pnl[OTHER_COSTS][i]
        assert change == (cost if i == 5 else 0)
        assert after.pnl[NET_RESULT][i] - before.pnl[NET_RESULT][i] == (cost if i == 5 else 0)
    assert result.scenario.divisions[2] == result.baseline.divisions[2]
    # Cash: nothing before June; in June the cost is bought on 30 supplier days (June has
    # 30), so payables carry it; paid in July: cash lower by the cost from July on.
    moved = [a - b for a, b in zip(after.balances[CASH], before.balances[CASH], strict=True)]
    assert moved[:5] == [0] * 5
    assert abs(moved[5] - (cost - cost * 30 / 30)) < TINY
    assert all(abs(m - cost) < TINY for m in moved[6:])
    # A one-off on depreciation moves no cash.
    dep = run(base, Drivers(one_offs=(OneOff(1, 6, "depreciation", D(-1000)),)))
    assert dep.scenario.divisions[1].balances[CASH] == dep.baseline.divisions[1].balances[CASH]
    assert dep.scenario.group.total(NET_RESULT) == dep.baseline.group.total(NET_RESULT) - 1000


def test_one_off_shows_in_the_weekly_forecast(base: Baseline) -> None:
    # +3,000 financial income in April (30 days, no receivables): 100 a day of cash.
    result = run(base, Drivers(one_offs=(OneOff(1, 4, "financial_result", D(3000)),)))
    weeks = result.scenario.divisions[1].weekly_cash
    plain = base.division(1).weekly_cash
    assert result.baseline.divisions[1].weekly_cash == plain
    # Week 1 is 30 March - 5 April: 5 April days; week 2 (6-12 April) 7 days.
    assert weeks[0].opening_cash == plain[0].opening_cash
    assert weeks[0].what_if == D(500) and weeks[0].net_flow == plain[0].net_flow + 500
    assert weeks[1].what_if == D(700) and weeks[1].closing_cash == plain[1].closing_cash + 1200
    # Week 5 (27 April - 3 May) holds April's last 4 days; then April is over.
    assert weeks[4].what_if == D(400) and weeks[4].closing_cash == plain[4].closing_cash + 3000
    assert weeks[5].what_if == 0 and weeks[12].closing_cash == plain[12].closing_cash + 3000
    # Changes before the forecast's first week are in its real opening cash already.
    early = run(base, Drivers(one_offs=(OneOff(1, 2, "financial_result", D(3000)),)))
    assert early.scenario.divisions[1].weekly_cash == plain
    # The group's weeks: the divisions' weeks in group currency, added up.
    group = result.scenario.group.weekly_cash
    usd = base.rates["USD"]
    us = base.division(2).weekly_cash
    assert group[1].closing_cash == weeks[1].closing_cash + us[1].closing_cash * usd


def test_from_month_limits_the_drivers(base: Baseline) -> None:
    result = run(base, Drivers(sales_volume_pct=D(10), from_month=7))
    before, after = result.baseline.divisions[1], result.scenario.divisions[1]
    assert after.pnl[REVENUE][:6] == before.pnl[REVENUE][:6]
    assert after.pnl[REVENUE][6:] == tuple(v * D("1.1") for v in before.pnl[REVENUE][6:])


def test_deterministic_and_independent_of_the_callers_decimal_context(base: Baseline) -> None:
    drivers = Drivers(
        sales_volume_pct=D("7.5"),
        sales_price_pct=D("-2"),
        purchase_cost_pct=D(3),
        wages_pct=D("2.5"),
        headcount_change={1: D(-1)},
        fx_rates={"USD": D("0.9")},
        customer_payment_days=D(10),
        supplier_payment_days=D(-5),
        one_offs=(OneOff(2, 3, "revenue", D(5000)),),
    )
    first = run(base, drivers)
    assert run(base, drivers) == first
    with localcontext() as ctx:
        ctx.prec = 6
        assert run(base, drivers) == first


def test_run_does_not_touch_the_baseline(base: Baseline) -> None:
    kept = copy.deepcopy(base)
    run(base, Drivers(sales_volume_pct=D(10), one_offs=(OneOff(1, 1, "wages", D(-1)),)))
    assert base == kept


def test_drivers_take_plain_numbers() -> None:
    plain: dict[str, Any] = {"sales_volume_pct": 10, "wages_pct": 2.1, "fx_rates": {"USD": "0.9"}}
    drivers = Drivers(**plain)
    assert drivers.sales_volume_pct == D(10)
    assert drivers.wages_pct == D("2.1")
    assert drivers.fx_rates == {"USD": D("0.9")}


@pytest.mark.parametrize(
    "drivers",
    [
        Drivers(sales_volume_pct=D(-101)),
        Drivers(headcount_change={9: D(1)}),
        Drivers(fx_rates={"USD": D(0)}),
        Drivers(fx_rates={"EUR": D("1.1")}),
        Drivers(one_offs=(OneOff(9, 1, "revenue", D(1)),)),
        Drivers(one_offs=(OneOff(1, 13, "revenue", D(1)),)),
        Drivers(one_offs=(OneOff(1, 1, "no_such_line", D(1)),)),
    ],
)
def test_bad_drivers_are_refused(base: Baseline, drivers: Drivers) -> None:
    with pytest.raises(ValueError):
        run(base, drivers)


# A chart for the engine's budget lines (the write-back finds the real one by role).
CHART = {
    REVENUE: "8000",
    COST_OF_GOODS: "7000",
    OTHER_COST_OF_SALES: "7100",
    WAGES: "4000",
    OTHER_COSTS: "4400",
    engine.DEPRECIATION: "4800",
    engine.OTHER_INCOME: "8900",
    engine.FINANCIAL_RESULT: "9000",
    engine.INCOME_TAX: "9500",
}


def test_budget_lines_are_signed_like_ledger_lines(base: Baseline) -> None:
    result = run(base, Drivers(sales_volume_pct=D(10)))
    asked: list[str] = []

    def account(line: str) -> str:
        asked.append(line)
        return CHART[line]

    lines = engine.budget_lines(result, 2, account)
    by_key = {(line.account_code, line.period): line.amount for line in lines}
    revenue = result.scenario.divisions[2].pnl[REVENUE][0]
    assert by_key[("8000", 1)] == (-revenue).quantize(D("0.01"))
    assert by_key[("8000", 1)] < 0
    assert by_key[("7000", 1)] > 0
    assert by_key[("4000", 1)] == D("30000.00")
    assert {line.period for line in lines} == set(range(1, 13))
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in lines)
    total = sum(line.amount for line in lines)
    assert abs(total + result.scenario.divisions[2].total(NET_RESULT)) < D("0.01") * len(lines)
    # Only the lines with an amount need an account in the chart.
    assert asked == [n for n in engine.PNL_LINES if any(result.scenario.divisions[2].pnl[n])]
    # The baseline's own lines on request; accounts can be mapped differently.
    own = engine.budget_lines(
        result, 2, {**CHART, OTHER_COSTS: "4300"}.__getitem__, outcome="baseline"
    )
    assert ("4300", 1) in {(line.account_code, line.period) for line in own}


def test_summaries(base: Baseline) -> None:
    result = run(base, Drivers(sales_price_pct=D(10)))
    rows = {row["key"]: row for row in engine.pnl_summary(result)}
    assert list(rows) == list(PNL_REPORT)
    assert rows[REVENUE]["change_pct"] == D("10.00")
    kpis = {row["key"]: row for row in engine.kpi_summary(result, 1)}
    assert set(kpis) == set(engine.KPIS)
    assert kpis["revenue"]["scenario"] == result.scenario.divisions[1].total(REVENUE)


# --- the demo warehouse --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(demo_stack: DemoStack) -> tuple[Baseline, str]:
    path = str(demo_stack.published.path)
    rows = _query(
        path,
        """
        select (select list(division_id order by division_id) from dim_divisions),
               (select max(entry_date) from fct_gl_lines)
        """,
    )
    ids, last = rows[0]
    return baseline_loader.load(path, ids, last.year, last_posting_date=last), path


def _query(path: str, sql: str, params: dict[str, object] | None = None) -> list[tuple]:
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def test_real_baseline_matches_the_marts(real: tuple[Baseline, str]) -> None:
    base, path = real
    assert base.group_currency == "EUR" and base.rates["EUR"] == 1
    assert len(base.months) == 12
    assert base.as_of_date is not None
    for div in base.divisions:
        ended = [m for m in base.months if m.start <= base.as_of_date]
        assert div.sources[: len(ended)] == ("actual",) * len(ended)
        # The demo approves a budget for every year after the first: it is the forecast.
        assert div.sources[len(ended) :] == ("budget",) * (12 - len(ended))
        for month in ended:
            rows = _query(
                path,
                """
                select coalesce(sum(amount), 0),
                       coalesce(sum(amount) filter (where pl_section = 'Revenue'), 0)
                from mart_profit_and_loss
                where division_id = $d and fiscal_year = $y and period_number = $p
                """,
                {"d": div.division_id, "y": base.fiscal_year, "p": month.number},
            )
            i = month.number - 1
            assert sum(div.pnl[line][i] for line in PNL_LINES) == rows[0][0]
            assert div.pnl[REVENUE][i] == rows[0][1]
            cash = _query(
                path,
                """
                select coalesce(sum(balance_base), 0) from mart_cash_position
                where division_id = $d and fiscal_year = $y and period_number = $p
                """,
                {"d": div.division_id, "y": base.fiscal_year, "p": month.number},
            )
            assert div.actual_balances[CASH][i] == cash[0][0]
        for month in base.months[len(ended) :]:
            assert div.actual_balances[CASH][month.number - 1] is None
        assert div.customer_days >= 0 and div.supplier_days >= 0
        assert div.headcount >= 0 and div.wage_per_head > 0


def test_real_zero_drivers_give_the_baseline(real: tuple[Baseline, str]) -> None:
    base, _ = real
    result = run(base, Drivers())
    assert result.scenario == result.baseline
    # Past months' cash is the real cash position.
    for div in base.divisions:
        figures = result.baseline.divisions[div.division_id]
        for i, known in enumerate(div.actual_balances[CASH]):
            if known is not None:
                assert figures.balances[CASH][i] == known


def test_real_invariants(real: tuple[Baseline, str]) -> None:
    base, _ = real
    volume = run(base, Drivers(sales_volume_pct=D(10)))
    assert volume.scenario.group.total(REVENUE) == volume.baseline.group.total(REVENUE) * D("1.1")
    assert volume.scenario.group.total(COST_OF_GOODS) == (
        volume.baseline.group.total(COST_OF_GOODS) * D("1.1")
    )

    usd = [d for d in base.divisions if d.currency == "USD"]
    assert usd, "the demo group has a USD division"
    delta = D("0.07")
    fx = run(base, Drivers(fx_rates={"USD": base.rates["USD"] + delta}))
    usd_revenue = sum(fx.baseline.divisions[d.division_id].total(REVENUE) for d in usd)
    assert fx.scenario.group.total(REVENUE) - fx.baseline.group.total(REVENUE) == (
        usd_revenue * delta
    )

    days = run(base, Drivers(customer_payment_days=D(30)))
    december = base.months[-1]
    expected = sum(
        d.pnl[REVENUE][-1] * 30 / december.days * base.rate(d.currency)
        for d in base.divisions
        if d.customer_days + 30 > 0
    )
    drop = days.baseline.group.kpis["closing_cash"] - days.scenario.group.kpis["closing_cash"]  # type: ignore[operator]
    assert abs(drop - expected) < TINY * 10

    assert run(base, Drivers(sales_volume_pct=D(10))) == volume


# --- actuals up to the last posting date, forecast after it (issue 13, 3.4) -----------------
# A hand-made warehouse: one EUR division, books from January to 31 October 2026. Every
# month's revenue is 10 a day and its cost of goods 6 a day; every month end holds
# receivables 600, payables 240 and cash 1,000. So the customer days are 600 / 10 = 60.0,
# the supplier days 240 / 6 = 40.0, and the formulas meet the real October balances exactly
# (gap 0). The ageing marts say 2026-12-06 (dbt ages as of today): the defect took that as
# the end of the actuals, so November was an "actual" month with no revenue.
LAST_POSTING = dt.date(2026, 10, 31)


def _month_end(month: int) -> dt.date:
    return dt.date(2026 + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _books(path: str, budget: dict[int, tuple[int, int]] | None = None) -> str:
    """Write the warehouse; ``budget``: period -> (revenue, cost of goods) approved."""
    con = duckdb.connect(path)
    try:
        con.execute(
            """
            create table dim_divisions as
                select 1 as division_id, 'NL01' as division_code, 'EUR' as currency_code,
                       true as is_group_top;
            create table dim_accounts (account_id integer, reporting_category varchar,
                posting_role varchar);
            insert into dim_accounts values (1, 'receivables', 'receivables'),
                (2, 'payables', 'payables'), (3, 'cash', null),
                (10, 'revenue', 'revenue_goods'), (20, 'cost_of_sales', 'cost_of_sales');
            create table dim_periods (division_id integer, fiscal_year integer,
                period_number integer, period_start date, period_end date);
            create table mart_profit_and_loss (division_id integer, fiscal_year integer,
                period_number integer, account_id integer, account_code varchar,
                reporting_category varchar,
                pl_section varchar, amount decimal(19, 4), amount_group decimal(19, 4));
            create table mart_balance_sheet (division_id integer, fiscal_year integer,
                period_number integer, account_id integer, amount decimal(19, 4),
                amount_group decimal(19, 4));
            create table fct_gl_lines as select date '2026-10-31' as entry_date;
            create table mart_receivables_ageing as select date '2026-12-06' as as_of_date;
            create table mart_payables_ageing as select date '2026-12-06' as as_of_date;
            create table mart_budget_vs_actual (division_id integer, fiscal_year integer,
                period_number integer, account_id integer, account_code varchar,
                pl_section varchar, status varchar, scenario varchar, budget decimal(19, 4));
            """
        )
        for month in range(1, 13):
            end = _month_end(month)
            con.execute(
                "insert into dim_periods values (1, 2026, ?, ?, ?)",
                [month, end.replace(day=1), end],
            )
            if end > LAST_POSTING:
                continue
            days = end.day
            con.executemany(
                "insert into mart_profit_and_loss values (1, 2026, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [month, 10, "8000", "revenue", "Revenue", 10 * days, 10 * days],
                    [month, 20, "7000", "cost_of_sales", "Cost of sales", -6 * days, -6 * days],
                ],
            )
            con.executemany(
                "insert into mart_balance_sheet values (1, 2026, ?, ?, ?, ?)",
                [[month, 1, 600, 600], [month, 2, 240, 240], [month, 3, 1000, 1000]],
            )
        for period, (revenue, cost) in (budget or {}).items():
            con.executemany(
                "insert into mart_budget_vs_actual values "
                "(1, 2026, ?, ?, ?, ?, 'approved', 'normal', ?)",
                [
                    [period, 10, "8000", "Revenue", revenue],
                    [period, 20, "7000", "Cost of sales", cost],
                ],
            )
            # A draft version does not count.
            con.execute(
                "insert into mart_budget_vs_actual values "
                "(1, 2026, ?, 10, '8000', 'Revenue', 'draft', 'normal', 99999)",
                [period],
            )
    finally:
        con.close()
    return path


def test_months_after_the_last_posting_are_forecast_at_the_run_rate(tmp_path: Any) -> None:
    path = _books(str(tmp_path / "books.duckdb"))
    base = baseline_loader.load(path, [1], 2026, last_posting_date=LAST_POSTING)
    nl = base.division(1)
    assert base.as_of_date == LAST_POSTING
    assert nl.sources == ("actual",) * 10 + ("run rate",) * 2
    # Run rate: Aug-Oct made 310 + 300 + 310 = 920 in 92 days, 10 a day; costs 6 a day.
    assert nl.pnl[REVENUE][10:] == (D("300.00"), D("310.00"))  # 30 and 31 days, not 0
    assert nl.pnl[COST_OF_GOODS][10:] == (D("-180.00"), D("-186.00"))
    assert nl.customer_days == D("60.0") and nl.supplier_days == D("40.0")

    result = run(base, Drivers())
    assert result.scenario == result.baseline  # every driver at zero: the baseline exactly
    group = result.baseline.group
    # Year-end receivables: December's revenue x 60 days / 31 days = 600, the ledger's
    # October level (the defect: 0 revenue in November, the formula far off the ledger).
    assert group.balances[RECEIVABLES][-1] == D("600")
    assert group.balances[PAYABLES][-1] == D("240")
    # Cash: October's 1,000 + November's result 120 + December's 124; nothing else moves.
    assert group.balances[CASH][9] == D("1000")
    assert group.balances[CASH][-1] == D("1244")


def test_months_after_the_last_posting_follow_the_approved_budget(tmp_path: Any) -> None:
    # October's budget is ignored (October is actual); November and December are budgeted
    # at 15 a day of revenue and 9 a day of cost of goods.
    budget = {10: (1, -1), 11: (450, -270), 12: (465, -279)}
    path = _books(str(tmp_path / "books.duckdb"), budget)
    base = baseline_loader.load(path, [1], 2026, last_posting_date=LAST_POSTING)
    nl = base.division(1)
    assert nl.sources == ("actual",) * 10 + ("budget",) * 2
    assert nl.pnl[REVENUE][9:] == (D("310"), D("450"), D("465"))
    assert nl.pnl[COST_OF_GOODS][9:] == (D("-186"), D("-270"), D("-279"))

    result = run(base, Drivers())
    assert result.scenario == result.baseline
    group = result.baseline.group
    # Receivables 450 x 60 / 30 = 900 and 465 x 60 / 31 = 900; payables 270 x 40 / 30 =
    # 360 and 279 x 40 / 31 = 360. Cash: 1,000 + results 180 + 186 - receivables up 300
    # + payables up 120 = 1,186.
    assert group.balances[RECEIVABLES][10:] == (D("900"), D("900"))
    assert group.balances[PAYABLES][10:] == (D("360"), D("360"))
    assert group.balances[CASH][-1] == D("1186")


def test_the_last_posting_date_is_read_from_the_ledger_not_the_clock(tmp_path: Any) -> None:
    # Without the input, the loader takes the latest ledger line (2026-10-31), not the
    # ageing marts' "today" (2026-12-06), so November is still a forecast month.
    path = _books(str(tmp_path / "books.duckdb"))
    base = baseline_loader.load(path, [1], 2026)
    assert base.as_of_date == LAST_POSTING
    assert base.division(1).sources[10] == "run rate"
    # Books that stop on Friday 30 October (nothing posted on the Saturday) still have
    # an actual October: months up to the last posting date are actuals.
    friday = baseline_loader.load(path, [1], 2026, last_posting_date=dt.date(2026, 10, 30))
    assert friday.division(1).sources == ("actual",) * 10 + ("run rate",) * 2


def test_price_and_stock_differences_are_found_by_posting_role_not_number(tmp_path: Any) -> None:
    # A chart numbered otherwise: its stock differences account is 5990, and its 7100 is an
    # ordinary cost-of-goods account without a role. January (31 days): 5990 carries -31
    # and 7100 -62 besides the 6 a day of 7000. The split follows the roles: other cost of
    # sales -31; cost of goods -186 - 62 = -248. (By the demo's numbers it was -62 / -217.)
    path = _books(str(tmp_path / "books.duckdb"), {11: (450, -270), 12: (465, -279)})
    con = duckdb.connect(path)
    try:
        con.execute(
            """
            insert into dim_accounts values (30, 'cost_of_sales', 'stock_differences'),
                (40, 'cost_of_sales', null);
            insert into mart_profit_and_loss values
                (1, 2026, 1, 30, '5990', 'cost_of_sales', 'Cost of sales', -31, -31),
                (1, 2026, 1, 40, '7100', 'cost_of_sales', 'Cost of sales', -62, -62);
            -- The approved budget's stock differences in November, on 5990 too.
            insert into mart_budget_vs_actual values
                (1, 2026, 11, 30, '5990', 'Cost of sales', 'approved', 'normal', -5);
            """
        )
    finally:
        con.close()
    nl = baseline_loader.load(path, [1], 2026, last_posting_date=LAST_POSTING).division(1)
    assert nl.pnl[OTHER_COST_OF_SALES][0] == D("-31")
    assert nl.pnl[COST_OF_GOODS][0] == D("-248")
    assert nl.pnl[OTHER_COST_OF_SALES][1] == D("0")
    assert nl.sources[10] == "budget"
    assert nl.pnl[OTHER_COST_OF_SALES][10] == D("-5")
    assert nl.pnl[COST_OF_GOODS][10] == D("-270")


@pytest.mark.parametrize(
    ("last_posting", "today", "through"),
    [
        # The demo on the frozen test date: October's Friday close is October's actuals.
        (dt.date(2026, 10, 30), dt.date(2026, 11, 23), dt.date(2026, 10, 30)),
        # One entry dated today (6 December) keeps December a forecast month: the books
        # count as actual through the last complete month, 30 November.
        (dt.date(2026, 12, 6), dt.date(2026, 12, 6), dt.date(2026, 11, 30)),
        # Years later, with books that stopped long ago: the books decide.
        (dt.date(2026, 10, 31), dt.date(2031, 3, 1), dt.date(2026, 10, 31)),
        (None, dt.date(2026, 12, 6), None),
    ],
)
def test_actuals_stop_before_the_month_still_running(
    last_posting: dt.date | None, today: dt.date, through: dt.date | None
) -> None:
    assert baseline_loader.actuals_through(last_posting, today) == through
