"""Wholesale Insights: KPIs vs last year, ABC analysis with drill-down, stock, suppliers."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

from dashboards import sidebar
from dashboards.amounts import (
    compact_amount,
    delta_style,
    format_amount,
    format_percent,
    format_quantity,
)
from dashboards.charts import wholesale as charts
from dashboards.language import N_, _, current_locale, ngettext
from dashboards.queries import abc, finance, wholesale
from dashboards.report_cache import cached
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

ABC_TABLE_KEY = "abc_table"
ALL = "All"  # the class filter's "no filter" value (shown translated)
DRILL_KEY = "abc_drill"
# Column headings: message ids, shown through labels().
LABELS = {
    "division_code": N_("Division"),
    "warehouse_code": N_("Warehouse"),
    "item_code": N_("Item"),
    "item_name": N_("Item name"),
    "item_group_code": N_("Item group"),
    "customer_code": N_("Customer"),
    "customer_name": N_("Customer name"),
    "salesperson_code": N_("Salesperson"),
    "supplier_code": N_("Supplier"),
    "supplier_name": N_("Supplier name"),
    "document_number": N_("Document"),
    "invoice_date": N_("Date"),
    "order_number": N_("Sales order"),
    "code": N_("Code"),
    "name": N_("Name"),
    "abc_class": N_("Class"),
    "share": N_("Share"),
    "cumulative_share": N_("Cumulative share"),
    "share_before": N_("Share before its block"),
    "count_share": N_("Share of count"),
    "value_share": N_("Share of value"),
    "is_dead_stock": N_("Dead stock"),
    "days_since_last_issue": N_("Days since last issue"),
    "days_without_issue": N_("Days without issue"),
    "last_issue_date": N_("Last issue"),
    "issued_cost_12m": N_("Cost issued, last 12 months"),
    "turnover": N_("Turnover (x a year)"),
    "days_in_stock": N_("Days in stock"),
    "on_time_pct": N_("On time %"),
    "on_time_pct_last_year": N_("On time % last year"),
    "avg_promised_lead_days": N_("Promised lead days"),
    "avg_actual_lead_days": N_("Actual lead days"),
    "lead_days_late": N_("Days later than promised"),
    "returns_pct": N_("Returns %"),
    "change_pct": N_("Change %"),
    "change": N_("Change"),
    "count": N_("Count"),
    "rank": N_("Rank"),
    "country": N_("Country"),
    "quantity": N_("Quantity"),
    "revenue": N_("Revenue"),
    "margin": N_("Margin"),
    "average_cost": N_("Average cost"),
    "order_lines": N_("Order lines"),
    "on_time_lines": N_("On time lines"),
    "quantity_received": N_("Quantity received"),
    "quantity_returned": N_("Quantity returned"),
}


def labels(**extra: str) -> dict[str, str]:
    """The column headings in the user's language, with ``extra`` ones (translated)."""
    return {**{column: _(label) for column, label in LABELS.items()}, **extra}


def _whole_share(value: float) -> str:
    """A threshold as a whole percentage: ``80%`` (``80 %`` in French)."""
    return babel_percent(value, locale=current_locale())


def _signed(value: float, decimals: int) -> str:
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=f"+{digits};-{digits}", locale=current_locale())


