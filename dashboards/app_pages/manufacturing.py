"""Manufacturing Insights: KPIs against last year, cost variances, material loss, lead
times, WIP against the ledger, capacity load with the what-if, and MRP advice with its
pegging (docs/manufacturing.md sections 8 and 9).

One manufacturing division at a time (the marts hold money in its own currency), among
the sidebar's divisions that manufacture. Every figure drills down to the rows behind it,
every table downloads. Two actions write back, for users with the right ``manufacture``:
saving a capacity plan (``reschedule_orders``) and turning MRP advice into orders
(``convert_advice``), both through :mod:`dashboards.writeback.manufacturing_posting`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from dashboards import drill_down, sidebar, signed_in
from dashboards.amounts import (
    compact_amount,
    delta_style,
    format_amount,
    format_day,
    format_percent,
)
from dashboards.charts import layout
from dashboards.charts import manufacturing as charts
from dashboards.forms.form_feedback import FieldErrors
from dashboards.forms.submit import attempt
from dashboards.language import N_, _, current_locale, date_input_format, ngettext
from dashboards.queries import manufacturing as q
from dashboards.report_cache import cached
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse
from dashboards.writeback import manufacturing_posting as writeback

DIVISION_KEY = "mfg_division"
VARIANCE_BY_KEY = "mfg_variance_by"
VARIANCE_TABLE_KEY = "mfg_variances"
VARIANCE_DRILL_KEY = "mfg_variance_drill"
ORDER_DRILL_KEY = "mfg_order_drill"
LOSS_TABLE_KEY = "mfg_material_loss"
LOSS_DRILL_KEY = "mfg_loss_drill"
LEAD_TABLE_KEY = "mfg_lead_times"
WORK_CENTRE_KEY = "mfg_work_centre"
WHATIF_KEY = "mfg_whatif"
ADVICE_TABLE_KEY = "mfg_mrp_advice"
ADVICE_DRILL_KEY = "mfg_advice_drill"
CONVERT_KEY = "mfg_convert"
SAVED_KEY = "mfg_saved"

LABELS = {
    "cost_type": N_("Cost type"),
    "item_code": N_("Item"),
    "item_name": N_("Item name"),
    "orders": N_("Orders"),
    "standard_cost": N_("Standard"),
    "actual_cost": N_("Actual"),
    "variance": N_("Variance"),
    "variance_pct": N_("Variance %"),
    "variance_posted": N_("Variance posted"),
    "order_number": N_("Production order"),
    "closed_on": N_("Closed"),
    "quantity_completed": N_("Completed"),
    "transaction_date": N_("Date"),
    "kind": N_("Movement"),
    "component_code": N_("Component"),
    "component_name": N_("Component name"),
    "work_centre_code": N_("Work centre"),
    "quantity": N_("Quantity"),
    "hours": N_("Hours"),
    "value": N_("Value"),
    "standard_quantity": N_("Standard quantity"),
    "issued_quantity": N_("Issued"),
    "loss_quantity": N_("Loss"),
    "planned_value": N_("Planned value"),
    "loss_value": N_("Loss value"),
    "loss_pct": N_("Loss %"),
    "scrap_pct": N_("Planned scrap %"),
    "start_date": N_("Start"),
    "due_date": N_("Due"),
    "released_on": N_("Released"),
    "completed_on": N_("Completed on"),
    "planned_days": N_("Planned days"),
    "actual_days": N_("Actual days"),
    "days_late": N_("Days late"),
    "period_end": N_("Period end"),
    "wip_transactions": N_("WIP from transactions"),
    "wip_ledger": N_("WIP account"),
    "difference": N_("Difference"),
    "week_start": N_("Week"),
    "load_hours": N_("Load (hours)"),
    "available_hours": N_("Available (hours)"),
    "utilisation_pct": N_("Utilisation %"),
    "whatif_hours": N_("Load in the what-if (hours)"),
    "whatif_utilisation_pct": N_("Utilisation in the what-if %"),
    "action": N_("Action"),
    "order_date": N_("Order by"),
    "is_late": N_("Late"),
    "status": N_("Status"),
    "root_demands": N_("For"),
    "supplier_name": N_("Supplier"),
    "open_orders": N_("Open orders"),
    "demand_document_number": N_("Document"),
    "demand_item_code": N_("Item needing it"),
    "root_document_number": N_("Root document"),
    "demand_type": N_("Demand"),
    "demand_date": N_("Needed on"),
    "root_type": N_("At the top"),
    "sales_order_number": N_("Sales order"),
    "customer_code": N_("Customer"),
    "customer_name": N_("Customer name"),
}
COST_TYPES = {
    "material": N_("material"),
    "labour": N_("labour"),
    "machine": N_("machine"),
    "outsourced": N_("outsourced"),
    "overhead": N_("overhead"),
}
KINDS = {
    "material_issue": N_("material issue"),
    "material_return": N_("material return"),
    "labour": N_("labour hours"),
    "machine": N_("machine hours"),
    "outsourced": N_("outsourced work"),
    "overhead": N_("overhead absorbed"),
    "completion": N_("completion"),
    "variance": N_("variance at close"),
}
ACTIONS = {"buy": N_("buy"), "make": N_("make")}
# An advice's status, and a production order's (the what-if grid, the order tables).
STATUSES = {
    "open": N_("open"),
    "converted": N_("converted"),
    "planned": N_("planned"),
    "released": N_("released"),
    "completed": N_("completed"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled"),
}
DEMAND_TYPES = {
    "sales_order": N_("sales order"),
    "sales_plan": N_("sales plan"),
    "production_order": N_("production order"),
    "planned_order": N_("planned order"),
}
VARIANCE_BY = {"cost_type": N_("Cost type"), "item": N_("Item")}


def labels(**more: str) -> dict[str, str]:
    return {**{k: _(v) for k, v in LABELS.items()}, **more}


def _translated(mapping: dict[str, str]) -> dict[str, str]:
    return {k: _(v) for k, v in mapping.items()}


def _values() -> dict[str, dict[str, str]]:
    """Coded values of every table as the user reads them."""
    return {
        "cost_type": _translated(COST_TYPES),
        "kind": _translated(KINDS),
        "action": _translated(ACTIONS),
        "status": _translated(STATUSES),
        "demand_type": _translated(DEMAND_TYPES),
        "root_type": _translated(DEMAND_TYPES),
    }


class Page:
    """The manufacturing division shown, through the sidebar's month, and what every
    table's workbook says it holds."""

    def __init__(self, wh: PublishedWarehouse, sel: Selection, row: Any) -> None:
        self.wh = wh
        self.division_id = int(row.division_id)
        self.code = str(row.division_code)
        self.currency = str(row.currency_code)
        self.scope = q.Scope(self.division_id, sel.fiscal_year, sel.period_through)
        # The workbooks say: this one division, in its own currency.
        self.selection = replace(
            sel, division_ids=(self.division_id,), currency=self.currency, in_group_currency=False
        )
        self.has_previous_year = sel.has_previous_year
        # "November 2026": the sidebar's month by its name in the user's language.
        self.through = f"{layout.month(sel.period_through, width='wide')} {sel.fiscal_year}"

    def table(self, df: pd.DataFrame, **kwargs: Any) -> None:
        """A report table of this page: its labels, values and workbook header."""
        kwargs.setdefault("labels", labels())
        # The workbook names the month too, not the bare period number.
        kwargs["filters"] = {_("Through period"): self.through, **(kwargs.get("filters") or {})}
        report_table(
            df,
            values=_values(),
            selection=self.selection,
            previous_year=self.has_previous_year,
            **kwargs,
        )

    def rows(
        self, query: Callable[..., pd.DataFrame], *args: Any, none: str
    ) -> pd.DataFrame | None:
        """A tab's rows: ``query(warehouse, *args)``, or None when it finds none (the tab
        then says ``none`` instead of showing empty figures)."""
        df = cached(query)(self.wh, *args)
        if df.empty:
            st.info(none)
            return None
        return df

    def drill_table(
        self,
        df: pd.DataFrame,
        *,
        key: str,
        row_keys: list[Any],
        subjects: dict[Any, str],
        drill: str,
        pick: str,
        placeholder: str | None = None,
        **kwargs: Any,
    ) -> Any | None:
        """A table whose rows drill down, and the box below it holding the subject picked
        (a row of the table, or picked in the box): that subject, or None.

        ``row_keys`` is each row's subject in the table's order, ``subjects`` names them in the
        box, whose session key is ``drill`` and label ``pick``.
        """
        self.table(df, key=key, on_select=drill_down.on_row_picked(key, drill, row_keys), **kwargs)
        return drill_down.pick_subject(
            pick,
            subjects,
            key=drill,
            placeholder=placeholder or _("Pick a row above, or here"),
        )


