"""Load the what-if baseline from a published warehouse file (read-only, marts only).

``load(warehouse_path, division_ids, fiscal_year)`` reads, for the selected divisions:

- the P&L per division x month of the fiscal year from ``mart_profit_and_loss``
  (``amount``, the division's currency), mapped to the engine's lines by reporting category
  (:data:`engine.CATEGORY_LINES`; unknown categories by P&L section). Cost of sales is split
  by the accounts' posting roles (``dim_accounts.posting_role``), never by their numbers:
  the price and stock difference accounts (:data:`NON_VOLUME_COST_ROLES`) are
  ``other_cost_of_sales``, every other cost-of-sales account is the volume-driven
  ``cost_of_goods``. A month is ACTUAL up to the last posting date (an input:
  ``last_posting_date``, by default the latest ``fct_gl_lines`` entry date; never the wall
  clock): its period starts on or before that date. Every later month is a
  FORECAST, never zeros: the division's approved ``normal`` budget for the year
  (``mart_budget_vs_actual``) when it has one, else the RUN RATE: the average daily
  amount of the last :data:`RUN_RATE_MONTHS` actual months x the month's days
  (``DivisionBaseline.sources`` says which, per month).
- the rate to the group currency per currency: the P&L's own average rate over the
  baseline months, sum(|amount_group|) / sum(|amount|), to 8 decimals (else the balance
  sheet's, else 1); the group currency (the top division's) has rate 1. Baseline group
  figures are therefore the division amounts x one rate per currency, close to but not the
  same as the Finance page's daily-rate ``amount_group``.
- opening balances (receivables, payables, inventory, cash: the balance-sheet lines of the
  accounts with those reporting categories) at the last period end before the year, and
  the real month-end balances of the year's actual months.
- customer, supplier and stock days: average month-end balance / average daily flow over
  the last 12 actual periods (not after the year): receivables against
  revenue, payables against purchases (cost of sales + other costs), inventory against
  cost of goods; 1 decimal, 0 without flow.
- headcount: the marts hold no employees, so a nominal headcount = average monthly wages
  (wages and social charges) / :data:`AVERAGE_MONTHLY_WAGE` (in the division's currency),
  1 decimal; ``wage_per_head`` = average monthly wages / headcount.
- the 13-week forecast from ``mart_cash_flow_forecast`` when the warehouse has it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import duckdb

from dashboards.warehouse import PublishedWarehouse
from transactional import clock
from transactional.planning import whatif as engine
from transactional.planning.whatif import (
    COST_OF_GOODS,
    INVENTORY,
    PAYABLES,
    RECEIVABLES,
    ZERO,
    Baseline,
    CashWeek,
    DivisionBaseline,
    Month,
)

# The posting roles (transactional.finance.posting_roles) of the cost-of-sales accounts that
# do not move with volume: purchase price and stock differences. By role, so a chart that
# numbers its accounts otherwise splits the same way.
NON_VOLUME_COST_ROLES = frozenset({"purchase_price_differences", "stock_differences"})
# The nominal monthly cost of one employee (wages and social charges), division currency.
AVERAGE_MONTHLY_WAGE = Decimal("5000")
_RATE_QUANTUM = Decimal("1e-8")
_DAYS_QUANTUM = Decimal("0.1")
_CENT = Decimal("0.01")
_WINDOW = 12  # periods for the days averages
# Forecast months without an approved budget: the average daily amount of this many last
# actual months (per line), so a month's length counts and one odd month weighs less.
RUN_RATE_MONTHS = 3
ACTUAL, BUDGET, RUN_RATE = "actual", "budget", "run rate"

_Key = tuple[int, int, int]  # division_id, fiscal_year, period_number


def load(
    warehouse: PublishedWarehouse | str | Path,
    division_ids: Sequence[int],
    fiscal_year: int,
    *,
    last_posting_date: dt.date | None = None,
) -> Baseline:
    """The baseline of these divisions for the fiscal year, from the published marts (a
    publication, or a warehouse file). Months ended by ``last_posting_date`` (default: the
    latest ledger entry in the warehouse) are actuals, later ones forecast."""
    con = (
        warehouse.connection()
        if isinstance(warehouse, PublishedWarehouse)
        else duckdb.connect(str(warehouse), read_only=True)
    )
    try:
        with localcontext() as ctx:
            ctx.prec = 60
            return _load(con, list(division_ids), fiscal_year, last_posting_date)
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def _dec(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def _load(
    con: duckdb.DuckDBPyConnection,
    division_ids: list[int],
    year: int,
    last_posting_date: dt.date | None,
) -> Baseline:
    divisions = _rows(
        con,
        """
        select division_id, division_code, currency_code, is_group_top
        from dim_divisions order by is_group_top desc, division_code
        """,
        {},
    )
    group_currency = next((r[2] for r in divisions if r[3]), divisions[0][2] if divisions else "")
    wanted = [r for r in divisions if r[0] in set(division_ids)]
    missing = set(division_ids) - {r[0] for r in wanted}
    if missing:
        raise ValueError(f"unknown divisions: {sorted(missing)}")
    ids = [r[0] for r in wanted]
    params = {"divisions": ids}

    periods = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in _rows(
            con,
            """
            select division_id, fiscal_year, period_number, period_start, period_end
            from dim_periods where list_contains($divisions, division_id)
            """,
            params,
        )
    }
    as_of = last_posting_date or _last_posting_date(con)
    months = _months(periods, ids, year)
    budgets = _budgets(con, ids, year)

    # P&L per division x year x period x line, with the group amounts for the rates.
    pnl: dict[_Key, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    pnl_abs: dict[_Key, tuple[Decimal, Decimal]] = {}
    for div, fy, period, role, category, section, amount, amount_group in _rows(
        con,
        """
        select p.division_id, p.fiscal_year, p.period_number, a.posting_role,
               p.reporting_category, p.pl_section, sum(p.amount), sum(p.amount_group)
        from mart_profit_and_loss p
        join dim_accounts a on a.account_id = p.account_id
        where list_contains($divisions, p.division_id) and p.fiscal_year <= $year
        group by all
        """,
        {**params, "year": year},
    ):
        line = _line(category, section, role)
        pnl[(div, fy, period)][line] += _dec(amount)
        local, group = pnl_abs.get((div, fy, period), (ZERO, ZERO))
        pnl_abs[(div, fy, period)] = (local + abs(_dec(amount)), group + abs(_dec(amount_group)))

    # Balance-sheet lines per division x year x period.
    balances: dict[_Key, dict[str, Decimal]] = defaultdict(dict)
    bs_abs: dict[int, tuple[Decimal, Decimal]] = {}
    for div, fy, period, category, amount, amount_group in _rows(
        con,
        """
        select b.division_id, b.fiscal_year, b.period_number, a.reporting_category,
               sum(b.amount), sum(b.amount_group)
        from mart_balance_sheet b
        join dim_accounts a on a.account_id = b.account_id
        where list_contains($divisions, b.division_id)
          and a.reporting_category in ('receivables', 'payables', 'inventory', 'cash')
        group by all
        """,
        params,
    ):
        balances[(div, fy, period)][category] = _dec(amount)
        local, group = bs_abs.get(div, (ZERO, ZERO))
        bs_abs[div] = (local + abs(_dec(amount)), group + abs(_dec(amount_group)))

    weekly = _weekly(con, ids)
    year_end = months[-1].end if months else dt.date(year, 12, 31)
    cutoff = min(as_of, year_end) if as_of else year_end
    year_start = months[0].start if months else dt.date(year, 1, 1)

    built = []
    sources_by_currency: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for div, code, currency, _top in wanted:
        # Actual months: those the books reach into (up to the last posting date). The
        # last one may end a day or two later (no postings on a closing weekend): still
        # actual, its month-end balance is the one on the last posting date.
        ended = sorted(
            (k for k, (start, _e) in periods.items() if k[0] == div and _posted(start, as_of)),
            key=lambda k: (k[1], k[2]),
        )
        daily = _run_rate(ended[-RUN_RATE_MONTHS:], periods, pnl)
        sources: list[str | None] = []
        lines: dict[str, list[Decimal]] = {name: [] for name in engine.PNL_LINES}
        for month in months:
            own = periods.get((div, year, month.number))
            if own is not None and as_of is not None and _posted(own[0], as_of):
                source: str | None = ACTUAL
                amounts = pnl.get((div, year, month.number), {})
                if (div, year, month.number) in pnl_abs:
                    sources_by_currency[currency].append(pnl_abs[(div, year, month.number)])
            elif div in budgets:
                source = BUDGET
                amounts = budgets[div].get(month.number, {})
            elif daily:
                source = RUN_RATE
                amounts = {
                    name: (value * month.days).quantize(_CENT, ROUND_HALF_UP)
                    for name, value in daily.items()
                }
            else:
                source, amounts = None, {}
            sources.append(source)
            for name in engine.PNL_LINES:
                lines[name].append(amounts.get(name, ZERO))
        if currency not in sources_by_currency and div in bs_abs:
            sources_by_currency[currency].append(bs_abs[div])

        before = [k for k in ended if periods[k][1] < year_start] or [
            k for k in periods if k[0] == div and periods[k][1] < year_start
        ]
        opening_key = max(before, key=lambda k: (k[1], k[2]), default=None)
        opening_row = balances.get(opening_key, {}) if opening_key else {}
        actual = {
            name: tuple(
                balances.get((div, year, m.number), {}).get(name, ZERO)
                if (div, year, m.number) in periods and _posted(m.start, as_of)
                else None
                for m in months
            )
            for name in engine.BALANCE_LINES
        }
        window = [k for k in ended if periods[k][0] <= cutoff][-_WINDOW:]
        days = _days(window, periods, pnl, balances)
        wages = -sum(lines[engine.WAGES], ZERO)
        headcount, per_head = _headcount(wages / len(months) if months else ZERO)
        built.append(
            DivisionBaseline(
                division_id=div,
                division_code=code,
                currency=currency,
                pnl={name: tuple(values) for name, values in lines.items()},
                opening={name: opening_row.get(name, ZERO) for name in engine.BALANCE_LINES},
                customer_days=days[RECEIVABLES],
                supplier_days=days[PAYABLES],
                stock_days=days[INVENTORY],
                headcount=headcount,
                wage_per_head=per_head,
                actual_balances=actual,
                sources=tuple(sources),
                weekly_cash=weekly.get(div, ()),
            )
        )

    rates = {group_currency: Decimal(1)}
    for currency, pairs in sorted(sources_by_currency.items()):
        if currency == group_currency:
            continue
        local = sum((p[0] for p in pairs), ZERO)
        group = sum((p[1] for p in pairs), ZERO)
        rates[currency] = (group / local).quantize(_RATE_QUANTUM) if local else Decimal(1)
    for _div, _code, currency, _top in wanted:
        rates.setdefault(currency, Decimal(1))
    return Baseline(
        fiscal_year=year,
        group_currency=group_currency,
        months=months,
        rates=rates,
        divisions=tuple(built),
        as_of_date=as_of,
    )


def _line(category: str | None, section: str | None, posting_role: str | None) -> str:
    if category == "cost_of_sales" and posting_role not in NON_VOLUME_COST_ROLES:
        return COST_OF_GOODS
    if category in engine.CATEGORY_LINES:
        return engine.CATEGORY_LINES[category]
    return engine.SECTION_LINES.get(section or "", engine.OTHER_COSTS)


def actuals_through(last_posting_date: dt.date | None, today: dt.date) -> dt.date | None:
    """How far the baseline takes actuals: the ledger's last posting date, but never into
    the month still running on ``today`` (one entry dated today must not turn a month of a
    few days into an "actual" month next to full forecast ones)."""
    if last_posting_date is None:
        return None
    return min(last_posting_date, clock.last_complete_month_end(today))


def _posted(month_start: dt.date, last_posting_date: dt.date | None) -> bool:
    """Whether a month is actual: the books reach into it (no date: the warehouse is empty)."""
    return last_posting_date is not None and month_start <= last_posting_date


def _last_posting_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """How far the books reach: the latest ledger line's date (data, not the clock)."""
    row = con.execute("select max(entry_date) from fct_gl_lines").fetchone()
    return row[0] if row and row[0] else None


