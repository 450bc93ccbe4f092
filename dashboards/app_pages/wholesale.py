"""Wholesale Insights: KPIs vs last year, ABC analysis with drill-down, stock, suppliers."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboards import sidebar
from dashboards.amounts import compact_amount, delta_style, format_amount
from dashboards.charts import wholesale as charts
from dashboards.queries import abc, finance, wholesale
from dashboards.report_cache import cached
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

ABC_TABLE_KEY = "abc_table"
DRILL_KEY = "abc_drill"
LABELS = {
    "division_code": "Division",
    "warehouse_code": "Warehouse",
    "item_code": "Item",
    "item_name": "Item name",
    "item_group_code": "Item group",
    "customer_code": "Customer",
    "customer_name": "Customer name",
    "salesperson_code": "Salesperson",
    "supplier_code": "Supplier",
    "supplier_name": "Supplier name",
    "document_number": "Document",
    "invoice_date": "Date",
    "order_number": "Sales order",
    "code": "Code",
    "name": "Name",
    "abc_class": "Class",
    "share": "Share",
    "cumulative_share": "Cumulative share",
    "share_before": "Share before its block",
    "count_share": "Share of count",
    "value_share": "Share of value",
    "is_dead_stock": "Dead stock",
    "days_since_last_issue": "Days since last issue",
    "days_without_issue": "Days without issue",
    "last_issue_date": "Last issue",
    "issued_cost_12m": "Cost issued, last 12 months",
    "turnover": "Turnover (x a year)",
    "days_in_stock": "Days in stock",
    "on_time_pct": "On time %",
    "on_time_pct_last_year": "On time % last year",
    "avg_promised_lead_days": "Promised lead days",
    "avg_actual_lead_days": "Actual lead days",
    "lead_days_late": "Days later than promised",
    "returns_pct": "Returns %",
    "change_pct": "Change %",
}


def _format(kind: str, value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    if kind == "percent":
        return f"{value:,.1f} %"
    if kind == "times":
        return f"{value:,.2f}×"
    if kind == "count":
        return f"{value:,.0f}"
    return compact_amount(value)


def _exact(kind: str, value: float | None, currency: str) -> str:
    """A KPI figure in full, for the tooltip (an amount with its currency)."""
    if kind == "amount" and value is not None and not pd.isna(value):
        return format_amount(value, currency)
    return _format(kind, value)


def _delta(kind: str, value: float | None) -> str | None:
    if value is None or pd.isna(value):
        return None
    if kind == "percent":
        return f"{value:+,.1f} pt"
    if kind == "times":
        return f"{value:+,.2f}×"
    if kind == "count":
        return f"{value:+,.0f}"
    return compact_amount(value, sign=True)


def kpi_cards(wh: PublishedWarehouse, sel: Selection) -> None:
    rows = cached(wholesale.kpis)(wh, sel)
    through = f"{sel.fiscal_year}-{sel.period_through:02d}"
    rates = (
        f" Amounts in {sel.currency}: sales and cost at the rate of their day, stock and "
        "open orders at the rate of the month-end."
        if sel.in_group_currency
        else ""
    )
    compared = (
        f"Each card compares {sel.fiscal_year} with the same months of {sel.previous_year}"
        if sel.has_previous_year
        else f"The warehouse holds no {sel.previous_year}: the cards show {sel.fiscal_year} alone"
    )
    st.caption(
        f"{compared}: "
        f"revenue and margin from January through month {sel.period_through:02d}; stock value "
        f"at the end of that month; turnover over the 12 months up to it; open sales orders "
        f"and back orders as they stood at the end of that month (the current month: at the "
        f"last refresh's as-of date)." + rates
    )
    columns = [*st.columns(4), *st.columns(3)]
    help_text = {
        "revenue": f"Invoiced revenue less credit notes, {sel.currency}, through {through}.",
        "margin_pct": "Margin (revenue - cost of sales) / revenue; change in points.",
        "stock_value": f"Stock valuation at the end of {through}, {sel.currency}.",
        "turnover": "Cost of sales of the 12 months through the month / average stock value "
        "over those 12 month-ends: how many times a year the stock turns over.",
        "open_orders": f"Value still to deliver on sales orders open at the end of {through}, "
        f"{sel.currency}.",
        "back_order_lines": f"Order lines open at the end of {through} that were partly "
        "delivered or past their requested date by then.",
        "back_order_value": f"Open value of those back-order lines, {sel.currency}.",
    }
    kinds = {key: kind for key, _, kind in wholesale.KPIS}
    labels = {key: label for key, label, _ in wholesale.KPIS}
    for column, row in zip(columns, rows.itertuples(), strict=True):
        key = str(row.kpi)
        # Large amounts are compact on the card ("1.01 bn"): the exact ones in the tooltip.
        kind = kinds[key]
        exact = f" This year: {_exact(kind, row.this_year, sel.currency)}."  # type: ignore[arg-type]
        if sel.has_previous_year:
            before = f" Last year: {_exact(kind, row.last_year, sel.currency)}."  # type: ignore[arg-type]
        else:  # no year before this one in the warehouse: nothing to compare with
            before = f" The warehouse holds no {sel.previous_year} to compare with."
        column.metric(
            labels[key],
            _format(kinds[key], row.this_year),  # type: ignore[arg-type]
            delta=_delta(kinds[key], row.change) if sel.has_previous_year else None,  # type: ignore[arg-type]
            **delta_style(
                row.change if sel.has_previous_year else None,  # type: ignore[arg-type]
                "inverse" if key.startswith("back_order") else "normal",
            ),
            help=f"{help_text[key]}{exact}{before}",
            border=True,
        )


def _window_label(window: str, fiscal_year: int, period: int) -> str:
    through = f"{fiscal_year}-{period:02d}"
    if window == "rolling_12m":
        return f"12 months through {through}"
    return f"{fiscal_year} to date through {through}"


def _abc_choice(wh: PublishedWarehouse, sel: Selection) -> tuple[abc.AbcChoice, str] | None:
    """The ABC controls; the choice and the unit the values are in (None if invalid).

    The window ends with the sidebar's fiscal year and period ("Through period"): the 12
    months up to it, or the fiscal year to date.
    """
    divisions = cached(finance.divisions)(wh)
    chosen = divisions[divisions["division_id"].isin(sel.division_ids)]
    labels = {int(r.division_id): str(r.division_code) for r in chosen.itertuples()}
    # Divisions that sell items first, the largest on top; the others (no item sales) last.
    ranked = [d for d in cached(wholesale.divisions_by_sales)(wh) if d in labels]
    labels = {d: labels[d] for d in ranked + [d for d in labels if d not in ranked]}
    currencies = {int(r.division_id): str(r.currency_code) for r in chosen.itertuples()}

    left, middle, right = st.columns(3)
    subject = left.radio(
        "Classify",
        list(abc.SUBJECTS),
        format_func=abc.SUBJECTS.__getitem__,
        horizontal=True,
        key="abc_subject",
    )
    measure = middle.radio(
        "By",
        list(abc.MEASURES),
        format_func=abc.MEASURES.__getitem__,
        horizontal=True,
        key="abc_measure",
    )
    division = right.selectbox(
        "Division",
        list(labels),
        format_func=labels.__getitem__,
        key="abc_division",
        help="ABC classes are computed within one division, in its own currency.",
    )
    c1, c2, c3 = st.columns([2, 1, 1])
    # The labels name the year and period: a plain radio kept last year's on screen.
    window = sidebar.select_box(
        "Over",
        list(abc.WINDOWS),
        format_func=lambda w: _window_label(w, sel.fiscal_year, sel.period_through),
        widget=c1.radio,
        horizontal=True,
        key="abc_window",
        help="The period is the sidebar's fiscal year and 'Through period'.",
    )
    a = c2.number_input(
        "A: first % of the value",
        min_value=1,
        max_value=100,
        value=round(abc.DEFAULT_A * 100),
        step=5,
        key="abc_a",
    )
    b = c3.number_input(
        "B: next % of the value",
        min_value=0,
        max_value=99,
        value=round(abc.DEFAULT_B * 100),
        step=5,
        key="abc_b",
    )
    if division is None:
        return None
    if a + b > 100:
        st.error("A and B together cannot be more than 100 % of the value.")
        return None
    choice = abc.AbcChoice(
        division_ids=(int(division),),
        fiscal_year=sel.fiscal_year,
        period=sel.period_through,
        window=str(window),
        measure=str(measure),
        subject=str(subject),
        a=a / 100,
        b=b / 100,
    )
    unit = "units" if measure == "quantity" else currencies[int(division)]
    return choice, unit


def _select_into_drilldown(keys: list[int]) -> None:
    """A row picked in the class table becomes the drill-down subject."""
    picked = st.session_state[ABC_TABLE_KEY].selection.rows
    if picked:
        st.session_state[DRILL_KEY] = keys[picked[0]]


def abc_analysis(wh: PublishedWarehouse, sel: Selection) -> None:
    picked = _abc_choice(wh, sel)
    if picked is None:
        return
    choice, unit = picked
    classified = cached(abc.classify)(wh, choice)
    noun = "items" if choice.subject == "items" else "customers"
    what = abc.MEASURES[choice.measure].lower()
    period = _window_label(choice.window, choice.fiscal_year, choice.period)
    st.caption(
        f"{noun.capitalize()} by {what} ({unit}), {period}, highest first. A block of equal "
        f"values shares one class; a block is A while the share of all higher blocks is "
        f"below {choice.a:.0%}, B while below {choice.a + choice.b:.0%}, else C; zero or "
        "negative values are C."
    )
    if classified.empty:
        st.info(f"No sales in the {period} for this division.")
        return
    # What the downloads hold: the one division classified, its currency (or units).
    scope = replace(sel, division_ids=choice.division_ids, in_group_currency=False)
    held: dict[str, str | None] = {
        "Currency": unit if choice.measure != "quantity" else "none (quantities in units)",
        "Window": period,
        "Classes": f"A below {choice.a:.0%}, B below {choice.a + choice.b:.0%} of the value",
    }
    st.plotly_chart(
        charts.pareto(classified, choice.a, choice.b, abc.MEASURES[choice.measure], unit),
        key="abc_pareto",
    )
    summary = abc.class_summary(classified)
    st.markdown("**Classes**")
    report_table(
        summary,
        key="abc_summary",
        file_name=f"abc_{noun}_summary",
        title=f"ABC {noun} by {what}, {period}",
        labels={**LABELS, "value": f"{abc.MEASURES[choice.measure]} ({unit})"},
        selection=scope,
        filters=held,
    )
    show = st.radio("Show class", ["All", *abc.CLASSES], horizontal=True, key="abc_show_class")
    table = classified if show == "All" else classified[classified["abc_class"] == show]
    st.markdown(f"**ABC {noun}** — pick a row to see its sales documents")
    keys = [int(k) for k in table["key"]]
    extra = {"item_group_code": "Item group", "country": "Country"}
    report_table(
        table,
        key=ABC_TABLE_KEY,
        file_name=f"abc_{noun}",
        title=f"ABC {noun} by {what}, {period}",
        labels={**LABELS, **extra, "value": f"{abc.MEASURES[choice.measure]} ({unit})"},
        on_select=lambda: _select_into_drilldown(keys),
        hide=("division_id", "key", "window_start", "window_end"),
        selection=scope,
        filters={**held, "Show class": show},
    )
    documents(wh, choice, classified, unit, scope, held)


def documents(
    wh: PublishedWarehouse,
    choice: abc.AbcChoice,
    classified: pd.DataFrame,
    unit: str,
    scope: Selection | None = None,
    held: dict[str, str | None] | None = None,
) -> None:
    noun = "item" if choice.subject == "items" else "customer"
    st.subheader(f"Sales documents of one {noun}")
    options = {
        int(r.key): f"{r.code} · {r.name} (class {r.abc_class})" for r in classified.itertuples()
    }
    if st.session_state.get(DRILL_KEY) not in options:
        st.session_state.pop(DRILL_KEY, None)
    key = st.selectbox(
        noun.capitalize(),
        list(options),
        index=None,
        key=DRILL_KEY,
        format_func=options.__getitem__,
        placeholder=f"Pick an {noun} (or a row in the table above)",
    )
    if key is None:
        return
    division_id = int(choice.division_ids[0])
    lines = cached(abc.documents)(wh, choice, division_id, int(key))
    value = float(classified.loc[classified["key"] == key, "value"].iloc[0])
    column = {"revenue": "revenue", "margin": "margin", "quantity": "quantity"}[choice.measure]
    total = float(lines[column].sum()) if len(lines) else 0.0
    left, right = st.columns(2)
    left.metric(f"Classified value ({unit})", format_amount(value))
    right.metric(f"Total of {len(lines)} document lines ({unit})", format_amount(total))
    if abs(total - value) >= 0.005:
        st.error("The documents do not add up to the classified value; report this.")
    report_table(
        lines,
        key="abc_documents",
        file_name=f"sales_documents_{options[key].split(' · ')[0]}",
        title=f"Sales documents: {options[key]}",
        labels=LABELS,
        selection=scope,
        filters={**(held or {}), noun.capitalize(): options[key]},
    )


def stock(wh: PublishedWarehouse, sel: Selection) -> None:
    left, right = st.columns(2)
    dead_days = int(
        left.number_input(
            "Dead stock: no issue for more than (days)",
            min_value=1,
            max_value=3650,
            value=180,
            step=30,
            key="stock_dead_days",
        )
    )
    dead_only = right.toggle("Dead stock only", key="stock_dead_only")
    position = cached(wholesale.stock_position)(wh, sel, dead_only, dead_days)
    if position.empty:
        st.info("No stock on hand." if not dead_only else "No dead stock.")
        return
    dead = position[position["is_dead_stock"].astype(bool)]
    st.caption(
        f"As of the last refresh, in {sel.currency}. Dead stock (on hand and no issue for "
        f"more than {dead_days} days since the last one, or since the stock came in if it "
        f"was never issued): {format_amount(float(dead['stock_value'].sum()))} "
        f"in {len(dead)} item-warehouse positions; total shown "
        f"{format_amount(float(position['stock_value'].sum()))}."
    )
    st.plotly_chart(charts.stock_by_group(position, sel.currency), key="stock_chart")
    report_table(
        position,
        key="stock_position",
        file_name="dead_stock" if dead_only else "stock_position",
        title="Dead stock" if dead_only else "Stock position",
        labels={**LABELS, "stock_value": f"Stock value ({sel.currency})"},
    )


def suppliers(wh: PublishedWarehouse, sel: Selection) -> None:
    performance = cached(wholesale.supplier_performance)(wh, sel)
    st.caption(
        f"Purchase order lines of calendar year {sel.fiscal_year} per supplier: delivered on "
        "or before the promised date, promised vs actual lead time (days), and the share of "
        "received units returned"
        + (f"; on-time % of {sel.previous_year} alongside." if sel.has_previous_year else ".")
    )
    if performance.empty:
        st.info(f"No purchase orders in {sel.fiscal_year}.")
        return
    st.plotly_chart(charts.supplier_performance(performance), key="supplier_chart")
    report_table(
        performance,
        key="supplier_performance",
        file_name="supplier_performance",
        title=f"Supplier performance {sel.fiscal_year}",
        labels=LABELS,
        previous_year=sel.has_previous_year,
    )


def sales_comparison(wh: PublishedWarehouse, sel: Selection) -> None:
    dimension = st.radio(
        "Split by",
        list(wholesale.DIMENSIONS),
        format_func=wholesale.DIMENSIONS.__getitem__,
        horizontal=True,
        key="sales_dimension",
    )
    label = wholesale.DIMENSIONS[str(dimension)]
    df = cached(wholesale.sales_by)(wh, sel, str(dimension))
    st.caption(
        f"Revenue and margin in {sel.currency}, January through month "
        f"{sel.period_through:02d} of {sel.fiscal_year}"
        + (
            f" against the same months of {sel.previous_year}."
            if sel.has_previous_year
            else f"; the warehouse holds no {sel.previous_year} to compare with."
        )
    )
    st.plotly_chart(
        charts.sales_vs_last_year(
            df, str(dimension), label, sel.fiscal_year, sel.currency, sel.has_previous_year
        ),
        key="sales_chart",
    )
    report_table(
        df,
        key="sales_by_dimension",
        file_name=f"sales_by_{label.lower().replace(' ', '_')}",
        title=f"Sales by {label.lower()}",
        labels={
            **LABELS,
            str(dimension): label,
            "this_year": f"Revenue {sel.fiscal_year}",
            "last_year": f"Revenue {sel.previous_year}",
            "margin_this_year": f"Margin {sel.fiscal_year}",
            "margin_last_year": f"Margin {sel.previous_year}",
        },
        previous_year=sel.has_previous_year,
    )


def main() -> None:
    st.title("Wholesale")
    context = sidebar.insights_context()
    if context is None:
        return
    wh, sel = context
    missing = cached(wholesale.missing_marts)(wh)
    if not missing.empty:
        st.info(
            "The published warehouse has no wholesale marts yet ("
            + ", ".join(missing["name"])
            + "). Run `erp refresh` to publish a version that has them."
        )
        return
    st.caption(sel.currency_note)
    kpi_cards(wh, sel)
    abc_tab, stock_tab, supplier_tab, sales_tab = st.tabs(
        ["ABC analysis", "Stock", "Suppliers", "Sales vs last year"]
    )
    with abc_tab:
        abc_analysis(wh, sel)
    with stock_tab:
        stock(wh, sel)
    with supplier_tab:
        suppliers(wh, sel)
    with sales_tab:
        sales_comparison(wh, sel)


main()
