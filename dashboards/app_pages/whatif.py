"""What-if: change the drivers, see P&L, cash and KPIs move, save the scenario as a budget.

The baseline is the full fiscal year of the sidebar's divisions (``whatif.baseline.load``,
cached per published file); the engine runs once per rerun on the drivers as they stand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from dashboards import sidebar, signed_in
from dashboards.amounts import (
    delta_style,
    format_amount,
    format_change,
    format_day,
    format_quantity,
)
from dashboards.charts import whatif as charts
from dashboards.forms import form_feedback
from dashboards.language import N_, _, current_locale, ngettext
from dashboards.queries import finance
from dashboards.queries import whatif_baseline as baseline_loader
from dashboards.report_cache import TTL_SECONDS
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse
from dashboards.writeback import budget_posting
from dashboards.writeback.clerk_posting import text
from transactional import clock
from transactional.budgets.models import SCENARIOS
from transactional.errors import DomainError
from transactional.planning import whatif as engine
from transactional.planning.whatif import Baseline, Drivers, Figures, OneOff, Result

# --- widget keys (the browser tests find the inputs by them) -------------------------------
VOLUME_KEY = "whatif_volume_pct"
PRICE_KEY = "whatif_price_pct"
PURCHASE_COST_KEY = "whatif_purchase_cost_pct"
WAGES_KEY = "whatif_wages_pct"
HEADS_PREFIX = "whatif_heads_"  # + division id
FX_PREFIX = "whatif_fx_"  # + currency code
CUSTOMER_DAYS_KEY = "whatif_customer_days"
SUPPLIER_DAYS_KEY = "whatif_supplier_days"
FROM_MONTH_KEY = "whatif_from_month"
ONE_OFFS_PREFIX = "whatif_one_offs_"  # + generation (a reset starts a new, empty grid)
ONE_OFFS_GENERATION = "whatif_one_offs_generation"
RESET_KEY = "whatif_reset"
VIEW_KEY = "whatif_view"
SAVE_FORM_KEY = "whatif_save"
SAVE_NAME_KEY = "whatif_save_name"
SAVE_SCENARIO_KEY = "whatif_save_scenario"
SAVE_BUTTON_KEY = "whatif_save_submit"
SAVED_KEY = "whatif_saved"
_BASELINE_SIGNATURE = "whatif_baseline_signature"
# An exchange rate as typed: every decimal it has (up to the input's six, and more).
_RATE = "#,##0.##########"

PERCENT_DRIVERS: tuple[tuple[str, str, str], ...] = (
    (
        VOLUME_KEY,
        N_("Sales volume (%)"),
        N_(
            "Change in quantities sold: scales revenue and the cost of the goods sold. "
            "10 means +10 %."
        ),
    ),
    (
        PRICE_KEY,
        N_("Sales price (%)"),
        N_(
            "Change in selling prices: scales revenue only (the margin takes all of it). "
            "10 means +10 %."
        ),
    ),
    (
        PURCHASE_COST_KEY,
        N_("Purchase cost (%)"),
        N_(
            "Change in purchase prices: scales the cost of goods sold (price and stock "
            "differences stay as they are). 10 means +10 %."
        ),
    ),
    (
        WAGES_KEY,
        N_("Wages (%)"),
        N_(
            "Change in wages and social charges per head (also applies to added heads). "
            "10 means +10 %."
        ),
    ),
)
ONE_OFF_COLUMNS = ("division", "month", "line", "amount")
_BLANK_ONE_OFF_ROWS = 3
# Labels and units below are message ids, shown through ``_()``.
KPI_CARDS: tuple[tuple[str, str], ...] = (
    ("revenue", N_("Revenue")),
    ("gross_margin", N_("Gross margin")),
    ("ebit", N_("EBIT")),
    ("net_result", N_("Net result")),
    ("closing_cash", N_("Cash at year end")),
    ("dso", N_("DSO")),
    ("dpo", N_("DPO")),
)
_DAY_KPIS = {"dso", "dpo"}
# A rise is bad news: shown in the inverse colour.
_INVERSE = {"dso", "receivables"}
KPI_LABELS: dict[str, tuple[str, str]] = {  # key -> label, unit ("" = the currency)
    "revenue": (N_("Revenue"), ""),
    "gross_margin": (N_("Gross margin"), ""),
    "gross_margin_pct": (N_("Gross margin %"), "%"),
    "ebit": (N_("EBIT"), ""),
    "net_result": (N_("Net result"), ""),
    "closing_cash": (N_("Cash at year end"), ""),
    "receivables": (N_("Receivables at year end"), ""),
    "payables": (N_("Payables at year end"), ""),
    "dso": (N_("Days sales outstanding (last month)"), N_("days")),
    "dpo": (N_("Days payables outstanding (last month)"), N_("days")),
    "headcount": (N_("Headcount (nominal)"), N_("heads")),
}


# --- baseline --------------------------------------------------------------------------------
# No spinner text here: it is fixed when the module loads, before anyone's language is
# known (main() shows its own).
@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def load_baseline(
    wh: PublishedWarehouse, division_ids: tuple[int, ...], fiscal_year: int
) -> Baseline:
    """The baseline of the publication (a new publication is a new key): months up to the
    ledger's last posting date, and not the month still running, are actuals; later ones
    forecast."""
    through = baseline_loader.actuals_through(finance.last_posting_date(wh), clock.today())
    return baseline_loader.load(wh, division_ids, fiscal_year, last_posting_date=through)


def in_shown_currency(base: Baseline, sel: Selection) -> Baseline:
    """The baseline with its "group" in the currency the sidebar shows: divisions sharing
    one currency are added up in it, not translated into the group currency."""
    if sel.in_group_currency or sel.currency == base.group_currency:
        return base
    return dataclasses.replace(base, group_currency=sel.currency, rates={sel.currency: Decimal(1)})


def actual_months(base: Baseline) -> int:
    """How many of the year's months are actuals (up to the last posting date)."""
    as_of = base.as_of_date
    return sum(1 for m in base.months if as_of is not None and m.start <= as_of)


