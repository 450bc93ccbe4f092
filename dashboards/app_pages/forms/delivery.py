"""Clerk form: deliver an open sales order, then invoice what was delivered."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.pick_labels import order_label
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import (
    money,
    order_line_form,
    order_line_grid,
    qty,
)
from dashboards.language import _, date_input_format
from dashboards.writeback.wholesale_posting import deliver_order, invoice_delivered
from transactional import clock
from transactional.reads import wholesale_lookups
from transactional.reads.wholesale_lookups import OrderLineView

FORM = ClerkForm("delivery")


def billable_table(lines: list[OrderLineView]) -> pd.DataFrame:
    rows = [ln for ln in lines if ln.billable > 0]
    return pd.DataFrame(
        {
            _("Line"): [ln.line_number for ln in rows],
            _("Item"): [ln.item_code for ln in rows],
            _("Description"): [ln.item_name for ln in rows],
            _("Delivered"): [qty(ln.done) for ln in rows],
            _("Returned"): [qty(ln.returned) for ln in rows],
            _("Invoiced"): [qty(ln.invoiced) for ln in rows],
            _("To invoice"): [qty(ln.billable) for ln in rows],
            _("Price"): [money(ln.unit_price) for ln in rows],
        }
    )


def main() -> None:
    st.title(_("Delivery"))
    st.caption(
        _(
            "Deliver an open sales order: type the quantity per line (and the lot or serial "
            "numbers of tracked items). Delivering posts the cost of sales at average cost; "
            "invoicing bills what was delivered at the order price."
        )
    )
    FORM.notice()
    errors = FieldErrors({"order_id": "order"})
    division = pick_division("delivery_division", "sell", errors)
    if division is None:
        return
    orders = {o.id: o for o in wholesale_lookups.open_sales_orders(division.id)}
    order_id = st.selectbox(
        _("Sales order"),
        list(orders),
        index=None,
        format_func=lambda i: order_label(orders[i]),
        key="delivery_order",
        placeholder=_("Pick an open order"),
    )
    errors.slot("order")
    if order_id is None:
        st.info(_("Pick an open order: its open lines are listed for delivery."))
        return
    lines = wholesale_lookups.sales_order_lines(order_id)
    generation = FORM.generation

    st.subheader(_("Deliver"))
    grid = order_line_grid(lines, "delivered")
    if grid.empty:
        st.caption(_("Everything ordered is delivered."))
    else:
        delivery_date, typed, deliver = order_line_form(
            "delivery",
            generation,
            order_id,
            grid,
            errors,
            date_label=_("Delivery date"),
            date_field="delivery_date",
            done_label="delivered",
            done_title=_("Delivered"),
            now_title=_("Deliver now"),
            action=_("Deliver"),
        )
        if deliver:
            FORM.submit(
                lambda user_id: deliver_order(
                    user_id=user_id, order_id=order_id, delivery_date=delivery_date, lines=typed
                ),
                errors,
            )

    st.subheader(_("Invoice"))
    to_bill = billable_table(lines)
    if to_bill.empty:
        st.caption(_("Nothing delivered is waiting for an invoice."))
        return
    st.dataframe(to_bill, hide_index=True)
    invoice_errors = FieldErrors({"entry_date": "invoice_date"})
    invoice_date = st.date_input(
        _("Invoice date"),
        value=clock.today(),
        format=date_input_format(),
        key=f"delivery_invoice_date_{generation}",
    )
    invoice_errors.slot("invoice_date")
    invoice = st.button(_("Invoice delivered lines"), key=f"delivery_invoice_{generation}")
    invoice_errors.slot(GENERAL)
    if invoice:
        FORM.submit(
            lambda user_id: invoice_delivered(
                user_id=user_id, order_id=order_id, invoice_date=invoice_date
            ),
            invoice_errors,
        )


main()