def _pick_division(wh: PublishedWarehouse, sel: Selection) -> Any | None:
    found = cached(q.divisions)(wh)
    rows = {int(r.division_id): r for r in found.itertuples() if r.division_id in sel.division_ids}
    if not rows:
        # ``found`` is already limited to the user's divisions by the warehouse connection:
        # name the ones that make something, else say none of theirs does.
        if found.empty:
            st.info(
                _(
                    "None of your divisions manufactures: the warehouse holds no work centres "
                    "or production orders for them."
                )
            )
        else:
            st.info(
                _(
                    "None of the divisions picked in the sidebar manufactures. Pick {divisions} "
                    "in the sidebar to see its production.",
                    divisions=", ".join(str(code) for code in found["division_code"]),
                )
            )
        return None
    division_id = sidebar.select_box(
        _("Manufacturing division"),
        list(rows),
        key=DIVISION_KEY,
        format_func=lambda d: (
            f"{rows[d].division_code} · {rows[d].division_name} ({rows[d].currency_code})"
        ),
        help=_("Production figures are shown per division, in its own currency."),
    )
    return rows[int(division_id)]


def _points(value: float) -> str:
    text = format_decimal(value, format="+#,##0.0;-#,##0.0", locale=current_locale())
    return _("{points} pt", points=text)