def baseline_note(base: Baseline) -> str:
    """Where each month's baseline comes from, e.g. 'P01–P10: 2026 actuals (books through
    Oct 31, 2026); P11–P12: forecast from the approved budget'."""
    words = {
        baseline_loader.ACTUAL: _(
            "{year} actuals (books through {date})",
            year=base.fiscal_year,
            date=format_day(base.as_of_date),
        )
        if base.as_of_date
        else _("{year} actuals", year=base.fiscal_year),
        baseline_loader.BUDGET: _("forecast from the approved budget"),
        baseline_loader.RUN_RATE: ngettext(
            "forecast at the run rate (average per day of the last {n} actual month)",
            "forecast at the run rate (average per day of the last {n} actual months)",
            baseline_loader.RUN_RATE_MONTHS,
        ),
    }
    nothing = _("no figures yet")

    def what(i: int) -> str:
        kinds = sorted({str(d.sources[i]) for d in base.divisions if i < len(d.sources)})
        if kinds == ["None"] or not kinds:
            return nothing
        return " / ".join(words.get(k, nothing) for k in kinds)

    parts: list[str] = []
    start = 0
    for i in range(1, len(base.months) + 1):
        if i == len(base.months) or what(i) != what(start):
            first, last = base.months[start].number, base.months[i - 1].number
            span = f"P{first:02d}" if first == last else f"P{first:02d}–P{last:02d}"
            parts.append(f"{span}: {what(start)}")
            start = i
    return "; ".join(parts)


# --- drivers ---------------------------------------------------------------------------------
def one_offs_key() -> str:
    return f"{ONE_OFFS_PREFIX}{st.session_state.get(ONE_OFFS_GENERATION, 0)}"


