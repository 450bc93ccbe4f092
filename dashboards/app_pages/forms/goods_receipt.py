"""Clerk form: receive goods on an open purchase order."""

from __future__ import annotations

import streamlit as st

from dashboards import sidebar
from dashboards.forms.form_feedback import GENERAL, FieldErrors, posted_notice, remember_posted
from dashboards.forms.wholesale_forms import (
    INFO_COLUMNS,
    order_line_columns,
    order_line_grid,
    pick_division,
)
from dashboards.writeback.wholesale_posting import receive_order
from transactional import clock
from transactional.errors import DomainError
from transactional.reads import wholesale_lookups

POSTED = "goods_receipt_posted"
GENERATION = "goods_receipt_generation"


def main() -> None:
    st.title("Goods receipt")
    st.caption(
        "Receive goods on an open purchase order: type the quantity per line (and the lot "
        "or serial numbers of tracked items). The receipt puts the goods in stock at the "
        "order price and credits goods received not invoiced until the supplier's invoice "
        "is matched."
    )
    posted_notice(POSTED)
    errors = FieldErrors({"order_id": "order"})
    division = pick_division("goods_receipt_division", "purchase", errors)
    if division is None:
        return
    orders = {o.id: o for o in wholesale_lookups.open_purchase_orders(division.id)}
    order_id = st.selectbox(
        "Purchase order",
        list(orders),
        index=None,
        format_func=lambda i: orders[i].label,
        key="goods_receipt_order",
        placeholder="Pick an open purchase order",
    )
    errors.slot("order")
    if order_id is None:
        st.info("Pick an open purchase order: its open lines are listed for receipt.")
        return
    grid = order_line_grid(wholesale_lookups.purchase_order_lines(order_id), "received")
    if grid.empty:
        st.info("Everything ordered on this purchase order has been received.")
        return
    generation = st.session_state.setdefault(GENERATION, 0)

    with st.form(f"goods_receipt_form_{generation}"):
        receipt_date = st.date_input(
            "Receipt date",
            value=clock.today(),
            format="YYYY-MM-DD",
            key=f"goods_receipt_date_{generation}",
        )
        errors.slot("receipt_date")
        typed = st.data_editor(
            grid,
            key=f"goods_receipt_lines_{generation}_{order_id}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[*INFO_COLUMNS, "received"],
            column_config=order_line_columns("received", "Receive"),
        )
        errors.slot("lines")
        receive = st.form_submit_button("Receive", type="primary")
        errors.slot(GENERAL)

    if receive:
        try:
            posted = receive_order(
                user_id=st.session_state.get(sidebar.ACTING_USER),
                order_id=order_id,
                receipt_date=receipt_date,
                lines=typed,
            )
        except DomainError as err:
            errors.show(err)
        else:
            remember_posted(POSTED, posted)
            st.session_state[GENERATION] = generation + 1
            st.rerun()


main()
