"""Manufacturing form: a production order, created by hand or for a sales order line,
its copied materials and operations edited while it is planned, and released
(docs/manufacturing.md section 3), through ``transactional.manufacturing.production_orders``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.pick_labels import sales_line_label
from dashboards.forms.production_order_forms import order_choices, order_step, pick_order
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import typed_money, typed_qty
from dashboards.grid_columns import quantity_help, typed_amount_column, typed_quantity_column
from dashboards.language import N_, _, date_input_format
from dashboards.writeback import manufacturing_posting as writeback
from transactional import clock
from transactional.reads import manufacturing_lookups as lookups

FORM = ClerkForm("production_order")
EDIT = ClerkForm("production_order_edit")
RELEASE = ClerkForm("production_release")
HOW = {"hand": N_("By hand"), "sales": N_("For a sales order line")}


def create(division_id: int, division_code: str) -> None:
    st.subheader(_("New production order"))
    errors = FieldErrors({"sales_order_line": "sales_line"})
    generation = FORM.generation
    how = st.radio(
        _("Create"),
        list(HOW),
        format_func=lambda h: _(HOW[h]),
        horizontal=True,
        key=f"production_order_how_{generation}",
    )
    if how == "sales":
        lines = {c.id: sales_line_label(c) for c in lookups.open_sales_lines(division_id)}
        if not lines:
            st.info(_("No open sales order line is for an item this division makes."))
            return
        with st.form(f"production_order_sales_form_{generation}"):
            line = st.selectbox(
                _("Sales order line"),
                list(lines),
                index=None,
                format_func=lines.__getitem__,
                key=f"production_order_sales_line_{generation}",
                placeholder=_("Pick a sales order line"),
            )
            errors.slot("sales_line")
            start = st.date_input(
                _("Start date"),
                value=clock.today(),
                format=date_input_format(),
                key=f"production_order_sales_start_{generation}",
            )
            errors.slot("start_date")
            backflush = st.checkbox(
                _("Backflush (issue the materials at completion)"),
                key=f"production_order_sales_backflush_{generation}",
            )
            subs = st.checkbox(
                _("Also plan orders for made components"),
                key=f"production_order_sales_subs_{generation}",
            )
            st.caption(
                _(
                    "The order is for the line's quantity still to deliver, due on the sales "
                    "order's requested date."
                )
            )
            pressed = st.form_submit_button(_("Create order"), type="primary")
            errors.slot(GENERAL)
        if pressed:
            FORM.submit(
                lambda uid: writeback.create_from_sales_line(
                    user_id=uid,
                    sales_order_line=line,
                    start_date=start,  # type: ignore[arg-type]
                    backflush=backflush,
                    with_sub_orders=subs,
                ),
                errors,
            )
        return
    items = {c.code: c.label for c in lookups.made_items(division_id)}
    warehouses = {c.code: c.label for c in lookups.warehouses(division_id)}
    if not items:
        st.info(_("This division makes no item yet (no item is planned as made)."))
        return
    with st.form(f"production_order_form_{generation}"):
        item = st.selectbox(
            _("Item to make"),
            list(items),
            index=None,
            format_func=items.__getitem__,
            key=f"production_order_item_{generation}",
            placeholder=_("Pick an item"),
        )
        errors.slot("item")
        quantity = st.text_input(
            _("Quantity"), key=f"production_order_quantity_{generation}", help=quantity_help()
        )
        errors.slot("quantity")
        left, right = st.columns(2)
        start = left.date_input(
            _("Start date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"production_order_start_{generation}",
        )
        due = right.date_input(
            _("Due date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"production_order_due_{generation}",
        )
        errors.slot("start_date")
        errors.slot("due_date")
        warehouse = st.selectbox(
            _("Into warehouse"),
            list(warehouses),
            format_func=warehouses.__getitem__,
            key=f"production_order_warehouse_{generation}",
        )
        errors.slot("warehouse")
        backflush = st.checkbox(
            _("Backflush (issue the materials at completion)"),
            key=f"production_order_backflush_{generation}",
        )
        subs = st.checkbox(
            _("Also plan orders for made components"),
            key=f"production_order_subs_{generation}",
        )
        description = st.text_input(
            _("Description"), key=f"production_order_description_{generation}"
        )
        pressed = st.form_submit_button(_("Create order"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        FORM.submit(
            lambda uid: writeback.create_order(
                user_id=uid,
                division=division_code,
                item=item or "",
                quantity=quantity,
                start_date=start,  # type: ignore[arg-type]
                due_date=due,  # type: ignore[arg-type]
                warehouse=warehouse or "",
                backflush=backflush,
                with_sub_orders=subs,
                description=description,
            ),
            errors,
        )


def material_grid(order_id: int) -> pd.DataFrame:
    """The order's materials as editable text cells, in the form the clerk types them."""
    rows = lookups.materials(order_id)
    return pd.DataFrame(
        {
            "item": pd.Series([m.item_code for m in rows], dtype="object"),
            "name": pd.Series([m.item_name for m in rows], dtype="object"),
            "quantity": pd.Series([typed_qty(m.quantity) for m in rows], dtype="object"),
            "scrap_pct": pd.Series([typed_qty(m.scrap_pct) for m in rows], dtype="object"),
        }
    )


