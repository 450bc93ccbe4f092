"""Clerk form: a purchase invoice from a supplier.

Two kinds: costs without a purchase order (posted to cost accounts by the invoice
service), or goods on purchase orders, matched against the order lines and their receipts
by the matching service (three-way match).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.invoice_form import invoice_form
from dashboards.forms.submit import ClerkForm, attempt
from dashboards.forms.wholesale_forms import money, qty
from dashboards.grid_columns import options, pick_column
from dashboards.writeback.wholesale_posting import check_match, post_matched_invoice
from transactional import clock
from transactional.purchasing.matching import MatchPreview
from transactional.reads import master_data, wholesale_lookups
from transactional.reads.wholesale_lookups import InvoiceableLine

MODE = "purchase_invoice_mode"
_MODES = {
    "costs": "Costs (no purchase order)",
    "matched": "Goods on purchase orders (matched)",
}
FORM = ClerkForm("purchase_match")
_STATUS = {
    "matched": "Matched",
    "price_difference": "Price difference",
    "quantity_difference": "Quantity difference",
}


def invoiceable_grid(lines: list[InvoiceableLine]) -> pd.DataFrame:
    """The supplier's received, not invoiced order lines; quantity and price start at the
    open quantity and the order price."""
    return pd.DataFrame(
        {
            "line_id": [ln.id for ln in lines],
            "pick": pd.Series([False] * len(lines), dtype="bool"),
            "order": [ln.order_number for ln in lines],
            "line": [ln.line_number for ln in lines],
            "item": [ln.item_code for ln in lines],
            "name": [ln.item_name for ln in lines],
            "received": [qty(ln.received - ln.returned) for ln in lines],
            "invoiced": [qty(ln.invoiced) for ln in lines],
            "open": [qty(ln.open) for ln in lines],
            "order_price": [f"{money(ln.order_price)} {ln.currency_code}" for ln in lines],
            "quantity": pd.Series([qty(ln.open) for ln in lines], dtype="object"),
            "unit_price": pd.Series([money(ln.order_price) for ln in lines], dtype="object"),
            "vat_code": pd.Series([None] * len(lines), dtype="object"),
        }
    )


def match_table(previews: list[MatchPreview]) -> pd.DataFrame:
    """The match as the service sees it: differences in quantity, price and value."""
    return pd.DataFrame(
        {
            "Line": [p.line_number for p in previews],
            "Order": [f"{p.order_number}/{p.order_line_number}" for p in previews],
            "Item": [p.item_code for p in previews],
            "Invoiced qty": [qty(p.quantity) for p in previews],
            "Open qty": [qty(p.quantity_open) for p in previews],
            "Qty difference": [qty(p.quantity - p.quantity_open) for p in previews],
            "Order price": [money(p.order_price) for p in previews],
            "Invoice price": [money(p.invoice_price) for p in previews],
            "Price difference": [money(p.invoice_price - p.order_price) for p in previews],
            "GRNI value": [money(p.grni_value) for p in previews],
            "Invoice value": [money(p.invoice_value) for p in previews],
            "Value difference": [money(p.difference_value) for p in previews],
            "Status": [_STATUS.get(p.status, p.status) for p in previews],
        }
    )


def matched_form() -> None:
    st.title("Purchase invoice")
    st.caption(
        "A supplier's invoice for goods on purchase orders: pick the received order lines it "
        "bills and type the quantity and price invoiced. *Check match* compares them with the "
        "order and the receipts; a price difference is posted only when you accept it (and "
        "may do so)."
    )
    FORM.notice()
    errors = FieldErrors({"entry_date": "invoice_date", "relation": "supplier"})
    division = pick_division("purchase_match_division", "post_invoice", errors)
    if division is None:
        return
    supplier_codes, supplier_labels = options(master_data.relations(division.id, ("supplier",)))
    supplier = st.selectbox(
        "Supplier",
        supplier_codes,
        index=None,
        format_func=supplier_labels.__getitem__,
        key="purchase_match_supplier",
        placeholder="Pick a supplier",
    )
    errors.slot("supplier")
    if supplier is None:
        st.info("Pick the supplier: their received, not yet invoiced order lines are listed.")
        return
    lines = wholesale_lookups.invoiceable_purchase_lines(division.id, supplier)
    if not lines:
        st.info(
            f"Nothing received from {supplier_labels[supplier]} is waiting for an invoice. "
            "Goods are invoiced after their receipt."
        )
        return
    generation = FORM.generation

    with st.form(f"purchase_match_form_{generation}"):
        reference = st.text_input(
            "Supplier's invoice number", key=f"purchase_match_reference_{generation}"
        )
        errors.slot("supplier_reference")
        invoice_date = st.date_input(
            "Invoice date",
            value=clock.today(),
            format="YYYY-MM-DD",
            key=f"purchase_match_date_{generation}",
        )
        errors.slot("invoice_date")
        grid = st.data_editor(
            invoiceable_grid(lines),
            key=f"purchase_match_lines_{generation}_{division.id}_{supplier}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[
                "order",
                "line",
                "item",
                "name",
                "received",
                "invoiced",
                "open",
                "order_price",
            ],
            column_config={
                "line_id": None,
                "pick": st.column_config.CheckboxColumn("Invoice", help="Billed on this invoice"),
                "order": "Order",
                "line": st.column_config.NumberColumn("Line", width="small"),
                "item": "Item",
                "name": "Description",
                "received": "Received",
                "invoiced": "Invoiced",
                "open": "Open",
                "order_price": "Order price",
                "quantity": st.column_config.TextColumn("Quantity invoiced"),
                "unit_price": st.column_config.TextColumn("Price invoiced"),
                "vat_code": pick_column(
                    "VAT code", master_data.vat_codes(("input", "exempt", "reverse_charge"))
                ),
            },
        )
        errors.slot("lines")
        accept = st.checkbox(
            "Accept differences",
            key=f"purchase_match_accept_{generation}",
            help="Post a price different from the order price (needs the right to accept "
            "differences); the difference goes to purchase price differences.",
        )
        errors.slot("accept_differences")
        note = st.text_input(
            "Note (why the difference is accepted)", key=f"purchase_match_note_{generation}"
        )
        left, right = st.columns(2)
        with left:
            check = st.form_submit_button("Check match")
        with right:
            post = st.form_submit_button("Post invoice", type="primary")
        errors.slot(GENERAL)

    if check:
        previews = attempt(
            lambda user_id: check_match(
                user_id=user_id,
                division=division.code,
                supplier=supplier,
                invoice_date=invoice_date,  # type: ignore[arg-type]
                lines=grid,
            ),
            errors,
        )
        if previews is not None:
            st.subheader("Match")
            st.dataframe(match_table(previews), hide_index=True)
            differences = [p for p in previews if p.status != "matched"]
            for p in differences:
                st.warning(p.message, icon=":material/compare_arrows:")
            if not differences:
                st.success("Every line matches its order and receipts.")
            st.caption(f"Values in {division.currency_code}.")
    if post:
        FORM.submit(
            lambda user_id: post_matched_invoice(
                user_id=user_id,
                division=division.code,
                supplier=supplier,
                invoice_date=invoice_date,  # type: ignore[arg-type]
                supplier_reference=reference,
                accept_differences=accept,
                note=note,
                lines=grid,
            ),
            errors,
        )


def main() -> None:
    mode = st.radio(
        "Purchase invoice for",
        list(_MODES),
        format_func=_MODES.__getitem__,
        horizontal=True,
        key=MODE,
        label_visibility="collapsed",
    )
    if mode == "matched":
        matched_form()
    else:
        invoice_form("purchase")


main()