def kpi_cards(page: Page) -> None:
    rows = cached(q.kpis)(page.wh, page.scope)
    through = page.through
    st.caption(
        _(
            "Each card compares {year} with the same months of {previous}, from January "
            "through {month}: output at standard cost, the cost variance of the orders "
            "closed, their material loss, the orders completed on time; work in progress at "
            "the end of the month. Amounts in {currency}.",
            year=page.scope.year,
            previous=page.scope.year - 1,
            month=page.through,
            currency=page.currency,
        )
    )
    help_text = {
        "output_value": _(
            "Completed output at its standard cost, through {through}.", through=through
        ),
        "cost_variance": _(
            "Actual minus standard cost of the orders closed through {through}: above zero "
            "costs more than planned.",
            through=through,
        ),
        "material_loss_pct": _(
            "Value of the components issued above plan, as a share of their planned value, "
            "on the orders closed through {through}.",
            through=through,
        ),
        "on_time_pct": _(
            "Orders completed through {through} on or before their due date.", through=through
        ),
        "wip": _("Work in progress at the end of {through}.", through=through),
    }
    inverse = {"cost_variance", "material_loss_pct"}
    names = {key: label for key, label, _kind in q.KPIS}
    kinds = {key: kind for key, _label, kind in q.KPIS}
    for column, row in zip(st.columns(len(rows)), rows.itertuples(), strict=True):
        key = str(row.kpi)
        value = None if pd.isna(row.this_year) else float(row.this_year)  # type: ignore[arg-type]
        change = None
        if page.has_previous_year and not pd.isna(row.change):
            change = float(row.change)  # type: ignore[arg-type]
        if kinds[key] == "percent":
            shown = format_percent(value) if value is not None else "–"
            delta = _points(change) if change is not None else None
            exact = shown
        else:
            shown = compact_amount(value)
            delta = compact_amount(change, sign=True) if change is not None else None
            exact = format_amount(value, page.currency)
        column.metric(
            _(names[key]),
            shown,
            delta=delta,
            **delta_style(change, "inverse" if key in inverse else "normal"),
            help=" ".join((help_text[key], _("This year: {value}.", value=exact))),
            border=True,
        )