def operation_grid(order_id: int) -> pd.DataFrame:
    """The order's routing: hours on a work centre, or a supplier and its price per unit
    (the other cells of a step left empty rather than showing a zero to type over)."""
    rows = lookups.operations(order_id)
    return pd.DataFrame(
        {
            "sequence": pd.Series([o.sequence for o in rows], dtype="Int64"),
            "description": pd.Series([o.description for o in rows], dtype="object"),
            "work_centre": pd.Series([o.work_centre for o in rows], dtype="object"),
            "planned_hours": pd.Series(
                [typed_qty(o.planned_hours) if o.work_centre else "" for o in rows],
                dtype="object",
            ),
            "supplier": pd.Series([o.supplier for o in rows], dtype="object"),
            "outsourced_price": pd.Series(
                [typed_money(o.outsourced_price) if o.supplier else "" for o in rows],
                dtype="object",
            ),
        }
    )


def edit(division_id: int) -> None:
    st.subheader(_("Edit a planned order"))
    st.caption(
        _(
            "Until it is released, the materials and operations copied onto an order can be "
            "changed: change a cell, add a row or delete one, then save both grids at once."
        )
    )
    EDIT.notice()
    planned = order_choices(division_id, ("planned",))
    if not planned:
        st.info(_("No planned production order to edit."))
        return
    errors = FieldErrors()
    generation = EDIT.generation
    order_id = pick_order(
        planned,
        EDIT,
        "production_order_edit",
        errors,
        label=_("Planned order"),
        placeholder=_("Pick a planned order"),
    )
    if order_id is None:
        return
    with st.form(f"production_order_edit_form_{generation}_{order_id}"):
        st.markdown(_("**Materials**"))
        st.caption(_("The quantity is for the whole order, scrap included."))
        materials = st.data_editor(
            material_grid(order_id),
            key=f"production_order_edit_materials_{generation}_{order_id}",
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            disabled=["name"],
            column_config={
                "item": st.column_config.TextColumn(_("Item code"), width="medium"),
                "name": _("Description"),
                "quantity": typed_quantity_column(_("Quantity")),
                "scrap_pct": typed_quantity_column(_("Scrap %")),
            },
        )
        errors.slot("materials")
        st.markdown(_("**Operations**"))
        st.caption(
            _(
                "Each step runs on a work centre (planned hours for the whole order) or is "
                "outsourced to a supplier (price per unit made), not both."
            )
        )
        operations = st.data_editor(
            operation_grid(order_id),
            key=f"production_order_edit_operations_{generation}_{order_id}",
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            column_config={
                "sequence": st.column_config.NumberColumn(
                    _("Sequence"), min_value=1, step=1, format="%d", width="small"
                ),
                "description": st.column_config.TextColumn(_("Description")),
                "work_centre": st.column_config.TextColumn(_("Work centre code")),
                "planned_hours": typed_quantity_column(_("Planned hours")),
                "supplier": st.column_config.TextColumn(_("Supplier code")),
                "outsourced_price": typed_amount_column(_("Outsourced price per unit")),
            },
        )
        errors.slot("operations")
        pressed = st.form_submit_button(_("Save lines"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        EDIT.submit(
            lambda uid: writeback.save_order_lines(
                user_id=uid, order_id=order_id, materials=materials, operations=operations
            ),
            errors,
        )


def release(division_id: int) -> None:
    order_step(
        division_id,
        RELEASE,
        "production_release",
        statuses=("planned",),
        subheader=_("Release"),
        caption=_(
            "Releasing fixes the order's standard cost per unit from its materials and "
            "operations at today's prices and rates; materials and hours can be booked then."
        ),
        none_left=_("No planned production order to release."),
        order_label=_("Planned order"),
        placeholder=_("Pick a planned order"),
        date_label=_("Release date"),
        button=_("Release"),
        action=writeback.release,
    )


def main() -> None:
    st.title(_("Production order"))
    st.caption(
        _(
            "A production order makes an item: its bill of materials and routing are copied "
            "onto the order when it is created (planned), and its cost is fixed when it is "
            "released."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("production_order_division", "manufacture", errors)
    if division is None:
        return
    create(division.id, division.code)
    st.divider()
    edit(division.id)
    st.divider()
    release(division.id)


main()
