"""Clerk form: receive goods on an open purchase order."""

from __future__ import annotations

import streamlit as st

from dashboards.forms.form_feedback import FieldErrors, pick_division
from dashboards.forms.pick_labels import order_label
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import (
    order_line_form,
    order_line_grid,
)
from dashboards.language import _
from dashboards.writeback.wholesale_posting import receive_order
from transactional.reads import wholesale_lookups

FORM = ClerkForm("goods_receipt")


def main() -> None:
    st.title(_("Goods receipt"))
    st.caption(
        _(
            "Receive goods on an open purchase order: type the quantity per line (and the lot "
            "or serial numbers of tracked items, with the expiry date printed on the goods if "
            "they have one). The receipt puts the goods in stock at the order price and "
            "credits goods received not invoiced until the supplier's invoice is matched."
        )
    )
    FORM.notice()
    errors = FieldErrors({"order_id": "order"})
    division = pick_division("goods_receipt_division", "purchase", errors)
    if division is None:
        return
    orders = {o.id: o for o in wholesale_lookups.open_purchase_orders(division.id)}
    order_id = st.selectbox(
        _("Purchase order"),
        list(orders),
        index=None,
        format_func=lambda i: order_label(orders[i]),
        key="goods_receipt_order",
        placeholder=_("Pick an open purchase order"),
    )
    errors.slot("order")
    if order_id is None:
        st.info(_("Pick an open purchase order: its open lines are listed for receipt."))
        return
    grid = order_line_grid(
        wholesale_lookups.purchase_order_lines(order_id), "received", expiry=True
    )
    if grid.empty:
        st.info(_("Everything ordered on this purchase order has been received."))
        return
    generation = FORM.generation

    receipt_date, typed, receive = order_line_form(
        "goods_receipt",
        generation,
        order_id,
        grid,
        errors,
        date_label=_("Receipt date"),
        date_field="receipt_date",
        done_label="received",
        done_title=_("Received"),
        now_title=_("Receive now"),
        action=_("Receive"),
    )

    if receive:
        FORM.submit(
            lambda user_id: receive_order(
                user_id=user_id, order_id=order_id, receipt_date=receipt_date, lines=typed
            ),
            errors,
        )


main()