def variances(page: Page) -> None:
    st.caption(
        _(
            "Orders closed from January through {month}: the standard cost of what they "
            "completed, what they actually cost, and the variance (actual - standard) posted "
            "at close. Pick a row to see the orders behind it.",
            month=page.through,
        )
    )
    by = st.radio(
        _("By"),
        list(VARIANCE_BY),
        format_func=lambda b: _(VARIANCE_BY[b]),
        horizontal=True,
        key=VARIANCE_BY_KEY,
    )
    df = page.rows(
        q.variances_by,
        page.scope,
        str(by),
        none=_("No production order was closed in this period."),
    )
    if df is None:
        return
    if by == "cost_type":
        keys: list[Any] = [str(c) for c in df["cost_type"]]
        names = _translated(COST_TYPES)
        st.plotly_chart(
            charts.variance_by(df, "cost_type", names, page.currency, _("Variance by cost type")),
            key="mfg_variance_chart",
        )
        shown = df
    else:
        keys = [int(i) for i in df["item_id"]]
        st.plotly_chart(
            charts.variance_by(
                df.head(20), "item_code", {}, page.currency, _("Variance by item (largest 20)")
            ),
            key="mfg_variance_chart",
        )
        shown = df.drop(columns="item_id")
    options = {k: str(r) for k, r in zip(keys, _variance_names(df, str(by)), strict=True)}
    picked = page.drill_table(
        shown,
        key=VARIANCE_TABLE_KEY,
        file_name=f"production_variances_by_{by}",
        title=_("Cost variances by {by}", by=_(VARIANCE_BY[str(by)]).lower()),
        filters={_("By"): _(VARIANCE_BY[str(by)])},
        row_keys=keys,
        subjects=options,
        drill=f"{VARIANCE_DRILL_KEY}_{by}",
        pick=_("Orders behind"),
    )
    if picked is None:
        return
    cost_type = str(picked) if by == "cost_type" else None
    item_id = int(picked) if by == "item" else None
    orders = cached(q.variance_orders)(page.wh, page.scope, cost_type, item_id)
    total = float(orders["variance"].sum()) if len(orders) else 0.0
    figure = float(df.loc[[k == picked for k in keys], "variance"].iloc[0])
    st.markdown(
        _(
            "**Orders behind {subject}**: variance {total} against {figure} in the table.",
            subject=options[picked],
            total=format_amount(total, page.currency),
            figure=format_amount(figure, page.currency),
        )
    )
    if abs(total - figure) >= 0.005:
        st.error(_("The orders do not add up to the figure; report this to the analysts."))
    production_orders(
        page,
        orders,
        "variance",
        key="mfg_variance_orders",
        file_name="production_variance_orders",
        title=_("Orders behind a variance"),
        filters={_("By"): _(VARIANCE_BY[str(by)]), _("Figure"): options[picked]},
    )


def _variance_names(df: pd.DataFrame, by: str) -> list[str]:
    if by == "cost_type":
        names = _translated(COST_TYPES)
        return [names.get(str(c), str(c)) for c in df["cost_type"]]
    return [f"{r.item_code} · {r.item_name}" for r in df.itertuples()]


def production_orders(page: Page, orders: pd.DataFrame, where: str, **table: Any) -> None:
    """A table of production orders (``order_id``, ``order_number``, ...) in the tab
    ``where``, and the movements into and out of work in progress of the order picked."""
    ids = [int(i) for i in orders["order_id"]]
    numbers = {i: str(n) for i, n in zip(ids, orders["order_number"], strict=True)}
    order_id = page.drill_table(
        orders.drop(columns="order_id"),
        row_keys=ids,
        subjects=numbers,
        drill=f"{ORDER_DRILL_KEY}_{where}",
        pick=_("Movements of production order"),
        placeholder=_("Pick an order above, or here"),
        **table,
    )
    if order_id is None:
        return
    rows = cached(q.order_transactions)(page.wh, page.division_id, int(order_id))
    st.markdown(
        _(
            "**{order}**: every movement into (+) and out of (-) its work in progress; "
            "after close they add up to {total}.",
            order=numbers[order_id],
            total=format_amount(float(rows["value"].sum()) if len(rows) else 0.0, page.currency),
        )
    )
    page.table(
        rows,
        key=f"mfg_order_transactions_{where}",
        file_name=f"production_transactions_{numbers[order_id]}",
        title=_("Production transactions: {order}", order=numbers[order_id]),
        filters={_("Production order"): numbers[order_id]},
    )