def _budgets(
    con: duckdb.DuckDBPyConnection, ids: list[int], year: int
) -> dict[int, dict[int, dict[str, Decimal]]]:
    """Division -> period -> line -> amount of the approved ``normal`` budget of the year
    (P&L sign, like the actuals); divisions without one are left out."""
    exists = con.execute(
        """
        select count(*) from information_schema.tables
        where table_schema = 'main' and table_name = 'mart_budget_vs_actual'
        """
    ).fetchone()
    out: dict[int, dict[int, dict[str, Decimal]]] = {}
    if not exists or not exists[0]:
        return out
    for div, period, role, category, section, amount in _rows(
        con,
        """
        select b.division_id, b.period_number, a.posting_role, a.reporting_category,
               b.pl_section, sum(b.budget)
        from mart_budget_vs_actual b
        join dim_accounts a on a.account_id = b.account_id
        where list_contains($divisions, b.division_id) and b.fiscal_year = $year
          and b.status = 'approved' and b.scenario = 'normal'
        group by all
        """,
        {"divisions": ids, "year": year},
    ):
        lines = out.setdefault(div, {}).setdefault(period, defaultdict(Decimal))
        lines[_line(category, section, role)] += _dec(amount)
    return out


def _run_rate(
    recent: list[_Key],
    periods: dict[_Key, tuple[dt.date, dt.date]],
    pnl: dict[_Key, dict[str, Decimal]],
) -> dict[str, Decimal]:
    """Line -> average daily amount over these (the last actual) months; {} without any."""
    days = sum((periods[k][1] - periods[k][0]).days + 1 for k in recent)
    if not days:
        return {}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for key in recent:
        for name, amount in pnl.get(key, {}).items():
            totals[name] += amount
    return {name: total / days for name, total in totals.items()}