def driver_defaults(base: Baseline) -> dict[str, Any]:
    """Every driver input's neutral value (the baseline): 0 changes, today's rates."""
    defaults: dict[str, Any] = {key: 0.0 for key, _label, _help in PERCENT_DRIVERS}
    defaults.update({CUSTOMER_DAYS_KEY: 0, SUPPLIER_DAYS_KEY: 0})
    defaults[FROM_MONTH_KEY] = base.months[0].number if base.months else 1
    for div in base.divisions:
        defaults[f"{HEADS_PREFIX}{div.division_id}"] = 0.0
    for currency in base.currencies[1:]:
        defaults[f"{FX_PREFIX}{currency}"] = float(base.rates[currency])
    return defaults


def reset_drivers(defaults: dict[str, Any]) -> None:
    """Button callback: every input back to the baseline, one-offs cleared."""
    for key, value in defaults.items():
        st.session_state[key] = value
    st.session_state[ONE_OFFS_GENERATION] = st.session_state.get(ONE_OFFS_GENERATION, 0) + 1


def _prime(base: Baseline, signature: tuple[Any, ...]) -> dict[str, Any]:
    """Give every driver input its starting value; a new baseline resets the rates (their
    defaults are the baseline's) and a month the new year does not have."""
    defaults = driver_defaults(base)
    fresh = st.session_state.get(_BASELINE_SIGNATURE) != signature
    st.session_state[_BASELINE_SIGNATURE] = signature
    for key, value in defaults.items():
        if key not in st.session_state or (fresh and key.startswith(FX_PREFIX)):
            st.session_state[key] = value
    if st.session_state[FROM_MONTH_KEY] not in {m.number for m in base.months}:
        st.session_state[FROM_MONTH_KEY] = defaults[FROM_MONTH_KEY]
    return defaults


def _month_options(base: Baseline) -> dict[int, str]:
    ended = actual_months(base)
    return {
        m.number: _(
            "P{number} · {month} (actual)", number=f"{m.number:02d}", month=charts.month_label(m)
        )
        if i < ended
        else _(
            "P{number} · {month} (forecast)", number=f"{m.number:02d}", month=charts.month_label(m)
        )
        for i, m in enumerate(base.months)
    }


