"""The sales / purchase invoice form, posted through the invoice service."""

from __future__ import annotations

import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.grid_columns import blank_grid, options, pick_column
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
    party = "Customer" if sales else "Supplier"

    st.title("Sales invoice" if sales else "Purchase invoice")
    st.caption(
        f"Amounts in the {party.lower()}'s currency, excluding VAT; the VAT code adds VAT. "
        f"Posting debits {'receivables' if sales else 'costs and input VAT'} and credits "
        f"{'revenue and output VAT' if sales else 'payables'}."
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
            party,
            relation_codes,
            index=None,
            format_func=relation_labels.__getitem__,
            key=f"{prefix}_relation_{generation}",
            placeholder=f"Pick a {party.lower()}",
        )
        errors.slot("relation")
        reference = ""
        if not sales:
            reference = st.text_input(
                "Supplier's invoice number", key=f"{prefix}_reference_{generation}"
            )
            errors.slot("supplier_reference")
        left, right = st.columns(2)
        with left:
            invoice_date = st.date_input(
                "Invoice date",
                value=clock.today(),
                format="YYYY-MM-DD",
                key=f"{prefix}_date_{generation}",
            )
            errors.slot("invoice_date")
        with right:
            due_date = st.date_input(
                "Due date",
                value=None,
                format="YYYY-MM-DD",
                key=f"{prefix}_due_{generation}",
                help=f"Empty: invoice date plus the {party.lower()}'s payment terms.",
            )
            errors.slot("due_date")
        description = st.text_input("Description", key=f"{prefix}_description_{generation}")
        lines = st.data_editor(
            blank_grid(INVOICE_LINE_COLUMNS, BLANK_ROWS, {"quantity": "1"}),
            key=f"{prefix}_lines_{generation}",
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            column_config={
                "account": pick_column(
                    "Revenue account" if sales else "Cost account",
                    master_data.accounts(division.id),
                    width="large",
                ),
                "description": st.column_config.TextColumn("Description"),
                "quantity": st.column_config.TextColumn("Quantity", default="1"),
                "unit_price": st.column_config.TextColumn("Unit price"),
                "vat_code": pick_column("VAT code", master_data.vat_codes(vat_types)),
                "cost_centre": pick_column("Cost centre", master_data.cost_centres(division.id)),
            },
        )
        running = totals(lines, ("quantity", "unit_price"))
        if running["unreadable"]:
            st.caption("Not a number: " + ", ".join(running["unreadable"]))
        errors.slot("lines")
        post = st.form_submit_button("Post invoice", type="primary")
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