def material_loss(page: Page) -> None:
    st.caption(
        _(
            "Components of the orders closed from January through {month}: planned "
            "(scrap included) against issued; the loss is what was issued above plan (a "
            "negative loss: less than planned), valued at the planned unit cost.",
            month=page.through,
        )
    )
    df = page.rows(
        q.material_loss, page.scope, none=_("No production order was closed in this period.")
    )
    if df is None:
        return
    st.plotly_chart(charts.material_loss(df.head(20), page.currency), key="mfg_loss_chart")
    options = {
        int(r.component_id): f"{r.component_code} · {r.component_name}" for r in df.itertuples()
    }
    picked = page.drill_table(
        df.drop(columns="component_id"),
        key=LOSS_TABLE_KEY,
        file_name="material_loss",
        title=_("Material loss by component"),
        row_keys=[int(i) for i in df["component_id"]],
        subjects=options,
        drill=LOSS_DRILL_KEY,
        pick=_("Orders behind the loss of"),
    )
    if picked is None:
        return
    page.table(
        cached(q.material_loss_orders)(page.wh, page.scope, int(picked)).drop(columns="order_id"),
        key="mfg_loss_orders",
        file_name="material_loss_orders",
        title=_("Orders behind a material loss"),
        filters={_("Component"): options[int(picked)]},
    )


def lead_times(page: Page) -> None:
    st.caption(
        _(
            "Orders completed from January through {month}: planned days (start to "
            "due), actual days (release to the last completion) and days late (after the due "
            "date). Pick an order to see its movements.",
            month=page.through,
        )
    )
    df = page.rows(
        q.lead_times, page.scope, none=_("No production order was completed in this period.")
    )
    if df is None:
        return
    late = int((df["days_late"] > 0).sum())
    st.markdown(
        ngettext(
            "{n} order completed, {late} of them late.",
            "{n} orders completed, {late} of them late.",
            len(df),
            late=late,
        )
    )
    st.plotly_chart(charts.lead_times(df), key="mfg_lead_chart")
    production_orders(
        page,
        df,
        "lead",
        key=LEAD_TABLE_KEY,
        file_name="production_lead_times",
        title=_("Production lead times"),
    )


def wip(page: Page) -> None:
    st.caption(
        _(
            "Work in progress at each period end of {year}: the sum of the production "
            "transactions against the balance of the WIP account in the ledger. The refresh "
            "refuses to publish when they differ.",
            year=page.scope.year,
        )
    )
    df = page.rows(q.wip_position, page.scope, none=_("No work in progress in this period."))
    if df is None:
        return
    differs = df[df["difference"].abs() >= 0.005]
    if len(differs):
        st.error(
            _(
                "Work in progress differs from the WIP account at {dates}; report this to the "
                "analysts.",
                dates=", ".join(format_day(d) for d in differs["period_end"]),
            )
        )
    else:
        st.success(
            _("Work in progress agrees with the WIP account at every period end."),
            icon=":material/check_circle:",
        )
    st.plotly_chart(charts.wip_against_ledger(df, page.currency), key="mfg_wip_chart")
    page.table(
        df,
        key="mfg_wip_position",
        file_name="wip_position",
        title=_("Work in progress against the ledger"),
    )