def _months(
    periods: dict[_Key, tuple[dt.date, dt.date]], ids: Iterable[int], year: int
) -> tuple[Month, ...]:
    """The year's periods (of the first division that has them), else calendar months."""
    for div in ids:
        found = sorted((k[2], v) for k, v in periods.items() if k[0] == div and k[1] == year)
        if found:
            return tuple(Month(n, start, end) for n, (start, end) in found)
    out = []
    for n in range(1, 13):
        start = dt.date(year, n, 1)
        end = (dt.date(year + n // 12, n % 12 + 1, 1)) - dt.timedelta(days=1)
        out.append(Month(n, start, end))
    return tuple(out)


def _days(
    window: list[_Key],
    periods: dict[_Key, tuple[dt.date, dt.date]],
    pnl: dict[_Key, dict[str, Decimal]],
    balances: dict[_Key, dict[str, Decimal]],
) -> dict[str, Decimal]:
    """Average month-end balance / average daily flow over the window, in days."""
    held = {RECEIVABLES: ZERO, PAYABLES: ZERO, INVENTORY: ZERO}
    daily = {RECEIVABLES: ZERO, PAYABLES: ZERO, INVENTORY: ZERO}
    for key in window:
        start, end = periods[key]
        days = Decimal((end - start).days + 1)
        lines = pnl.get(key, {})
        row = balances.get(key, {})
        purchases = -(
            lines.get(COST_OF_GOODS, ZERO)
            + lines.get(engine.OTHER_COST_OF_SALES, ZERO)
            + lines.get(engine.OTHER_COSTS, ZERO)
        )
        daily[RECEIVABLES] += lines.get(engine.REVENUE, ZERO) / days
        daily[PAYABLES] += purchases / days
        daily[INVENTORY] += -lines.get(COST_OF_GOODS, ZERO) / days
        for name in held:
            held[name] += row.get(name, ZERO)
    return {
        name: (
            (held[name] / daily[name]).quantize(_DAYS_QUANTUM, ROUND_HALF_UP)
            if daily[name] > 0 and held[name] > 0
            else ZERO
        )
        for name in held
    }


def _headcount(monthly_wages: Decimal) -> tuple[Decimal, Decimal]:
    """Nominal headcount and monthly wage per head from the average monthly wages."""
    heads = (monthly_wages / AVERAGE_MONTHLY_WAGE).quantize(_DAYS_QUANTUM, ROUND_HALF_UP)
    if heads <= 0:
        return ZERO, AVERAGE_MONTHLY_WAGE
    return heads, (monthly_wages / heads).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _weekly(con: duckdb.DuckDBPyConnection, ids: list[int]) -> dict[int, tuple[CashWeek, ...]]:
    """The 13-week forecast per division, when the warehouse has the mart."""
    exists = con.execute(
        """
        select count(*) from information_schema.tables
        where table_schema = 'main' and table_name = 'mart_cash_flow_forecast'
        """
    ).fetchone()
    if not exists or not exists[0]:
        return {}
    out: dict[int, list[CashWeek]] = defaultdict(list)
    for row in _rows(
        con,
        """
        select division_id, week_number, week_start, opening_cash, receipts_open_items,
               payments_open_items, recurring_costs, budget_flows, net_flow, closing_cash
        from mart_cash_flow_forecast
        where list_contains($divisions, division_id)
        order by division_id, week_number
        """,
        {"divisions": ids},
    ):
        div, number, start, *amounts = row
        values = [_dec(a) for a in amounts]
        out[div].append(CashWeek(int(number), start, *values))
    return {div: tuple(weeks) for div, weeks in out.items()}
