"""The what-if engine: baseline + drivers -> P&L, cash, balance-sheet lines and KPIs.

Pure and deterministic: :func:`run` reads its arguments only, writes nothing, imports no
Streamlit, and computes in its own decimal context (60 digits), so the same input gives the
same :class:`Result` whatever the caller's context. All money is :class:`~decimal.Decimal`.

The model, per division and month, in the division's currency (docs/budgets.md):

- P&L lines (:data:`PNL_LINES`, natural sign as in ``mart_profit_and_loss``: income
  positive, costs negative). From ``Drivers.from_month`` on: sales volume % scales revenue
  and the volume-driven cost of goods; sales price % scales revenue; purchase cost % scales
  the cost of goods (price and stock differences, ``other_cost_of_sales``, stay); wages %
  scales wages (wages and social charges), and ``headcount_change[division]`` adds
  heads x ``wage_per_head`` (also scaled by wages %) to every month's wages. One-offs add
  their amount to their line in their month. Income tax follows no driver.
- Balance-sheet lines at each month-end: receivables = revenue x customer days / days in
  the month, payables = purchases x supplier days / days in the month (purchases = cost of
  sales + other costs, as a positive amount), inventory = cost of goods x stock days / days
  in the month. Where the marts know the real month-end balance (``actual_balances``, past
  months), the baseline shows it; later months show the formula plus the last real
  month's gap (real - formula). The scenario is the baseline plus the formula's change.
- Cash: opening cash + net result + depreciation (no cash) - increase in receivables +
  increase in payables - increase in inventory + other flows. Other flows (VAT, investment,
  loans, ...) are what makes the baseline meet the real cash balance of past months; 0 for
  months without one. The scenario keeps the baseline's other flows.
- Group currency: every division's figures x its currency's rate (``Baseline.rates``, or
  ``Drivers.fx_rates`` in the scenario), summed. One rate per currency for flows and
  balances alike.

With ``Drivers()`` (all zero) the scenario equals the baseline exactly (Decimal equality):
both are computed by the same code, and every driver at zero is an identity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any, NamedTuple

from transactional.errors import N_

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Balances from days x flow / days in a month are inexact divisions: kept to 20 decimals,
# so every later sum of money stays exact in the engine's 60-digit context.
_BALANCE_QUANTUM = Decimal("1e-20")
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)

# --- P&L lines, natural sign (income positive, costs negative) -------------------------
REVENUE = "revenue"
COST_OF_GOODS = "cost_of_goods"  # volume-driven purchase cost of the goods sold
OTHER_COST_OF_SALES = "other_cost_of_sales"  # price and stock differences
WAGES = "wages"  # wages and social charges
OTHER_COSTS = "other_costs"  # housing, other operating expenses, intercompany charges
DEPRECIATION = "depreciation"
OTHER_INCOME = "other_income"  # intercompany income and other operating income
FINANCIAL_RESULT = "financial_result"  # interest and exchange differences
INCOME_TAX = "income_tax"
PNL_LINES: tuple[str, ...] = (
    REVENUE,
    COST_OF_GOODS,
    OTHER_COST_OF_SALES,
    WAGES,
    OTHER_COSTS,
    DEPRECIATION,
    OTHER_INCOME,
    FINANCIAL_RESULT,
    INCOME_TAX,
)
# Subtotals: the sum of their lines.
COST_OF_SALES = "cost_of_sales"
GROSS_MARGIN = "gross_margin"
EBIT = "ebit"
NET_RESULT = "net_result"
SUBTOTALS: dict[str, tuple[str, ...]] = {
    COST_OF_SALES: (COST_OF_GOODS, OTHER_COST_OF_SALES),
    GROSS_MARGIN: (REVENUE, COST_OF_GOODS, OTHER_COST_OF_SALES),
    EBIT: (REVENUE, COST_OF_GOODS, OTHER_COST_OF_SALES, WAGES, OTHER_COSTS, DEPRECIATION)
    + (OTHER_INCOME,),
    NET_RESULT: PNL_LINES,
}
# The P&L as a report: lines and subtotals in order.
PNL_REPORT: tuple[str, ...] = (
    REVENUE,
    COST_OF_GOODS,
    OTHER_COST_OF_SALES,
    COST_OF_SALES,
    GROSS_MARGIN,
    WAGES,
    OTHER_COSTS,
    DEPRECIATION,
    OTHER_INCOME,
    EBIT,
    FINANCIAL_RESULT,
    INCOME_TAX,
    NET_RESULT,
)
# Message ids: the dashboards show them in the user's language.
LABELS: dict[str, str] = {
    REVENUE: N_("Revenue"),
    COST_OF_GOODS: N_("Cost of goods sold"),
    OTHER_COST_OF_SALES: N_("Price and stock differences"),
    COST_OF_SALES: N_("Cost of sales"),
    GROSS_MARGIN: N_("Gross margin"),
    WAGES: N_("Wages and social charges"),
    OTHER_COSTS: N_("Other operating costs"),
    DEPRECIATION: N_("Depreciation"),
    OTHER_INCOME: N_("Other operating income"),
    EBIT: N_("EBIT"),
    FINANCIAL_RESULT: N_("Financial result"),
    INCOME_TAX: N_("Income tax"),
    NET_RESULT: N_("Net result"),
}

# Ledger reporting categories (dim_accounts.reporting_category) -> P&L line. Cost of sales
# splits by account in baseline.load; as a one-off category it means other cost of sales.
CATEGORY_LINES: dict[str, str] = {
    "revenue": REVENUE,
    "cost_of_sales": OTHER_COST_OF_SALES,
    "wages": WAGES,
    "housing": OTHER_COSTS,
    "other_expenses": OTHER_COSTS,
    "intercompany_charges": OTHER_COSTS,
    "depreciation": DEPRECIATION,
    "intercompany_income": OTHER_INCOME,
    "financial_result": FINANCIAL_RESULT,
    "fx_result": FINANCIAL_RESULT,
    "income_tax": INCOME_TAX,
}
# A P&L section (mart_profit_and_loss.pl_section) -> line, for unknown categories.
SECTION_LINES: dict[str, str] = {
    "Revenue": REVENUE,
    "Cost of sales": OTHER_COST_OF_SALES,
    "Operating expenses": OTHER_COSTS,
    "Other income and expense": OTHER_INCOME,
    "Income tax": INCOME_TAX,
}

# --- balance-sheet and cash lines --------------------------------------------------------
RECEIVABLES = "receivables"
PAYABLES = "payables"
INVENTORY = "inventory"
CASH = "cash"
BALANCE_LINES: tuple[str, ...] = (RECEIVABLES, PAYABLES, INVENTORY, CASH)
# Cash flow per month (cash sign: in positive): result, depreciation added back, working
# capital changes, other flows, and their sum.
CASH_FLOW_LINES: tuple[str, ...] = (
    "result",
    "depreciation",
    "receivables",
    "payables",
    "inventory",
    "other",
    "net_flow",
)
KPIS: tuple[str, ...] = (
    "revenue",
    "gross_margin",
    "gross_margin_pct",
    "ebit",
    "net_result",
    "closing_cash",
    "receivables",
    "payables",
    "dso",
    "dpo",
    "headcount",
)


# --- input ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Month:
    """One period of the fiscal year."""

    number: int
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class CashWeek:
    """One week of the 13-week cash-flow forecast (``mart_cash_flow_forecast``).

    ``what_if`` is the scenario's change of cash in the week (0 in the baseline): the
    monthly change of net cash flow spread evenly over the month's days. The scenario's
    weeks open with the same real cash in week 1 (use ``Drivers.from_month`` to leave the
    months before the forecast alone in the monthly figures too).
    """

    week_number: int
    week_start: dt.date
    opening_cash: Decimal
    receipts: Decimal
    payments: Decimal
    recurring_costs: Decimal
    budget_flows: Decimal
    net_flow: Decimal
    closing_cash: Decimal
    what_if: Decimal = ZERO


@dataclass(frozen=True)
class DivisionBaseline:
    """One division's baseline, in its own currency.

    ``pnl``: line -> one amount per month (missing lines are zero). ``opening``: balance
    line -> amount at the start of the year. ``actual_balances``: balance line -> the real
    month-end balance per month, None where unknown (future months). ``sources``: where
    each month's P&L comes from: ``"actual"`` (up to the last posting date), else the
    forecast, ``"budget"`` (the approved budget) or ``"run rate"`` (recent actual months);
    None: no data. Days are the baseline's average customer, supplier and stock days;
    ``wage_per_head`` is per month.
    """

    division_id: int
    division_code: str
    currency: str
    pnl: Mapping[str, tuple[Decimal, ...]]
    opening: Mapping[str, Decimal] = field(default_factory=dict)
    customer_days: Decimal = ZERO
    supplier_days: Decimal = ZERO
    stock_days: Decimal = ZERO
    headcount: Decimal = ZERO
    wage_per_head: Decimal = ZERO
    actual_balances: Mapping[str, tuple[Decimal | None, ...]] = field(default_factory=dict)
    sources: tuple[str | None, ...] = ()
    weekly_cash: tuple[CashWeek, ...] = ()

    def line(self, name: str, months: int) -> tuple[Decimal, ...]:
        return self.pnl.get(name) or (ZERO,) * months


@dataclass(frozen=True)
class Baseline:
    """The figures a scenario starts from: divisions x months, rates to group currency.

    ``rates``: currency -> units of group currency per unit (the group currency: 1).
    """

    fiscal_year: int
    group_currency: str
    months: tuple[Month, ...]
    rates: Mapping[str, Decimal]
    divisions: tuple[DivisionBaseline, ...]
    as_of_date: dt.date | None = None

    def division(self, division_id: int) -> DivisionBaseline:
        for div in self.divisions:
            if div.division_id == division_id:
                return div
        raise KeyError(division_id)

    def rate(self, currency: str) -> Decimal:
        return ONE if currency == self.group_currency else self.rates[currency]

    @property
    def currencies(self) -> tuple[str, ...]:
        """The divisions' currencies, group currency first."""
        seen = [self.group_currency]
        for div in self.divisions:
            if div.currency not in seen:
                seen.append(div.currency)
        return tuple(seen)