def capacity(page: Page) -> None:
    centres = cached(q.work_centres)(page.wh, page.division_id)
    load = cached(q.capacity_load)(page.wh, page.division_id)
    if centres.empty or load.empty:
        st.info(_("No planned or released order loads a work centre."))
        return
    names = {
        int(r.work_centre_id): f"{r.work_centre_code} · {r.work_centre_name}"
        for r in centres.itertuples()
    }
    loaded = [w for w in names if w in set(load["work_centre_id"])]
    centre = sidebar.select_box(
        _("Work centre"),
        loaded,
        key=WORK_CENTRE_KEY,
        format_func=names.__getitem__,
    )
    st.caption(
        _(
            "The remaining hours of the operations of planned and released orders, spread "
            "over the working days from each order's start to its due date, against the "
            "hours the work centre has each week. Move orders by weeks or resize them below: "
            "the what-if load is shown beside the current one, nothing is saved until you "
            "save the plan."
        )
    )
    weeks = cached(q.capacity_order_weeks)(page.wh, page.division_id)
    plan = _whatif_grid(weeks, int(centre))
    changes = writeback.plan_changes(plan)
    scenario = None
    if changes:
        scenario = writeback.whatif_load(weeks, load, changes)
    current = load[load["work_centre_id"] == centre]
    new = None if scenario is None else scenario[scenario["work_centre_id"] == centre]
    st.plotly_chart(
        charts.capacity_load(current, new, names[int(centre)]), key="mfg_capacity_chart"
    )
    table = current.drop(columns=["work_centre_id"])
    if new is not None:
        table = table.merge(
            new[["week_start", "load_hours", "utilisation_pct"]].rename(
                columns={
                    "load_hours": "whatif_hours",
                    "utilisation_pct": "whatif_utilisation_pct",
                }
            ),
            on="week_start",
            how="outer",
        )
    page.table(
        table,
        key="mfg_capacity_load",
        file_name="capacity_load",
        title=_("Capacity load: {work_centre}", work_centre=names[int(centre)]),
        filters={
            _("Work centre"): names[int(centre)],
            # A sheet of hours: no currency, the unit instead.
            _("Currency"): None,
            _("Unit"): _("hours"),
            _("What-if"): writeback.describe_changes(changes) if changes else None,
        },
    )
    _save_plan(changes)


def _whatif_grid(weeks: pd.DataFrame, centre: int) -> pd.DataFrame:
    """The orders loading the work centre, with a shift in weeks and a new quantity to
    type (the what-if)."""
    orders = writeback.whatif_orders(weeks, centre)
    if orders.empty:
        return orders
    statuses = _translated(STATUSES)
    orders = orders.assign(status=[statuses.get(s, s) for s in orders["status"]])
    st.markdown(_("**What-if**: move an order by whole weeks (+ later, - earlier) or resize it."))
    generation = st.session_state.setdefault(f"{WHATIF_KEY}_generation", 0)
    return st.data_editor(
        orders,
        key=f"{WHATIF_KEY}_{generation}_{centre}",
        hide_index=True,
        num_rows="fixed",
        # An empty new quantity keeps the order's; Streamlit would write "None" in it.
        placeholder="",
        disabled=["order_number", "item_code", "status", "start_date", "due_date", "quantity"],
        column_config={
            "order_id": None,
            "order_number": _("Production order"),
            "item_code": _("Item"),
            "status": _("Status"),
            # Dates as the user's date fields show them (05-01-2026 in Dutch).
            "start_date": st.column_config.DateColumn(_("Start"), format=date_input_format()),
            "due_date": st.column_config.DateColumn(_("Due"), format=date_input_format()),
            "quantity": st.column_config.NumberColumn(_("Quantity")),
            "shift_weeks": st.column_config.NumberColumn(
                _("Move (weeks)"), step=1, min_value=-52, max_value=52
            ),
            "new_quantity": st.column_config.NumberColumn(
                _("New quantity"), min_value=0.0, help=_("Empty: keep the quantity.")
            ),
        },
    )


