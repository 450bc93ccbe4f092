"""The sales / purchase invoice form, posted through the invoice service."""

from __future__ import annotations

import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.grid_columns import (
    blank_grid,
    options,
    pick_column,
    typed_amount_column,
    typed_quantity_column,
)
from dashboards.language import _, date_input_format
from dashboards.writeback.clerk_posting import INVOICE_LINE_COLUMNS, post_invoice_form, totals
from transactional import clock
from transactional.reads import master_data

BLANK_ROWS = 3
# The invoice's entry date is the invoice date (the posting service names it entry_date).
_ALIASES = {"entry_date": "invoice_date"}


def invoice_form(invoice_type: str) -> None:
    """Render the whole form for ``invoice_type`` ('sales' or 'purchase')."""
    sales = invoice_type == "sales"
    prefix = f"{invoice_type}_invoice"
    form = ClerkForm(prefix)

    st.title(_("Sales invoice") if sales else _("Purchase invoice"))
    st.caption(
        _(
            "Amounts in the customer's currency, excluding VAT; the VAT code adds VAT. "
            "Posting debits receivables and credits revenue and output VAT."
        )
        if sales
        else _(
            "Amounts in the supplier's currency, excluding VAT; the VAT code adds VAT. "
            "Posting debits costs and input VAT and credits payables."
        )
    )
    form.notice()
    errors = FieldErrors(_ALIASES)
    division = pick_division(f"{prefix}_division", "post_invoice", errors)
    if division is None:
        return
    relation_codes, relation_labels = options(
        master_data.relations(division.id, ("customer",) if sales else ("supplier",))
    )
    vat_types = ("output", "exempt") if sales else ("input", "exempt", "reverse_charge")
    generation = form.generation

    with st.form(f"{prefix}_form_{generation}"):
        relation = st.selectbox(
            _("Customer") if sales else _("Supplier"),
            relation_codes,
            index=None,
            format_func=relation_labels.__getitem__,
            key=f"{prefix}_relation_{generation}",
            placeholder=_("Pick a customer") if sales else _("Pick a supplier"),
        )
        errors.slot("relation")
        reference = ""
        if not sales:
            reference = st.text_input(
                _("Supplier's invoice number"), key=f"{prefix}_reference_{generation}"
            )
            errors.slot("supplier_reference")
        left, right = st.columns(2)
        with left:
            invoice_date = st.date_input(
                _("Invoice date"),
                value=clock.today(),
                format=date_input_format(),
                key=f"{prefix}_date_{generation}",
            )
            errors.slot("invoice_date")
        with right:
            due_date = st.date_input(
                _("Due date"),
                value=None,
                format=date_input_format(),
                key=f"{prefix}_due_{generation}",
                help=_("Empty: invoice date plus the customer's payment terms.")
                if sales
                else _("Empty: invoice date plus the supplier's payment terms."),
            )
            errors.slot("due_date")
        description = st.text_input(_("Description"), key=f"{prefix}_description_{generation}")
        lines = st.data_editor(
            blank_grid(INVOICE_LINE_COLUMNS, BLANK_ROWS, {"quantity": "1"}),
            key=f"{prefix}_lines_{generation}",
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            column_config={
                "account": pick_column(
                    _("Revenue account") if sales else _("Cost account"),
                    master_data.accounts(division.id),
                    width="large",
                ),
                "description": st.column_config.TextColumn(_("Description")),
                "quantity": typed_quantity_column(_("Quantity"), default="1"),
                "unit_price": typed_amount_column(_("Unit price")),
                "vat_code": pick_column(_("VAT code"), master_data.vat_codes(vat_types)),
                "cost_centre": pick_column(_("Cost centre"), master_data.cost_centres(division.id)),
            },
        )
        running = totals(lines, ("quantity", "unit_price"))
        if running["unreadable"]:
            st.caption(_("Not a number: {cells}", cells=", ".join(running["unreadable"])))
        errors.slot("lines")
        post = st.form_submit_button(_("Post invoice"), type="primary")
        errors.slot(GENERAL)

    if post:
        form.submit(
            lambda user_id: post_invoice_form(
                user_id=user_id,
                division=division.code,
                invoice_type=invoice_type,
                relation=relation or "",
                invoice_date=invoice_date,  # type: ignore[arg-type]
                due_date=due_date,  # type: ignore[arg-type]
                description=description,
                supplier_reference=reference,
                lines=lines,
            ),
            errors,
        )