def _format(kind: str, value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    if kind == "percent":
        return format_percent(value)
    if kind == "times":
        return format_decimal(value, format="#,##0.00", locale=current_locale()) + "×"
    if kind == "count":
        return format_quantity(value)
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
        # Percentage points: "pt" in French, "ptn" (procentpunten) in Dutch.
        return _("{points} pt", points=_signed(value, 1))
    if kind == "times":
        return _signed(value, 2) + "×"
    if kind == "count":
        return _signed(value, 0)
    return compact_amount(value, sign=True)


def kpi_cards(wh: PublishedWarehouse, sel: Selection) -> None:
    rows = cached(wholesale.kpis)(wh, sel)
    through = f"{sel.fiscal_year}-{sel.period_through:02d}"
    month = f"{sel.period_through:02d}"
    if sel.has_previous_year:
        caption = _(
            "Each card compares {year} with the same months of {previous}: revenue and "
            "margin from January through month {month}; stock value at the end of that "
            "month; turnover over the 12 months up to it; open sales orders and back orders "
            "as they stood at the end of that month (the current month: at the last "
            "refresh's as-of date).",
            year=sel.fiscal_year,
            previous=sel.previous_year,
            month=month,
        )
    else:
        caption = _(
            "The warehouse holds no {previous}: the cards show {year} alone: revenue and "
            "margin from January through month {month}; stock value at the end of that "
            "month; turnover over the 12 months up to it; open sales orders and back orders "
            "as they stood at the end of that month (the current month: at the last "
            "refresh's as-of date).",
            year=sel.fiscal_year,
            previous=sel.previous_year,
            month=month,
        )
    if sel.in_group_currency:
        # A sentence of its own, after the caption's.
        caption += " " + _(
            "Amounts in {currency}: sales and cost at the rate of their day, stock and open "
            "orders at the rate of the month-end.",
            currency=sel.currency,
        )
    st.caption(caption)
    columns = [*st.columns(4), *st.columns(3)]
    currency = sel.currency
    help_text = {
        "revenue": _(
            "Invoiced revenue less credit notes, {currency}, through {through}.",
            currency=currency,
            through=through,
        ),
        "margin_pct": _("Margin (revenue - cost of sales) / revenue; change in points."),
        "stock_value": _(
            "Stock valuation at the end of {through}, {currency}.",
            currency=currency,
            through=through,
        ),
        "turnover": _(
            "Cost of sales of the 12 months through the month / average stock value over "
            "those 12 month-ends: how many times a year the stock turns over."
        ),
        "open_orders": _(
            "Value still to deliver on sales orders open at the end of {through}, {currency}.",
            currency=currency,
            through=through,
        ),
        "back_order_lines": _(
            "Order lines open at the end of {through} that were partly delivered or past "
            "their requested date by then.",
            through=through,
        ),
        "back_order_value": _(
            "Open value of those back-order lines, {currency}.", currency=currency
        ),
    }
    kinds = {key: kind for key, _label, kind in wholesale.KPIS}
    names = {key: label for key, label, _kind in wholesale.KPIS}
    for column, row in zip(columns, rows.itertuples(), strict=True):
        key = str(row.kpi)
        # Large amounts are compact on the card ("1.01 bn"): the exact ones in the tooltip.
        kind = kinds[key]
        exact = _("This year: {value}.", value=_exact(kind, row.this_year, currency))  # type: ignore[arg-type]
        if sel.has_previous_year:
            before = _("Last year: {value}.", value=_exact(kind, row.last_year, currency))  # type: ignore[arg-type]
        else:  # no year before this one in the warehouse: nothing to compare with
            before = _(
                "The warehouse holds no {previous} to compare with.", previous=sel.previous_year
            )
        column.metric(
            _(names[key]),
            _format(kinds[key], row.this_year),  # type: ignore[arg-type]
            delta=_delta(kinds[key], row.change) if sel.has_previous_year else None,  # type: ignore[arg-type]
            **delta_style(
                row.change if sel.has_previous_year else None,  # type: ignore[arg-type]
                "inverse" if key.startswith("back_order") else "normal",
            ),
            help=" ".join((help_text[key], exact, before)),  # sentences, each translated
            border=True,
        )


def _window_label(window: str, fiscal_year: int, period: int) -> str:
    through = f"{fiscal_year}-{period:02d}"
    if window == "rolling_12m":
        return _("12 months through {through}", through=through)
    return _("{year} to date through {through}", year=fiscal_year, through=through)


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
        _("Classify"),
        list(abc.SUBJECTS),
        format_func=lambda s: _(abc.SUBJECTS[s]),
        horizontal=True,
        key="abc_subject",
    )
    measure = middle.radio(
        _("By"),
        list(abc.MEASURES),
        format_func=lambda m: _(abc.MEASURES[m]),
        horizontal=True,
        key="abc_measure",
    )
    division = right.selectbox(
        _("Division"),
        list(labels),
        format_func=labels.__getitem__,
        key="abc_division",
        help=_("ABC classes are computed within one division, in its own currency."),
    )
    c1, c2, c3 = st.columns([2, 1, 1])
    # The labels name the year and period: a plain radio kept last year's on screen.
    window = sidebar.select_box(
        _("Over"),
        list(abc.WINDOWS),
        format_func=lambda w: _window_label(w, sel.fiscal_year, sel.period_through),
        widget=c1.radio,
        horizontal=True,
        key="abc_window",
        help=_("The period is the sidebar's fiscal year and 'Through period'."),
    )
    a = c2.number_input(
        _("A: the first part of the value (%)"),
        min_value=1,
        max_value=100,
        value=round(abc.DEFAULT_A * 100),
        step=5,
        key="abc_a",
    )
    b = c3.number_input(
        _("B: the next part of the value (%)"),
        min_value=0,
        max_value=99,
        value=round(abc.DEFAULT_B * 100),
        step=5,
        key="abc_b",
    )
    if division is None:
        return None
    if a + b > 100:
        st.error(_("A and B together cannot be more than 100 % (the whole value)."))
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
    unit = _("units") if measure == "quantity" else currencies[int(division)]
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
    noun = "items" if choice.subject == "items" else "customers"  # file names: English
    measure = _(abc.MEASURES[choice.measure])
    what = measure.lower()
    period = _window_label(choice.window, choice.fiscal_year, choice.period)
    a, ab = _whole_share(choice.a), _whole_share(choice.a + choice.b)
    rule = {"unit": unit, "period": period, "a": a, "ab": ab, "measure": what}
    if choice.subject == "items":
        caption = _(
            "Items by {measure} ({unit}), {period}, highest first. A block of equal values "
            "shares one class; a block is A while the share of all higher blocks is below "
            "{a}, B while below {ab}, else C; zero or negative values are C.",
            **rule,
        )
        title = _("ABC items by {measure}, {period}", measure=what, period=period)
        heading = _("**ABC items** — pick a row to see its sales documents")
    else:
        caption = _(
            "Customers by {measure} ({unit}), {period}, highest first. A block of equal values "
            "shares one class; a block is A while the share of all higher blocks is below "
            "{a}, B while below {ab}, else C; zero or negative values are C.",
            **rule,
        )
        title = _("ABC customers by {measure}, {period}", measure=what, period=period)
        heading = _("**ABC customers** — pick a row to see its sales documents")
    st.caption(caption)
    if classified.empty:
        st.info(_("No sales in the {period} for this division.", period=period))
        return
    # What the downloads hold: the one division classified, its currency (or units).
    scope = replace(sel, division_ids=choice.division_ids, in_group_currency=False)
    held: dict[str, str | None] = {
        _("Currency"): unit if choice.measure != "quantity" else _("none (quantities in units)"),
        _("Window"): period,
        _("Classes"): _("A below {a}, B below {ab} of the value", a=a, ab=ab),
    }
    st.plotly_chart(
        charts.pareto(classified, choice.a, choice.b, measure, unit),
        key="abc_pareto",
    )
    summary = abc.class_summary(classified)
    st.markdown(_("**Classes**"))
    value_heading = _("{measure} ({unit})", measure=measure, unit=unit)
    report_table(
        summary,
        key="abc_summary",
        file_name=f"abc_{noun}_summary",
        title=title,
        labels=labels(value=value_heading),
        selection=scope,
        filters=held,
    )
    show = st.radio(
        _("Show class"),
        [ALL, *abc.CLASSES],
        format_func=lambda c: _("All") if c == ALL else c,
        horizontal=True,
        key="abc_show_class",
    )
    table = classified if show == ALL else classified[classified["abc_class"] == show]
    st.markdown(heading)
    keys = [int(k) for k in table["key"]]
    report_table(
        table,
        key=ABC_TABLE_KEY,
        file_name=f"abc_{noun}",
        title=title,
        labels=labels(value=value_heading),
        on_select=lambda: _select_into_drilldown(keys),
        hide=("division_id", "key", "window_start", "window_end"),
        selection=scope,
        filters={**held, _("Show class"): _("All") if show == ALL else show},
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
    if choice.subject == "items":
        noun = _("Item")
        st.subheader(_("Sales documents of one item"))
        placeholder = _("Pick an item (or a row in the table above)")
    else:
        noun = _("Customer")
        st.subheader(_("Sales documents of one customer"))
        placeholder = _("Pick a customer (or a row in the table above)")
    options = {
        int(r.key): _(
            "{code} · {name} (class {abc_class})", code=r.code, name=r.name, abc_class=r.abc_class
        )
        for r in classified.itertuples()
    }
    codes = {int(r.key): str(r.code) for r in classified.itertuples()}
    if st.session_state.get(DRILL_KEY) not in options:
        st.session_state.pop(DRILL_KEY, None)
    key = st.selectbox(
        noun,
        list(options),
        index=None,
        key=DRILL_KEY,
        format_func=options.__getitem__,
        placeholder=placeholder,
    )
    if key is None:
        return
    division_id = int(choice.division_ids[0])
    lines = cached(abc.documents)(wh, choice, division_id, int(key))
    value = float(classified.loc[classified["key"] == key, "value"].iloc[0])
    column = {"revenue": "revenue", "margin": "margin", "quantity": "quantity"}[choice.measure]
    total = float(lines[column].sum()) if len(lines) else 0.0
    left, right = st.columns(2)
    left.metric(_("Classified value ({unit})", unit=unit), format_amount(value))
    right.metric(
        ngettext(
            "Total of {n} document line ({unit})",
            "Total of {n} document lines ({unit})",
            len(lines),
            unit=unit,
        ),
        format_amount(total),
    )
    if abs(total - value) >= 0.005:
        st.error(_("The documents do not add up to the classified value; report this."))
    report_table(
        lines,
        key="abc_documents",
        file_name=f"sales_documents_{codes[int(key)]}",
        title=_("Sales documents: {subject}", subject=options[key]),
        labels=labels(),
        selection=scope,
        filters={**(held or {}), noun: options[key]},
    )


def stock(wh: PublishedWarehouse, sel: Selection) -> None:
    left, right = st.columns(2)
    dead_days = int(
        left.number_input(
            _("Dead stock: no issue for more than (days)"),
            min_value=1,
            max_value=3650,
            value=180,
            step=30,
            key="stock_dead_days",
        )
    )
    dead_only = right.toggle(_("Dead stock only"), key="stock_dead_only")
    position = cached(wholesale.stock_position)(wh, sel, dead_only, dead_days)
    if position.empty:
        st.info(_("No stock on hand.") if not dead_only else _("No dead stock."))
        return
    dead = position[position["is_dead_stock"].astype(bool)]
    st.caption(
        _(
            "As of the last refresh, in {currency}. Dead stock (on hand and no issue for more "
            "than {days} days since the last one, or since the stock came in if it was never "
            "issued): {dead_value} in {positions} item-warehouse positions; total shown "
            "{total}.",
            currency=sel.currency,
            days=format_quantity(dead_days),
            dead_value=format_amount(float(dead["stock_value"].sum())),
            positions=format_quantity(len(dead)),
            total=format_amount(float(position["stock_value"].sum())),
        )
    )
    st.plotly_chart(charts.stock_by_group(position, sel.currency), key="stock_chart")
    report_table(
        position,
        key="stock_position",
        file_name="dead_stock" if dead_only else "stock_position",
        title=_("Dead stock") if dead_only else _("Stock position"),
        labels=labels(stock_value=_("Stock value ({currency})", currency=sel.currency)),
    )


def suppliers(wh: PublishedWarehouse, sel: Selection) -> None:
    performance = cached(wholesale.supplier_performance)(wh, sel)
    if sel.has_previous_year:
        caption = _(
            "Purchase order lines of calendar year {year} per supplier: delivered on or before "
            "the promised date, promised vs actual lead time (days), and the share of received "
            "units returned; the on-time share (%) of {previous} alongside.",
            year=sel.fiscal_year,
            previous=sel.previous_year,
        )
    else:
        caption = _(
            "Purchase order lines of calendar year {year} per supplier: delivered on or before "
            "the promised date, promised vs actual lead time (days), and the share of received "
            "units returned.",
            year=sel.fiscal_year,
        )
    st.caption(caption)
    if performance.empty:
        st.info(_("No purchase orders in {year}.", year=sel.fiscal_year))
        return
    st.plotly_chart(charts.supplier_performance(performance), key="supplier_chart")
    report_table(
        performance,
        key="supplier_performance",
        file_name="supplier_performance",
        title=_("Supplier performance {year}", year=sel.fiscal_year),
        labels=labels(),
        previous_year=sel.has_previous_year,
    )


def sales_comparison(wh: PublishedWarehouse, sel: Selection) -> None:
    dimension = st.radio(
        _("Split by"),
        list(wholesale.DIMENSIONS),
        format_func=lambda d: _(wholesale.DIMENSIONS[d]),
        horizontal=True,
        key="sales_dimension",
    )
    english = wholesale.DIMENSIONS[str(dimension)]  # the file name stays English
    label = _(english)
    df = cached(wholesale.sales_by)(wh, sel, str(dimension))
    facts = {
        "currency": sel.currency,
        "month": f"{sel.period_through:02d}",
        "year": sel.fiscal_year,
        "previous": sel.previous_year,
    }
    if sel.has_previous_year:
        caption = _(
            "Revenue and margin in {currency}, January through month {month} of {year} "
            "against the same months of {previous}.",
            **facts,
        )
    else:
        caption = _(
            "Revenue and margin in {currency}, January through month {month} of {year}; the "
            "warehouse holds no {previous} to compare with.",
            **facts,
        )
    st.caption(caption)
    st.plotly_chart(
        charts.sales_vs_last_year(
            df, str(dimension), label, sel.fiscal_year, sel.currency, sel.has_previous_year
        ),
        key="sales_chart",
    )
    report_table(
        df,
        key="sales_by_dimension",
        file_name=f"sales_by_{english.lower().replace(' ', '_')}",
        title=_("Sales by {dimension}", dimension=label.lower()),
        labels=labels(
            **{str(dimension): label},
            this_year=_("Revenue {year}", year=sel.fiscal_year),
            last_year=_("Revenue {year}", year=sel.previous_year),
            margin_this_year=_("Margin {year}", year=sel.fiscal_year),
            margin_last_year=_("Margin {year}", year=sel.previous_year),
        ),
        previous_year=sel.has_previous_year,
    )


def main() -> None:
    st.title(_("Wholesale"))
    context = sidebar.insights_context()
    if context is None:
        return
    wh, sel = context
    missing = cached(wholesale.missing_marts)(wh)
    if not missing.empty:
        st.info(
            _(
                "The published warehouse has no wholesale marts yet ({marts}). Run `erp "
                "refresh` to publish a version that has them.",
                marts=", ".join(missing["name"]),
            )
        )
        return
    st.caption(sel.currency_note)
    kpi_cards(wh, sel)
    abc_tab, stock_tab, supplier_tab, sales_tab = st.tabs(
        [_("ABC analysis"), _("Stock"), _("Suppliers"), _("Sales vs last year")]
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