def driver_inputs(base: Baseline, signature: tuple[Any, ...]) -> tuple[Drivers, list[str]]:
    """The driver inputs; returns the drivers and the problems with the one-off rows."""
    defaults = _prime(base, signature)
    months = _month_options(base)
    left, middle, right = st.columns(3)
    with left:
        st.markdown(_("**Sales, purchases and wages**"))
        for key, label, help_text in PERCENT_DRIVERS:
            st.number_input(
                _(label),
                min_value=-100.0,
                max_value=1000.0,
                step=1.0,
                format="%.1f",
                key=key,
                help=_(help_text),
            )
    with middle:
        st.markdown(_("**Headcount**"))
        for div in base.divisions:
            st.number_input(
                _("{division}: heads added (removed: negative)", division=div.division_code),
                min_value=-1000.0,
                max_value=1000.0,
                step=1.0,
                format="%.1f",
                key=f"{HEADS_PREFIX}{div.division_id}",
                # Nominal heads can be a fraction ("12.5"): no singular.
                help=_(
                    "Baseline {heads} heads at {wage} a month each (nominal: the marts hold no "
                    "employees, so heads = monthly wages / {average}). Each head added costs "
                    "that every month from the first month below.",
                    heads=format_decimal(div.headcount, locale=current_locale()),
                    wage=format_amount(float(div.wage_per_head), div.currency),
                    average=format_amount(float(baseline_loader.AVERAGE_MONTHLY_WAGE)),
                ),
            )
    with right:
        st.markdown(_("**Payment terms, rates, timing**"))
        st.number_input(
            _("Customer payment days (change)"),
            min_value=-365,
            max_value=365,
            step=1,
            key=CUSTOMER_DAYS_KEY,
            help=_(
                "Days customers take longer to pay (negative: faster). Raises receivables "
                "and lowers cash; never below 0 days in total. Baseline: {days}.",
                days=_payment_days(base, "customer_days"),
            ),
        )
        st.number_input(
            _("Supplier payment days (change)"),
            min_value=-365,
            max_value=365,
            step=1,
            key=SUPPLIER_DAYS_KEY,
            help=_(
                "Days the group takes longer to pay its suppliers (negative: faster). "
                "Raises payables and cash. Baseline: {days}.",
                days=_payment_days(base, "supplier_days"),
            ),
        )
        for currency in base.currencies[1:]:
            rate = base.rates[currency]
            st.number_input(
                _(
                    "Rate {currency} → {group_currency}",
                    currency=currency,
                    group_currency=base.group_currency,
                ),
                min_value=0.000001,
                step=0.01,
                format="%.6f",
                key=f"{FX_PREFIX}{currency}",
                help=_(
                    "{group_currency} per 1 {currency} for the whole year. Baseline {rate}: "
                    "the average rate of the baseline months' P&L.",
                    group_currency=base.group_currency,
                    currency=currency,
                    rate=format_decimal(rate, format=_RATE, locale=current_locale()),
                ),
            )
        st.selectbox(
            _("Drivers apply from"),
            options=list(months),
            format_func=months.__getitem__,
            key=FROM_MONTH_KEY,
            help=_(
                "The first month the percentage, headcount and payment-days drivers change. "
                "Exchange rates apply to the whole year, one-offs to their own month."
            ),
        )
    st.markdown(_("**One-off items**"))
    one_offs, problems = one_off_grid(base, months)
    st.button(
        _("Reset drivers"),
        key=RESET_KEY,
        icon=":material/restart_alt:",
        on_click=reset_drivers,
        args=(defaults,),
        help=_("Every driver back to the baseline, one-offs cleared."),
    )
    state = st.session_state
    drivers = Drivers(
        sales_volume_pct=state[VOLUME_KEY],
        sales_price_pct=state[PRICE_KEY],
        purchase_cost_pct=state[PURCHASE_COST_KEY],
        wages_pct=state[WAGES_KEY],
        headcount_change={
            d.division_id: state[f"{HEADS_PREFIX}{d.division_id}"]
            for d in base.divisions
            if state[f"{HEADS_PREFIX}{d.division_id}"]
        },
        # Only rates changed from the baseline's: an untouched input is the baseline exactly.
        fx_rates={
            c: state[f"{FX_PREFIX}{c}"]
            for c in base.currencies[1:]
            if state[f"{FX_PREFIX}{c}"] != defaults[f"{FX_PREFIX}{c}"]
        },
        customer_payment_days=state[CUSTOMER_DAYS_KEY],
        supplier_payment_days=state[SUPPLIER_DAYS_KEY],
        one_offs=tuple(one_offs),
        from_month=int(state[FROM_MONTH_KEY]),
    )
    return drivers, problems


def _payment_days(base: Baseline, which: str) -> str:
    """``NL01 30 days, UK01 45 days``: each division's baseline payment days."""
    return ", ".join(
        ngettext(
            "{division} {n} day",
            "{division} {n} days",
            int(getattr(d, which)),
            division=d.division_code,
        )
        for d in base.divisions
    )


