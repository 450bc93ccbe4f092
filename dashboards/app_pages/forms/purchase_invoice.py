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
from dashboards.forms.wholesale_forms import money, qty, typed_money, typed_qty
from dashboards.grid_columns import (
    options,
    pick_column,
    typed_amount_column,
    typed_quantity_column,
)
from dashboards.language import N_, _, date_input_format
from dashboards.writeback.wholesale_posting import check_match, post_matched_invoice
from transactional import clock
from transactional.purchasing.matching import MatchPreview
from transactional.reads import master_data, wholesale_lookups
from transactional.reads.wholesale_lookups import InvoiceableLine

MODE = "purchase_invoice_mode"
_MODES = {
    "costs": N_("Costs (no purchase order)"),
    "matched": N_("Goods on purchase orders (matched)"),
}
FORM = ClerkForm("purchase_match")
_STATUS = {
    "matched": N_("Matched"),
    "price_difference": N_("Price difference"),
    "quantity_difference": N_("Quantity difference"),
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
            # Editable: as the clerk types them (no thousands separators).
            "quantity": pd.Series([typed_qty(ln.open) for ln in lines], dtype="object"),
            "unit_price": pd.Series([typed_money(ln.order_price) for ln in lines], dtype="object"),
            "vat_code": pd.Series([None] * len(lines), dtype="object"),
        }
    )


def match_table(previews: list[MatchPreview]) -> pd.DataFrame:
    """The match as the service sees it: differences in quantity, price and value."""
    return pd.DataFrame(
        {
            _("Line"): [p.line_number for p in previews],
            _("Order"): [f"{p.order_number}/{p.order_line_number}" for p in previews],
            _("Item"): [p.item_code for p in previews],
            _("Invoiced qty"): [qty(p.quantity) for p in previews],
            _("Open qty"): [qty(p.quantity_open) for p in previews],
            _("Qty difference"): [qty(p.quantity - p.quantity_open) for p in previews],
            _("Order price"): [money(p.order_price) for p in previews],
            _("Invoice price"): [money(p.invoice_price) for p in previews],
            _("Price difference"): [money(p.invoice_price - p.order_price) for p in previews],
            _("GRNI value"): [money(p.grni_value) for p in previews],
            _("Invoice value"): [money(p.invoice_value) for p in previews],
            _("Value difference"): [money(p.difference_value) for p in previews],
            _("Status"): [
                _(_STATUS[p.status]) if p.status in _STATUS else p.status for p in previews
            ],
        }
    )


def matched_form() -> None:
    st.title(_("Purchase invoice"))
    st.caption(
        _(
            "A supplier's invoice for goods on purchase orders: pick the received order lines "
            "it bills and type the quantity and price invoiced. *Check match* compares them "
            "with the order and the receipts; a price difference is posted only when you "
            "accept it (and may do so)."
        )
    )
    FORM.notice()
    errors = FieldErrors({"entry_date": "invoice_date", "relation": "supplier"})
    division = pick_division("purchase_match_division", "post_invoice", errors)
    if division is None:
        return
    supplier_codes, supplier_labels = options(master_data.relations(division.id, ("supplier",)))
    supplier = st.selectbox(
        _("Supplier"),
        supplier_codes,
        index=None,
        format_func=supplier_labels.__getitem__,
        key="purchase_match_supplier",
        placeholder=_("Pick a supplier"),
    )
    errors.slot("supplier")
    if supplier is None:
        st.info(_("Pick the supplier: their received, not yet invoiced order lines are listed."))
        return
    lines = wholesale_lookups.invoiceable_purchase_lines(division.id, supplier)
    if not lines:
        st.info(
            _(
                "Nothing received from {supplier} is waiting for an invoice. "
                "Goods are invoiced after their receipt.",
                supplier=supplier_labels[supplier],
            )
        )
        return
    generation = FORM.generation

    with st.form(f"purchase_match_form_{generation}"):
        reference = st.text_input(
            _("Supplier's invoice number"), key=f"purchase_match_reference_{generation}"
        )
        errors.slot("supplier_reference")
        invoice_date = st.date_input(
            _("Invoice date"),
            value=clock.today(),
            format=date_input_format(),
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
                "pick": st.column_config.CheckboxColumn(
                    _("Invoice"), help=_("Billed on this invoice")
                ),
                "order": _("Order"),
                "line": st.column_config.NumberColumn(_("Line"), width="small"),
                "item": _("Item"),
                "name": _("Description"),
                "received": _("Received"),
                "invoiced": _("Invoiced"),
                "open": _("Open"),
                "order_price": _("Order price"),
                "quantity": typed_quantity_column(_("Quantity invoiced")),
                "unit_price": typed_amount_column(_("Price invoiced")),
                "vat_code": pick_column(
                    _("VAT code"), master_data.vat_codes(("input", "exempt", "reverse_charge"))
                ),
            },
        )
        errors.slot("lines")
        accept = st.checkbox(
            _("Accept differences"),
            key=f"purchase_match_accept_{generation}",
            help=_(
                "Post a price different from the order price (needs the right to accept "
                "differences); the difference goes to purchase price differences."
            ),
        )
        errors.slot("accept_differences")
        note = st.text_input(
            _("Note (why the difference is accepted)"), key=f"purchase_match_note_{generation}"
        )
        left, right = st.columns(2)
        with left:
            check = st.form_submit_button(_("Check match"))
        with right:
            post = st.form_submit_button(_("Post invoice"), type="primary")
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
            st.subheader(_("Match"))
            st.dataframe(match_table(previews), hide_index=True)
            differences = [p for p in previews if p.status != "matched"]
            for p in differences:
                st.warning(p.message, icon=":material/compare_arrows:")
            if not differences:
                st.success(_("Every line matches its order and receipts."))
            st.caption(_("Values in {currency}.", currency=division.currency_code))
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
        _("Purchase invoice for"),
        list(_MODES),
        format_func=lambda m: _(_MODES[m]),
        horizontal=True,
        key=MODE,
        label_visibility="collapsed",
    )
    if mode == "matched":
        matched_form()
    else:
        invoice_form("purchase")


main()
