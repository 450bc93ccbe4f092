"""Clerk form: a customer sends delivered goods back; the invoiced part is credited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import amounts
from dashboards.amounts import format_day
from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.pick_labels import order_label
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import qty, tracked_by
from dashboards.grid_columns import typed_quantity_column
from dashboards.language import _, date_input_format
from dashboards.writeback.wholesale_posting import return_to_stock
from transactional import clock
from transactional.reads import wholesale_lookups
from transactional.reads.wholesale_lookups import DeliveredLineView

FORM = ClerkForm("customer_return")
CREDIT_NOTE = "customer_return_credit_note"
INFO_COLUMNS = ["delivery", "line", "item", "name", "tracking", "delivered", "returned"]


def returnable_grid(lines: list[DeliveredLineView]) -> pd.DataFrame:
    """The delivery lines with something left to take back; the lot or serial number
    starts at the one the line shipped."""
    rows = [ln for ln in lines if ln.returnable > 0]
    return pd.DataFrame(
        {
            "line_id": [ln.id for ln in rows],
            "delivery": [
                f"{ln.delivery_number} ({amounts.format_day(ln.delivery_date)})" for ln in rows
            ],
            "line": [ln.line_number for ln in rows],
            "item": [ln.item_code for ln in rows],
            "name": [ln.item_name for ln in rows],
            "tracking": [tracked_by(ln.tracking) for ln in rows],
            "delivered": [qty(ln.delivered) for ln in rows],
            "returned": [qty(ln.returned) for ln in rows],
            "returnable": [qty(ln.returnable) for ln in rows],
            "quantity": pd.Series([None] * len(rows), dtype="object"),
            "lot": pd.Series(
                [ln.lot if ln.tracking == "lot" else None for ln in rows], dtype="object"
            ),
            "serials": pd.Series(
                [ln.lot if ln.tracking == "serial" else None for ln in rows], dtype="object"
            ),
            "expiry": pd.Series([format_day(ln.expiry_date) for ln in rows], dtype="object"),
        }
    )


def main() -> None:
    st.title(_("Customer return"))
    st.caption(
        _(
            "A customer sends goods back: pick the sales order and type the quantity per "
            "delivery line. The goods come back into the order's warehouse at the cost they "
            "left with; the part that was invoiced is credited on a credit note at the order "
            "price."
        )
    )
    FORM.notice()
    credit_note = st.session_state.get(CREDIT_NOTE)
    if FORM.last_posted is not None:
        if credit_note:
            st.success(
                _(
                    "Credit note **{number}** credits the invoiced part of the return.",
                    number=credit_note,
                ),
                icon=":material/receipt_long:",
            )
        else:
            st.info(_("Nothing returned was invoiced yet, so there is no credit note."))
    errors = FieldErrors({"order_id": "order"})
    division = pick_division("customer_return_division", "sell", errors)
    if division is None:
        return
    orders = {o.id: o for o in wholesale_lookups.returnable_sales_orders(division.id)}
    order_id = st.selectbox(
        _("Sales order"),
        list(orders),
        index=None,
        format_func=lambda i: order_label(orders[i]),
        key="customer_return_order",
        placeholder=_("Pick an order with delivered goods"),
    )
    errors.slot("order")
    if order_id is None:
        st.info(_("Pick a sales order: its delivered lines are listed with what can come back."))
        return
    grid = returnable_grid(wholesale_lookups.delivered_lines(order_id))
    if grid.empty:
        st.info(_("Everything delivered on this order has come back already."))
        return
    generation = FORM.generation

    with st.form(f"customer_return_form_{generation}"):
        return_date = st.date_input(
            _("Return date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"customer_return_date_{generation}",
        )
        errors.slot("return_date")
        typed = st.data_editor(
            grid,
            key=f"customer_return_lines_{generation}_{order_id}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[*INFO_COLUMNS, "returnable", "expiry"],
            column_config={
                "line_id": None,
                "delivery": _("Delivery"),
                "line": st.column_config.NumberColumn(_("Order line"), width="small"),
                "item": _("Item"),
                "name": _("Description"),
                "tracking": _("Tracked by"),
                "delivered": _("Delivered"),
                "returned": _("Already returned"),
                "returnable": _("Returnable"),
                "quantity": typed_quantity_column(_("Return now")),
                "lot": st.column_config.TextColumn(_("Lot"), help=_("The lot the line shipped.")),
                "serials": st.column_config.TextColumn(
                    _("Serial number"), help=_("The serial number the line shipped.")
                ),
                "expiry": _("Expiry date"),
            },
        )
        errors.slot("lines")
        reason = st.text_input(_("Reason"), key=f"customer_return_reason_{generation}")
        errors.slot("reason")
        take_back = st.form_submit_button(_("Return goods"), type="primary")
        errors.slot(GENERAL)

    if take_back:
        FORM.submit(
            lambda user_id: return_to_stock(
                user_id=user_id,
                order_id=order_id,
                return_date=return_date,  # type: ignore[arg-type]
                reason=reason,
                lines=typed,
            ),
            errors,
            posted=lambda done: done.posted,
            keep=lambda done: {CREDIT_NOTE: done.credit_note},
        )


main()