def one_off_grid(base: Baseline, months: dict[int, str]) -> tuple[list[OneOff], list[str]]:
    """The one-off items grid; returns the good rows as OneOffs and a message per bad row."""
    codes = {d.division_code: d for d in base.divisions}
    single = base.divisions[0].division_code if len(base.divisions) == 1 else None
    explained = _(
        "Amounts in the division's own currency with the P&L sign: income positive, a cost "
        "negative (a one-off consultancy fee of 20,000 is -20000 on Other operating costs). "
        "Each lands in its month and moves cash in that month (depreciation does not)."
    )
    if single:
        explained += " " + _("The division may be left empty: {division}.", division=single)
    st.caption(explained)
    blank = pd.DataFrame(
        {
            "division": pd.Series([None] * _BLANK_ONE_OFF_ROWS, dtype="object"),
            "month": pd.Series([None] * _BLANK_ONE_OFF_ROWS, dtype="object"),
            "line": pd.Series([None] * _BLANK_ONE_OFF_ROWS, dtype="object"),
            "amount": pd.Series([math.nan] * _BLANK_ONE_OFF_ROWS, dtype="float64"),
        }
    )
    config: dict[str, Any] = {
        "division": st.column_config.SelectboxColumn(
            _("Division"),
            options=list(codes),
            format_func=lambda c: f"{c} ({codes[str(c)].currency})" if str(c) in codes else str(c),
        ),
        "month": st.column_config.SelectboxColumn(
            _("Month"),
            options=list(months),
            format_func=lambda m: months.get(_int(m) or 0, str(m)),
        ),
        "line": st.column_config.SelectboxColumn(
            _("P&L line"),
            options=list(engine.PNL_LINES),
            format_func=lambda k: _(engine.LABELS[str(k)]) if str(k) in engine.LABELS else str(k),
            width="medium",
        ),
        "amount": st.column_config.NumberColumn(
            _("Amount (division currency, + income / − cost)"), format="%.2f"
        ),
    }
    grid = st.data_editor(
        blank, key=one_offs_key(), num_rows="dynamic", hide_index=True, column_config=config
    )
    one_offs, problems = parse_one_offs(grid, base)
    if problems:
        st.error(
            "  \n".join([*problems, _("These rows are left out of the scenario until fixed.")]),
            icon=":material/error:",
        )
    return one_offs, problems