def _save_plan(changes: list[writeback.PlanChange]) -> None:
    saved = st.session_state.pop(SAVED_KEY, None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    if not changes:
        return
    if not signed_in.may("manufacture"):
        st.caption(_("Saving a plan needs the right to enter production orders."))
        return
    errors = FieldErrors()
    if st.button(_("Save plan"), type="primary", key="mfg_save_plan", icon=":material/save:"):
        done = attempt(lambda uid: writeback.save_plan(user_id=uid, changes=changes), errors)
        if done is not None:
            st.session_state[SAVED_KEY] = ngettext(
                "Saved the new dates and quantities of {n} order. The load shows them after "
                "the next warehouse refresh.",
                "Saved the new dates and quantities of {n} orders. The load shows them after "
                "the next warehouse refresh.",
                done,
            )
            key = f"{WHATIF_KEY}_generation"
            st.session_state[key] = st.session_state.get(key, 0) + 1
            st.rerun()


def mrp(page: Page) -> None:
    advice = page.rows(
        q.mrp_advice,
        page.division_id,
        none=_("MRP has not advised anything for this division (run MRP in *MRP run*)."),
    )
    if advice is None:
        return
    late = int(advice["is_late"].astype(bool).sum())
    st.caption(
        _(
            "The latest MRP run's advice: what to buy or make, how much, when to order it "
            "and when it is due. Pick a row to see which demands it serves, up to the sales "
            "order."
        )
    )
    if late:
        st.caption(
            ngettext(
                "{n} advice is late: its order date is before the run's start.",
                "{n} advices are late: their order date is before the run's start.",
                late,
            )
        )
    shown = advice.assign(is_late=[_("yes") if v else "" for v in advice["is_late"]])
    options = {
        int(r.advice_id): _(
            "{action} {quantity} {item} by {date}",
            action=_(ACTIONS.get(str(r.action), str(r.action))),
            quantity=format_decimal(float(r.quantity), locale=current_locale()),  # type: ignore[arg-type]
            item=r.item_code,
            date=format_day(r.due_date),
        )
        for r in advice.itertuples()
    }
    picked = page.drill_table(
        shown.drop(columns=["advice_id"]),
        key=ADVICE_TABLE_KEY,
        file_name="mrp_advice",
        title=_("MRP advice"),
        widths={"supplier_name": "medium", "root_demands": "large"},
        row_keys=[int(i) for i in advice["advice_id"]],
        subjects=options,
        drill=ADVICE_DRILL_KEY,
        pick=_("Pegging of advice"),
    )
    if picked is not None:
        pegs = cached(q.mrp_pegging)(page.wh, page.division_id, int(picked))
        page.table(
            pegs,
            key="mfg_mrp_pegging",
            file_name="mrp_pegging",
            title=_("MRP pegging"),
            filters={_("Advice"): options[int(picked)]},
        )
    _convert(advice, options)


def _convert(advice: pd.DataFrame, options: dict[int, str]) -> None:
    if not signed_in.may("manufacture"):
        return
    open_ids = [int(r.advice_id) for r in advice.itertuples() if r.status == "open"]
    if not open_ids:
        return
    st.markdown(_("**Convert advice to orders**"))
    errors = FieldErrors()
    chosen = st.multiselect(
        _("Advice to convert"),
        open_ids,
        format_func=options.__getitem__,
        key=CONVERT_KEY,
        help=_(
            "Buy advice becomes purchase orders (one per supplier), make advice planned "
            "production orders."
        ),
    )
    errors.slot("advice")
    if st.button(_("Convert to orders"), key="mfg_convert_button", disabled=not chosen):
        numbers = attempt(
            lambda uid: writeback.convert(user_id=uid, advice_ids=[int(a) for a in chosen]),
            errors,
        )
        if numbers is not None:
            st.success(
                _(
                    "Created {orders}. The advice shows them as converted after the next "
                    "warehouse refresh.",
                    orders=", ".join(numbers),
                ),
                icon=":material/check_circle:",
            )


def main() -> None:
    st.title(_("Manufacturing"))
    context = sidebar.insights_context()
    if context is None:
        return
    wh, sel = context
    missing = cached(q.missing_marts)(wh)
    if not missing.empty:
        st.info(
            _(
                "The published warehouse has no manufacturing marts yet ({marts}). Run `erp "
                "refresh` to publish a version that has them.",
                marts=", ".join(missing["name"]),
            )
        )
        return
    row = _pick_division(wh, sel)
    if row is None:
        return
    page = Page(wh, sel, row)
    kpi_cards(page)
    tabs = st.tabs(
        [
            _("Cost variances"),
            _("Material loss"),
            _("Lead times"),
            _("Work in progress"),
            _("Capacity"),
            _("MRP advice"),
        ]
    )
    for tab, show in zip(
        tabs, (variances, material_loss, lead_times, wip, capacity, mrp), strict=True
    ):
        with tab:
            show(page)


main()