@dataclass(frozen=True)
class OneOff:
    """A one-off amount on a P&L line (or ledger reporting category) in one month.

    ``amount`` in the division's currency, natural P&L sign: a one-off cost is negative.
    It moves cash in the same month (a one-off on depreciation does not).
    """

    division_id: int
    month: int
    category: str
    amount: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))

    @property
    def line(self) -> str:
        if self.category in PNL_LINES:
            return self.category
        if self.category in CATEGORY_LINES:
            return CATEGORY_LINES[self.category]
        raise ValueError(f"unknown P&L line or category for a one-off: {self.category!r}")


@dataclass(frozen=True)
class Drivers:
    """The scenario's changes; all zero (the baseline) by default.

    Percentages are changes (10 = +10 %); payment days are changes in days (a resulting
    negative number of days counts as 0); ``headcount_change``: division_id -> heads
    added (negative: removed); ``fx_rates``: currency -> new rate to the group currency
    (currencies not named keep the baseline rate); ``from_month``: the first period
    number the volume, price, cost, wage, headcount and payment-days drivers apply to
    (exchange rates apply to the whole year, one-offs to their month). Numbers given as
    int, float or str are turned into Decimal (floats through their shortest repr).
    """

    sales_volume_pct: Decimal = ZERO
    sales_price_pct: Decimal = ZERO
    purchase_cost_pct: Decimal = ZERO
    wages_pct: Decimal = ZERO
    headcount_change: Mapping[int, Decimal] = field(default_factory=dict)
    fx_rates: Mapping[str, Decimal] = field(default_factory=dict)
    customer_payment_days: Decimal = ZERO
    supplier_payment_days: Decimal = ZERO
    one_offs: tuple[OneOff, ...] = ()
    from_month: int = 1

    def __post_init__(self) -> None:
        for name in (
            "sales_volume_pct",
            "sales_price_pct",
            "purchase_cost_pct",
            "wages_pct",
            "customer_payment_days",
            "supplier_payment_days",
        ):
            object.__setattr__(self, name, to_decimal(getattr(self, name)))
        object.__setattr__(
            self, "headcount_change", {k: to_decimal(v) for k, v in self.headcount_change.items()}
        )
        object.__setattr__(self, "fx_rates", {k: to_decimal(v) for k, v in self.fx_rates.items()})
        object.__setattr__(self, "one_offs", tuple(self.one_offs))


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """A driver value as Decimal (floats through their shortest repr, not binary)."""
    number = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else value)
    )
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