def _int(value: object) -> int | None:
    try:
        number = float(text(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def parse_one_offs(grid: pd.DataFrame, base: Baseline) -> tuple[list[OneOff], list[str]]:
    """The filled grid rows as OneOffs, and what is wrong with the others (row numbers as
    the controller counts them, from 1)."""
    codes = {d.division_code: d.division_id for d in base.divisions}
    months = {m.number for m in base.months}
    single = base.divisions[0].division_code if len(base.divisions) == 1 else None
    # A line typed or pasted by its label: the English one or the shown language's.
    labels = {engine.LABELS[k].lower(): k for k in engine.PNL_LINES}
    labels.update({_(engine.LABELS[k]).lower(): k for k in engine.PNL_LINES})
    out: list[OneOff] = []
    problems: list[str] = []
    for n, (_index, row) in enumerate(grid.iterrows(), start=1):
        cells = {c: text(row.get(c)) for c in ONE_OFF_COLUMNS}
        if not any(cells.values()):
            continue
        division = cells["division"] or single
        month = _int(cells["month"])
        line = (
            cells["line"]
            if cells["line"] in engine.PNL_LINES
            else labels.get(cells["line"].lower())
        )
        if not division:
            problems.append(
                _("One-off row {row}: pick the division (several are selected).", row=n)
            )
        elif division not in codes:
            problems.append(
                _(
                    "One-off row {row}: division {division} is not among the selected ones.",
                    row=n,
                    division=division,
                )
            )
        elif month is None or month not in months:
            problems.append(
                _(
                    "One-off row {row}: pick the month (a period of {year}, {first} to {last}).",
                    row=n,
                    year=base.fiscal_year,
                    first=min(months),
                    last=max(months),
                )
            )
        elif line is None:
            problems.append(_("One-off row {row}: pick the P&L line.", row=n))
        elif not cells["amount"]:
            problems.append(
                _(
                    "One-off row {row}: enter the amount (income positive, a cost negative).",
                    row=n,
                )
            )
        else:
            try:
                amount = engine.to_decimal(cells["amount"])
            except (ValueError, ArithmeticError):
                problems.append(
                    _(
                        "One-off row {row}: the amount must be a number, not {value}.",
                        row=n,
                        value=repr(cells["amount"]),
                    )
                )
                continue
            out.append(OneOff(codes[division], month, line, amount))
    return out, problems


# --- results ---------------------------------------------------------------------------------
def _float(value: Decimal | None) -> float:
    return math.nan if value is None else float(value)


def _days(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return _("{days} days", days=format_quantity(float(value), 1))


def kpi_cards(result: Result, base: Figures, scen: Figures, scope: str) -> None:
    columns = [*st.columns(4), *st.columns(3)]
    for column, (key, label) in zip(columns, KPI_CARDS, strict=True):
        before, after = base.kpis[key], scen.kpis[key]
        change = None if before is None or after is None else after - before
        if key in _DAY_KPIS:
            value = _days(after)
            delta = (
                None
                if change is None
                else _(
                    "{days} days",
                    days=("+" if change >= 0 else "") + format_quantity(float(change), 1),
                )
            )
            shown_before = _days(before)
            tooltip = N_(
                "Scenario, {scope}, {currency}, in the last month of {year}. Baseline: "
                "{baseline}; the change is scenario minus baseline."
            )
        else:
            value = format_amount(_float(after))
            delta = format_change(_float(change))
            shown_before = format_amount(_float(before), base.currency)
            tooltip = (
                N_(
                    "Scenario, {scope}, {currency}, at the end of {year}. Baseline: "
                    "{baseline}; the change is scenario minus baseline."
                )
                if key == "closing_cash"
                else N_(
                    "Scenario, {scope}, {currency}, full year {year}. Baseline: {baseline}; "
                    "the change is scenario minus baseline."
                )
            )
        column.metric(
            _(label),
            value,
            delta=delta,
            **delta_style(_float(change), "inverse" if key in _INVERSE else "normal"),
            help=_(
                tooltip,
                scope=scope,
                currency=base.currency,
                year=result.fiscal_year,
                baseline=shown_before,
            ),
            border=True,
        )


def summary_frame(rows: list[dict[str, Any]], units: dict[str, str] | None = None) -> pd.DataFrame:
    """pnl_summary / kpi_summary rows as a table of floats (None -> empty cell)."""
    keys = [r["key"] for r in rows]
    labels = [r["label"] for r in rows]
    df = pd.DataFrame(
        {
            "key": keys,
            # The engine's and this page's labels are message ids.
            "label": [_(label) for label in labels],
            **(
                {"unit": [_(unit) if unit else "" for unit in (units.get(k, "") for k in keys)]}
                if units is not None
                else {}
            ),
            **{
                column: pd.Series([_float(r[column]) for r in rows], dtype="float64")
                for column in ("baseline", "scenario", "change", "change_pct")
            },
        }
    )
    return df


def by_month_frame(result: Result, figures: Figures) -> pd.DataFrame:
    """The scenario's P&L lines and month-end cash per month, with the year total."""
    labels = [charts.month_label(m) for m in result.months]
    rows = []
    for name in engine.PNL_REPORT:
        values = [float(v) for v in figures.pnl[name]]
        rows.append({"line": _(engine.LABELS[name]), **dict(zip(labels, values, strict=True))})
        rows[-1]["year"] = float(figures.total(name))
    cash = [float(v) for v in figures.balances[engine.CASH]]
    rows.append(
        {"line": _("Cash at month end"), **dict(zip(labels, cash, strict=True)), "year": cash[-1]}
    )
    return pd.DataFrame(rows)


def results(result: Result, base: Baseline, view: int | None) -> None:
    """Cards, charts and tables of the group (``view`` None) or one division."""
    if view is None:
        before, after = result.baseline.group, result.scenario.group
        scope = (
            _("all selected divisions")
            if len(base.divisions) > 1
            else _("division {division}", division=base.divisions[0].division_code)
        )
    else:
        before, after = result.baseline.divisions[view], result.scenario.divisions[view]
        scope = _("division {division}", division=base.division(view).division_code)
    currency = before.currency
    kpi_cards(result, before, after, scope)

    st.plotly_chart(charts.net_result_bridge(before, after), key="whatif_bridge")
    st.plotly_chart(
        charts.monthly_cash(result.months, before, after, actual_months(base)),
        key="whatif_monthly_cash",
    )
    if before.weekly_cash:
        st.plotly_chart(charts.weekly_cash(before, after), key="whatif_weekly_cash")
        st.caption(
            _(
                "Week 1 starts {date} and opens with the real cash position; the scenario "
                "adds its change of monthly cash flow, spread evenly over each month's days, "
                "from then on.",
                date=format_day(before.weekly_cash[0].week_start),
            )
        )

    amounts = {
        "label": _("Line"),
        "unit": _("Unit"),
        "baseline": _("Baseline ({currency})", currency=currency),
        "scenario": _("Scenario ({currency})", currency=currency),
        "change": _("Change ({currency})", currency=currency),
        "change_pct": _("Change %"),
    }
    st.markdown(
        _(
            "**Profit and loss, full year {year}**, {scope}, {currency}",
            year=result.fiscal_year,
            scope=scope,
            currency=currency,
        )
    )
    report_table(
        summary_frame(engine.pnl_summary(result, view)),
        key="whatif_pnl",
        file_name=f"whatif_pnl_{result.fiscal_year}",
        title=_("What-if P&L {year}", year=result.fiscal_year),
        labels=amounts,
        hide=("key",),
    )
    st.markdown(_("**Key figures**, {scope}", scope=scope))
    kpis = engine.kpi_summary(result, view)
    for row in kpis:
        row["label"] = KPI_LABELS.get(row["key"], (row["key"], ""))[0]
    report_table(
        summary_frame(kpis, {k: unit or currency for k, (_label, unit) in KPI_LABELS.items()}),
        key="whatif_kpis",
        file_name=f"whatif_kpis_{result.fiscal_year}",
        title=_("What-if key figures {year}", year=result.fiscal_year),
        labels={
            **amounts,
            "label": _("Key figure"),
            "baseline": _("Baseline"),
            "scenario": _("Scenario"),
            "change": _("Change"),
        },
        hide=("key",),
    )
    st.markdown(_("**Scenario by month**, {scope}, {currency}", scope=scope, currency=currency))
    report_table(
        by_month_frame(result, after),
        key="whatif_by_month",
        file_name=f"whatif_by_month_{result.fiscal_year}",
        title=_("What-if scenario by month {year}", year=result.fiscal_year),
        labels={"line": _("Line"), "year": _("Year {year}", year=result.fiscal_year)},
    )


# --- save as budget version ------------------------------------------------------------------
# The budget scenario types as the save form names them.
SCENARIO_NAMES = {
    "normal": N_("Normal"),
    "positive": N_("Positive"),
    "negative": N_("Negative"),
    "custom": N_("Custom"),
}


def default_name(fiscal_year: int, today: dt.date | None = None) -> str:
    return f"What-if {fiscal_year} {(today or clock.today()):%Y-%m-%d}"


def save_form(result: Result, base: Baseline, problems: Sequence[str]) -> None:
    st.subheader(_("Save as budget version"))
    codes = ", ".join(d.division_code for d in base.divisions)
    st.caption(
        _(
            "Saves one **draft** budget version per selected division ({divisions}) for "
            "{year}: the scenario's P&L per month, one account per line, as the division's "
            "chart names it (revenue on its revenue-from-goods account, cost of goods on its "
            "cost-of-sales account, wages on its first wages account, ...), in each "
            "division's own currency. Needs the right to manage budgets (accountants, "
            "managers, administrators).",
            divisions=codes,
            year=result.fiscal_year,
        )
    )
    errors = form_feedback.FieldErrors()
    with st.form(SAVE_FORM_KEY, border=True):
        name = st.text_input(
            _("Version name"),
            value=default_name(result.fiscal_year),
            max_chars=80,
            key=SAVE_NAME_KEY,
            help=_("Unique per division and year."),
        )
        errors.slot("name")
        scenario = st.selectbox(
            _("Scenario type"),
            options=list(SCENARIOS),
            index=SCENARIOS.index("custom"),
            format_func=lambda kind: (
                _(SCENARIO_NAMES[kind]) if kind in SCENARIO_NAMES else str(kind)
            ),
            key=SAVE_SCENARIO_KEY,
            help=_("Normal is the plan; positive and negative are the up- and downside cases."),
        )
        errors.slot("scenario")
        submitted = st.form_submit_button(
            _("Save as budget version"), key=SAVE_BUTTON_KEY, icon=":material/save:"
        )
    if submitted:
        if problems:
            st.session_state.pop(SAVED_KEY, None)
            st.error(
                _(
                    "Fix or clear the one-off rows marked above first: the saved budget would "
                    "leave them out."
                ),
                icon=":material/error:",
            )
        else:
            try:
                saved = budget_posting.save_what_if(
                    user_id=signed_in.user_id(),
                    result=result,
                    division_ids=[d.division_id for d in base.divisions],
                    name=name,
                    scenario=scenario,
                )
            except DomainError as err:
                st.session_state.pop(SAVED_KEY, None)
                errors.show(err)
            else:
                st.session_state[SAVED_KEY] = {
                    "name": saved[0].document_number if saved else name.strip(),
                    "divisions": codes,
                    "year": result.fiscal_year,
                    "count": len(saved),
                }
    saved_notice()


def saved_notice() -> None:
    saved: dict[str, Any] | None = st.session_state.get(SAVED_KEY)
    if saved is None:
        return
    st.success(
        ngettext(
            "Saved {n} draft budget version **{name}** ({divisions}, {year}). It shows in "
            "*Finance → Budget vs actual* after the next warehouse refresh (`erp refresh`); "
            "submit it for approval on the *Budgets* page.",
            "Saved {n} draft budget versions **{name}** ({divisions}, {year}). They show in "
            "*Finance → Budget vs actual* after the next warehouse refresh (`erp refresh`); "
            "submit them for approval on the *Budgets* page.",
            int(saved["count"]),
            name=saved["name"],
            divisions=saved["divisions"],
            year=saved["year"],
        ),
        icon=":material/check_circle:",
    )
    if st.button(_("Refresh warehouse now"), key=f"{SAVED_KEY}_refresh", icon=":material/sync:"):
        form_feedback.refresh_warehouse()


# --- page ------------------------------------------------------------------------------------
def main() -> None:
    st.title(_("What-if"))
    context = sidebar.insights_context()
    if context is None:
        return
    wh, sel = context
    try:
        with st.spinner(_("Loading the baseline...")):
            loaded = load_baseline(wh, sel.division_ids, sel.fiscal_year)
    except (ValueError, LookupError) as exc:
        # The reason is the loader's own (English): for the analysts.
        st.error(_("The baseline could not be read from the warehouse: {reason}", reason=exc))
        return
    base = in_shown_currency(loaded, sel)
    st.caption(
        " ".join(
            [
                sel.currency_note,
                _(
                    "Full year {year} (the period picked in the sidebar does not apply). "
                    "Baseline: {baseline}.",
                    year=sel.fiscal_year,
                    baseline=baseline_note(base),
                ),
            ]
        )
    )
    with st.expander(_("Drivers"), expanded=True, icon=":material/tune:"):
        drivers, problems = driver_inputs(base, (wh.version, sel.division_ids, sel.fiscal_year))
    result = engine.run(base, drivers)

    names = {d.division_id: f"{d.division_code} ({d.currency})" for d in base.divisions}
    options: list[int | None] = [None, *names] if len(names) > 1 else [None]
    if st.session_state.get(VIEW_KEY) not in options:
        st.session_state.pop(VIEW_KEY, None)
    view = st.selectbox(
        _("Show"),
        options=options,
        format_func=lambda d: (
            _("All selected divisions ({currency})", currency=base.group_currency)
            if d is None
            else names[d]
        ),
        key=VIEW_KEY,
        help=_(
            "The cards, charts and tables for the selected divisions together or one of "
            "them (in its own currency)."
        ),
    )
    results(result, base, view)
    save_form(result, base, problems)


main()
