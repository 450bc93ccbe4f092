"""Clerk form: a payment received or paid, allocated to the relation's open invoices."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import amounts
from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.grid_columns import amount_column, amount_help, options, typed_amount_column
from dashboards.language import N_, _, date_input_format
from dashboards.writeback.clerk_posting import post_payment_form, totals
from transactional import clock
from transactional.reads import master_data

FORM = ClerkForm("payment")
_ALIASES = {"entry_date": "payment_date"}
_DIRECTIONS = {"received": N_("Received from a customer"), "paid": N_("Paid to a supplier")}


def open_invoice_grid(invoices: list[master_data.OpenInvoice]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "document_number": [i.document_number for i in invoices],
            "invoice_date": [amounts.format_day(i.invoice_date) for i in invoices],
            "due_date": [amounts.format_day(i.due_date) for i in invoices],
            "currency_code": [i.currency_code for i in invoices],
            # Decimals: the grid shows them with thousands separators, and a tick on
            # Settle allocates the exact amount.
            "open_amount": pd.Series([i.open_amount for i in invoices], dtype="object"),
            "settle": pd.Series([False] * len(invoices), dtype="bool"),
            "allocate": pd.Series([None] * len(invoices), dtype="object"),
        }
    )


def main() -> None:
    st.title(_("Payment"))
    st.caption(
        _(
            "Money received from a customer or paid to a supplier through a bank or cash "
            "journal, allocated to open invoices; anything not allocated stays on account."
        )
    )
    FORM.notice()
    errors = FieldErrors(_ALIASES)
    division = pick_division("payment_division", "post_payment", errors)
    if division is None:
        return
    direction = st.radio(
        _("Direction"),
        list(_DIRECTIONS),
        format_func=lambda d: _(_DIRECTIONS[d]),
        horizontal=True,
        key="payment_direction",
    )
    errors.slot("direction")
    received = direction == "received"
    relations = master_data.relations(division.id, ("customer",) if received else ("supplier",))
    relation_codes, relation_labels = options(relations)
    relation = st.selectbox(
        _("Customer") if received else _("Supplier"),
        relation_codes,
        index=None,
        format_func=relation_labels.__getitem__,
        key="payment_relation",
        placeholder=_("Pick a customer") if received else _("Pick a supplier"),
    )
    errors.slot("relation")
    if relation is None:
        st.info(_("Pick the relation first: its open invoices are listed for allocation."))
        return
    relation_currency = next(r.currency_code for r in relations if r.code == relation)
    currencies = list(
        dict.fromkeys([relation_currency or division.currency_code, division.currency_code])
    )
    journals = master_data.journals(division.id, ("bank", "cash"))
    journal_codes, journal_labels = options(journals)
    invoices = master_data.open_invoices(division.id, relation, "sales" if received else "purchase")
    generation = FORM.generation

    with st.form(f"payment_form_{generation}"):
        journal = st.selectbox(
            _("Bank or cash journal"),
            journal_codes,
            format_func=journal_labels.__getitem__,
            key=f"payment_journal_{generation}",
        )
        errors.slot("journal")
        left, middle, right = st.columns(3)
        with left:
            payment_date = st.date_input(
                _("Payment date"),
                value=clock.today(),
                format=date_input_format(),
                key=f"payment_date_{generation}",
            )
            errors.slot("payment_date")
        with middle:
            amount = st.text_input(
                _("Amount"), key=f"payment_amount_{generation}", help=amount_help()
            )
            errors.slot("amount")
        with right:
            currency = st.selectbox(_("Currency"), currencies, key=f"payment_currency_{generation}")
            errors.slot("currency")
        rate = st.text_input(
            _("Exchange rate (optional)"),
            key=f"payment_rate_{generation}",
            help=_(
                "{currency} per unit of the payment currency, as you write numbers "
                "({example}); empty: the day's rate.",
                currency=division.currency_code,
                example=amounts.format_quantity(1.0825, decimals=4),
            ),
        )
        errors.slot("rate")
        reference = st.text_input(_("Reference"), key=f"payment_reference_{generation}")
        st.markdown(
            _(
                "**Open invoices of {relation}** — tick *Settle* or type the amount to allocate",
                relation=relation_labels[relation],
            )
        )
        allocations = st.data_editor(
            open_invoice_grid(invoices),
            key=f"payment_allocations_{generation}_{division.id}_{direction}_{relation}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[
                "document_number",
                "invoice_date",
                "due_date",
                "currency_code",
                "open_amount",
            ],
            column_config={
                "document_number": _("Invoice"),
                "invoice_date": _("Date"),
                "due_date": _("Due"),
                "currency_code": _("Currency"),
                "open_amount": amount_column(_("Open")),
                "settle": st.column_config.CheckboxColumn(_("Settle")),
                "allocate": typed_amount_column(_("Allocate")),
            },
        )
        if not invoices:
            st.caption(_("No open invoices: the payment is booked on account."))
        running = totals(allocations, ("allocate",))
        if running["unreadable"]:
            st.caption(_("Not a number: {cells}", cells=", ".join(running["unreadable"])))
        errors.slot("allocations")
        post = st.form_submit_button(_("Post payment"), type="primary")
        errors.slot(GENERAL)

    if post:
        FORM.submit(
            lambda user_id: post_payment_form(
                user_id=user_id,
                division=division.code,
                journal=journal or "",
                relation=relation,
                direction=direction,
                payment_date=payment_date,  # type: ignore[arg-type]
                amount=amount,
                currency=currency or "",
                rate=rate,
                reference=reference,
                allocations=allocations,
            ),
            errors,
        )


main()