# --- output ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """One division's (or the group's) figures in one currency.

    ``pnl``: every line of :data:`PNL_REPORT` -> one amount per month (natural sign).
    ``balances``: :data:`BALANCE_LINES` -> month-end balances; ``opening``: the same at the
    start of the year. ``cash_flow``: :data:`CASH_FLOW_LINES` -> one amount per month.
    ``kpis``: :data:`KPIS` -> value (None where undefined, e.g. a margin % of no revenue):
    year totals for flows, year-end for balances, DSO / DPO in days from the last month
    (receivables / revenue x days), gross margin % with 2 decimals, days with 1.
    ``weekly_cash``: the 13-week forecast, empty when the warehouse has none.
    """

    currency: str
    pnl: Mapping[str, tuple[Decimal, ...]]
    opening: Mapping[str, Decimal]
    balances: Mapping[str, tuple[Decimal, ...]]
    cash_flow: Mapping[str, tuple[Decimal, ...]]
    headcount: Decimal
    kpis: Mapping[str, Decimal | None]
    weekly_cash: tuple[CashWeek, ...] = ()

    def total(self, line: str) -> Decimal:
        """A P&L line's (or subtotal's) year total."""
        return sum(self.pnl[line], ZERO)


@dataclass(frozen=True)
class Outcome:
    """The group (in group currency) and each division (in its own currency)."""

    group: Figures
    divisions: Mapping[int, Figures]


@dataclass(frozen=True)
class Result:
    fiscal_year: int
    group_currency: str
    months: tuple[Month, ...]
    drivers: Drivers
    baseline: Outcome
    scenario: Outcome


class BudgetLine(NamedTuple):
    """One budget amount: ledger sign (debit positive, revenue negative), rounded to cents."""

    account_code: str
    period: int
    amount: Decimal


# --- the engine ------------------------------------------------------------------------------
def run(baseline: Baseline, drivers: Drivers) -> Result:
    """The baseline and the scenario for these drivers (pure, deterministic)."""
    _validate(baseline, drivers)
    with localcontext(_CONTEXT):
        return Result(
            fiscal_year=baseline.fiscal_year,
            group_currency=baseline.group_currency,
            months=baseline.months,
            drivers=drivers,
            baseline=_outcome(baseline, _NO_CHANGE),
            scenario=_outcome(baseline, drivers),
        )


_NO_CHANGE = Drivers()


def _validate(baseline: Baseline, drivers: Drivers) -> None:
    known = {div.division_id for div in baseline.divisions}
    numbers = {m.number for m in baseline.months}
    for name in ("sales_volume_pct", "sales_price_pct", "purchase_cost_pct", "wages_pct"):
        if getattr(drivers, name) < -HUNDRED:
            raise ValueError(f"{name} below -100 %")
    for division_id in drivers.headcount_change:
        if division_id not in known:
            raise ValueError(f"headcount change for unknown division {division_id}")
    for currency, rate in drivers.fx_rates.items():
        if rate <= 0:
            raise ValueError(f"exchange rate for {currency} must be positive")
        if currency == baseline.group_currency and rate != ONE:
            raise ValueError(f"{currency} is the group currency: its rate is 1")
    for one_off in drivers.one_offs:
        if one_off.division_id not in known:
            raise ValueError(f"one-off for unknown division {one_off.division_id}")
        if one_off.month not in numbers:
            raise ValueError(f"one-off in unknown month {one_off.month}")
        _ = one_off.line  # raises on an unknown category


def _outcome(baseline: Baseline, drivers: Drivers) -> Outcome:
    divisions = {div.division_id: _division(baseline, div, drivers) for div in baseline.divisions}
    rates = {
        div.division_id: drivers.fx_rates.get(div.currency, baseline.rate(div.currency))
        for div in baseline.divisions
    }
    group = _translate(baseline, divisions, rates)
    return Outcome(group=group, divisions=divisions)


def _factor(pct: Decimal) -> Decimal:
    return ONE + pct / HUNDRED


def _pnl(baseline: Baseline, div: DivisionBaseline, drivers: Drivers) -> dict[str, list[Decimal]]:
    n = len(baseline.months)
    lines = {name: list(div.line(name, n)) for name in PNL_LINES}
    volume = _factor(drivers.sales_volume_pct)
    price = _factor(drivers.sales_price_pct)
    cost = _factor(drivers.purchase_cost_pct)
    wage = _factor(drivers.wages_pct)
    heads = drivers.headcount_change.get(div.division_id, ZERO)
    for i, month in enumerate(baseline.months):
        if month.number < drivers.from_month:
            continue
        lines[REVENUE][i] = lines[REVENUE][i] * volume * price
        lines[COST_OF_GOODS][i] = lines[COST_OF_GOODS][i] * volume * cost
        lines[WAGES][i] = (lines[WAGES][i] - heads * div.wage_per_head) * wage
    index = {m.number: i for i, m in enumerate(baseline.months)}
    for one_off in drivers.one_offs:
        if one_off.division_id == div.division_id:
            lines[one_off.line][index[one_off.month]] += one_off.amount
    return lines


def _with_subtotals(lines: Mapping[str, list[Decimal]], n: int) -> dict[str, tuple[Decimal, ...]]:
    out = {name: tuple(values) for name, values in lines.items()}
    for name, parts in SUBTOTALS.items():
        out[name] = tuple(sum((lines[p][i] for p in parts), ZERO) for i in range(n))
    return {name: out[name] for name in PNL_REPORT}


def _days(base: Decimal, change: Decimal) -> Decimal:
    return max(base + change, ZERO)


def _formula_balances(
    baseline: Baseline, div: DivisionBaseline, lines: Mapping[str, list[Decimal]], drivers: Drivers
) -> dict[str, list[Decimal]]:
    """Receivables, payables and inventory by the days formulas."""
    out: dict[str, list[Decimal]] = {RECEIVABLES: [], PAYABLES: [], INVENTORY: []}
    for i, month in enumerate(baseline.months):
        applies = month.number >= drivers.from_month
        customer = _days(div.customer_days, drivers.customer_payment_days if applies else ZERO)
        supplier = _days(div.supplier_days, drivers.supplier_payment_days if applies else ZERO)
        purchases = -(
            lines[COST_OF_GOODS][i] + lines[OTHER_COST_OF_SALES][i] + lines[OTHER_COSTS][i]
        )
        days = Decimal(month.days)
        out[RECEIVABLES].append(_q(lines[REVENUE][i] * customer / days))
        out[PAYABLES].append(_q(purchases * supplier / days))
        out[INVENTORY].append(_q(-lines[COST_OF_GOODS][i] * div.stock_days / days))
    return out


def _q(value: Decimal) -> Decimal:
    return value.quantize(_BALANCE_QUANTUM)


def _cash_path(
    opening: Mapping[str, Decimal],
    lines: Mapping[str, list[Decimal]],
    balances: Mapping[str, list[Decimal]],
    other: list[Decimal] | None,
    actual_cash: tuple[Decimal | None, ...],
) -> tuple[dict[str, list[Decimal]], list[Decimal]]:
    """Cash-flow lines and month-end cash. Without ``other`` (the baseline run), other
    flows are what meets the actual cash balances; with it, those flows are reused."""
    flows: dict[str, list[Decimal]] = {name: [] for name in CASH_FLOW_LINES}
    cash: list[Decimal] = []
    previous = {k: opening.get(k, ZERO) for k in BALANCE_LINES}
    for i in range(len(lines[REVENUE])):
        result = sum((lines[name][i] for name in PNL_LINES), ZERO)
        parts = {
            "result": result,
            "depreciation": -lines[DEPRECIATION][i],
            "receivables": previous[RECEIVABLES] - balances[RECEIVABLES][i],
            "payables": balances[PAYABLES][i] - previous[PAYABLES],
            "inventory": previous[INVENTORY] - balances[INVENTORY][i],
        }
        model = sum(parts.values(), ZERO)
        if other is not None:
            extra = other[i]
        else:
            known = actual_cash[i] if i < len(actual_cash) else None
            extra = ZERO if known is None else known - previous[CASH] - model
        parts["other"] = extra
        parts["net_flow"] = model + extra
        for name in CASH_FLOW_LINES:
            flows[name].append(parts[name])
        closing = previous[CASH] + model + extra
        cash.append(closing)
        previous = {
            RECEIVABLES: balances[RECEIVABLES][i],
            PAYABLES: balances[PAYABLES][i],
            INVENTORY: balances[INVENTORY][i],
            CASH: closing,
        }
    return flows, cash


def _anchors(actual: tuple[Decimal | None, ...], formula: list[Decimal]) -> list[Decimal]:
    """The baseline balances: the real month-end balance where the marts have one; after
    it, the formula plus the last real month's gap (real - formula), so the forecast goes
    on from the real balance instead of jumping to the formula."""
    out = []
    gap = ZERO
    for i, value in enumerate(formula):
        known = actual[i] if i < len(actual) else None
        if known is None:
            out.append(value + gap)
        else:
            gap = known - value
            out.append(known)
    return out


def _division(baseline: Baseline, div: DivisionBaseline, drivers: Drivers) -> Figures:
    n = len(baseline.months)
    base_lines = _pnl(baseline, div, _NO_CHANGE)
    lines = _pnl(baseline, div, drivers)
    base_formula = _formula_balances(baseline, div, base_lines, _NO_CHANGE)
    formula = _formula_balances(baseline, div, lines, drivers)
    base_balances: dict[str, list[Decimal]] = {}
    balances: dict[str, list[Decimal]] = {}
    for name in (RECEIVABLES, PAYABLES, INVENTORY):
        anchors = _anchors(div.actual_balances.get(name, ()), base_formula[name])
        base_balances[name] = anchors
        balances[name] = [anchors[i] + formula[name][i] - base_formula[name][i] for i in range(n)]
    actual_cash = div.actual_balances.get(CASH, ())
    base_flows, _ = _cash_path(div.opening, base_lines, base_balances, None, actual_cash)
    flows, cash = _cash_path(div.opening, lines, balances, base_flows["other"], actual_cash)
    balances[CASH] = cash
    pnl = _with_subtotals(lines, n)
    heads = div.headcount + (
        drivers.headcount_change.get(div.division_id, ZERO)
        if any(m.number >= drivers.from_month for m in baseline.months)
        else ZERO
    )
    weekly = _weekly(baseline.months, div.weekly_cash, base_flows["net_flow"], flows["net_flow"])
    figures = Figures(
        currency=div.currency,
        pnl=pnl,
        opening={k: div.opening.get(k, ZERO) for k in BALANCE_LINES},
        balances={k: tuple(balances[k]) for k in BALANCE_LINES},
        cash_flow={k: tuple(v) for k, v in flows.items()},
        headcount=heads,
        kpis={},
        weekly_cash=weekly,
    )
    return _with_kpis(figures, baseline.months)


def _weekly(
    months: tuple[Month, ...],
    weeks: tuple[CashWeek, ...],
    base_flow: list[Decimal],
    flow: list[Decimal],
) -> tuple[CashWeek, ...]:
    """The weekly forecast plus the scenario's change of monthly cash flow, spread evenly
    over each month's days, from the first week on: week 1 opens with the real cash as in
    the mart (earlier months' changes are not in it), and days outside the fiscal year's
    months add nothing."""
    if not weeks:
        return ()
    change = [flow[i] - base_flow[i] for i in range(len(months))]

    def through(day: dt.date) -> Decimal:
        """The cumulative change of cash from the start of the year through ``day``."""
        total = ZERO
        for i, month in enumerate(months):
            if day >= month.end:
                total += change[i]
            elif day >= month.start:
                total += _q(change[i] * ((day - month.start).days + 1) / month.days)
        return total

    out = []
    start = through(weeks[0].week_start - dt.timedelta(days=1))
    for week in weeks:
        before = through(week.week_start - dt.timedelta(days=1)) - start
        after = through(week.week_start + dt.timedelta(days=6)) - start
        out.append(
            CashWeek(
                week_number=week.week_number,
                week_start=week.week_start,
                opening_cash=week.opening_cash + before,
                receipts=week.receipts,
                payments=week.payments,
                recurring_costs=week.recurring_costs,
                budget_flows=week.budget_flows,
                net_flow=week.net_flow + (after - before),
                closing_cash=week.closing_cash + after,
                what_if=week.what_if + (after - before),
            )
        )
    return tuple(out)


def _translate(
    baseline: Baseline, divisions: Mapping[int, Figures], rates: Mapping[int, Decimal]
) -> Figures:
    n = len(baseline.months)

    def series(get: Any, names: Iterable[str]) -> dict[str, tuple[Decimal, ...]]:
        return {
            name: tuple(
                sum((get(fig)[name][i] * rates[d] for d, fig in divisions.items()), ZERO)
                for i in range(n)
            )
            for name in names
        }

    weeks: dict[int, list[CashWeek]] = {}
    for d, fig in divisions.items():
        for week in fig.weekly_cash:
            weeks.setdefault(week.week_number, []).append(_scale_week(week, rates[d]))
    weekly = tuple(_sum_weeks(weeks[k]) for k in sorted(weeks))
    figures = Figures(
        currency=baseline.group_currency,
        pnl=series(lambda f: f.pnl, PNL_REPORT),
        opening={
            k: sum((f.opening[k] * rates[d] for d, f in divisions.items()), ZERO)
            for k in BALANCE_LINES
        },
        balances=series(lambda f: f.balances, BALANCE_LINES),
        cash_flow=series(lambda f: f.cash_flow, CASH_FLOW_LINES),
        headcount=sum((f.headcount for f in divisions.values()), ZERO),
        kpis={},
        weekly_cash=weekly,
    )
    return _with_kpis(figures, baseline.months)


_WEEK_AMOUNTS = (
    "opening_cash",
    "receipts",
    "payments",
    "recurring_costs",
    "budget_flows",
    "net_flow",
    "closing_cash",
    "what_if",
)


def _scale_week(week: CashWeek, rate: Decimal) -> CashWeek:
    values = {name: getattr(week, name) * rate for name in _WEEK_AMOUNTS}
    return CashWeek(week_number=week.week_number, week_start=week.week_start, **values)


def _sum_weeks(weeks: list[CashWeek]) -> CashWeek:
    values = {name: sum((getattr(w, name) for w in weeks), ZERO) for name in _WEEK_AMOUNTS}
    first = weeks[0]
    return CashWeek(week_number=first.week_number, week_start=first.week_start, **values)


def _ratio_days(balance: Decimal, flow: Decimal, days: int) -> Decimal | None:
    if flow == 0:
        return None
    return (balance * days / flow).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _with_kpis(figures: Figures, months: tuple[Month, ...]) -> Figures:
    pnl, balances = figures.pnl, figures.balances
    revenue = figures.total(REVENUE)
    margin = figures.total(GROSS_MARGIN)
    kpis: dict[str, Decimal | None] = {
        "revenue": revenue,
        "gross_margin": margin,
        "gross_margin_pct": (
            (margin / revenue * HUNDRED).quantize(CENT, ROUND_HALF_UP) if revenue else None
        ),
        "ebit": figures.total(EBIT),
        "net_result": figures.total(NET_RESULT),
        "closing_cash": balances[CASH][-1] if months else figures.opening[CASH],
        "receivables": balances[RECEIVABLES][-1] if months else figures.opening[RECEIVABLES],
        "payables": balances[PAYABLES][-1] if months else figures.opening[PAYABLES],
        "dso": None,
        "dpo": None,
        "headcount": figures.headcount,
    }
    if months:
        days = months[-1].days
        purchases = -(pnl[COST_OF_SALES][-1] + pnl[OTHER_COSTS][-1])
        kpis["dso"] = _ratio_days(balances[RECEIVABLES][-1], pnl[REVENUE][-1], days)
        kpis["dpo"] = _ratio_days(balances[PAYABLES][-1], purchases, days)
    return Figures(
        currency=figures.currency,
        pnl=figures.pnl,
        opening=figures.opening,
        balances=figures.balances,
        cash_flow=figures.cash_flow,
        headcount=figures.headcount,
        kpis=kpis,
        weekly_cash=figures.weekly_cash,
    )


# --- views on a result -----------------------------------------------------------------------
def budget_lines(
    result: Result,
    division_id: int,
    account: Callable[[str], str],
    *,
    outcome: str = "scenario",
) -> list[BudgetLine]:
    """The division's scenario (or baseline) P&L as budget lines for a budget version.

    One line per P&L line's account and period: ``account(line)`` is the code of the
    account the division budgets that line on (the engine knows no chart; the budget
    write-back finds it by role, :mod:`transactional.budgets.scenario_accounts`), asked
    only for lines with an amount. In the division's currency, signed like ledger lines
    (debit positive: revenue negative, costs positive), rounded to cents half up; zero
    amounts are left out. Lines sharing an account are added up. Ready for
    ``BudgetLineDraft(account, period, amount)``.
    """
    figures = getattr(result, outcome).divisions[division_id]
    totals: dict[tuple[str, int], Decimal] = {}
    for name in PNL_LINES:
        if not any(figures.pnl[name]):
            continue
        code = account(name)
        for month, amount in zip(result.months, figures.pnl[name], strict=True):
            key = (code, month.number)
            totals[key] = totals.get(key, ZERO) - amount
    lines = []
    for (code, period), amount in sorted(totals.items()):
        rounded = amount.quantize(CENT, ROUND_HALF_UP, context=_CONTEXT)
        if rounded != 0:
            lines.append(BudgetLine(code, period, rounded))
    return lines


def _figures(outcome: Outcome, division_id: int | None) -> Figures:
    return outcome.group if division_id is None else outcome.divisions[division_id]


def pnl_summary(result: Result, division_id: int | None = None) -> list[dict[str, Any]]:
    """The P&L for the year, baseline against scenario, one row per report line (the group
    in group currency when ``division_id`` is None)."""
    base = _figures(result.baseline, division_id)
    scen = _figures(result.scenario, division_id)
    rows = []
    for name in PNL_REPORT:
        before, after = base.total(name), scen.total(name)
        rows.append(_compare(name, LABELS[name], before, after))
    return rows


def kpi_summary(result: Result, division_id: int | None = None) -> list[dict[str, Any]]:
    """The KPIs, baseline against scenario, one row per KPI."""
    base = _figures(result.baseline, division_id)
    scen = _figures(result.scenario, division_id)
    return [_compare(k, k, base.kpis[k], scen.kpis[k]) for k in KPIS]


def _compare(key: str, label: str, before: Decimal | None, after: Decimal | None) -> dict[str, Any]:
    with localcontext(_CONTEXT):
        change = None if before is None or after is None else after - before
        change_pct = (
            (change / abs(before) * HUNDRED).quantize(CENT, ROUND_HALF_UP)
            if change is not None and before
            else None
        )
    return {
        "key": key,
        "label": label,
        "baseline": before,
        "scenario": after,
        "change": change,
        "change_pct": change_pct,
    }
