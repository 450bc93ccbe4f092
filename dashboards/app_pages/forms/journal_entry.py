"""Clerk form: a manual journal entry, posted through the posting service."""

from __future__ import annotations

import streamlit as st

from dashboards import amounts
from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.grid_columns import blank_grid, options, pick_column, typed_amount_column
from dashboards.language import _, date_input_format
from dashboards.writeback.clerk_posting import JOURNAL_LINE_COLUMNS, post_journal_entry, totals
from transactional import clock
from transactional.reads import master_data

FORM = ClerkForm("journal_entry")
BLANK_ROWS = 4


def main() -> None:
    st.title(_("Journal entry"))
    st.caption(
        _(
            "A manual entry in the division's currency. It must balance: total debit equals "
            "total credit. Receivables and payables are posted through invoices and payments."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    # Only the divisions the acting user may post entries in, as the wholesale forms do.
    division = pick_division("journal_entry_division", "post_entry", errors)
    if division is None:
        return
    journals = master_data.journals(division.id, ("general", "bank", "cash", "sales", "purchase"))
    journals.sort(key=lambda j: (not j.code.startswith("MEM"), j.code))
    journal_codes, journal_labels = options(journals)
    accounts = master_data.accounts(division.id)
    generation = FORM.generation

    with st.form(f"journal_entry_form_{generation}"):
        journal = st.selectbox(
            _("Journal"),
            journal_codes,
            format_func=journal_labels.__getitem__,
            key=f"journal_entry_journal_{generation}",
        )
        errors.slot("journal")
        entry_date = st.date_input(
            _("Entry date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"journal_entry_date_{generation}",
        )
        errors.slot("entry_date")
        description = st.text_input(_("Description"), key=f"journal_entry_description_{generation}")
        errors.slot("description")
        lines = st.data_editor(
            blank_grid(JOURNAL_LINE_COLUMNS, BLANK_ROWS),
            key=f"journal_entry_lines_{generation}",
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            column_config={
                "account": pick_column(_("Account"), accounts, width="large"),
                "description": st.column_config.TextColumn(_("Description")),
                "debit": typed_amount_column(_("Debit")),
                "credit": typed_amount_column(_("Credit")),
                "cost_centre": pick_column(_("Cost centre"), master_data.cost_centres(division.id)),
                "cost_unit": pick_column(_("Cost unit"), master_data.cost_units(division.id)),
                "relation": pick_column(
                    _("Relation"), master_data.relations(division.id, ("customer", "supplier"))
                ),
            },
        )
        running = totals(lines, ("debit", "credit"))
        difference = running["debit"] - running["credit"]
        st.markdown(
            _(
                "**Debit** {debit} · **Credit** {credit} · **Difference** {difference} {currency}",
                debit=amounts.format_number(running["debit"]),
                credit=amounts.format_number(running["credit"]),
                difference=amounts.format_number(difference),
                currency=division.currency_code,
            )
        )
        if running["unreadable"]:
            st.caption(_("Not a number: {cells}", cells=", ".join(running["unreadable"])))
        st.caption(_("Totals follow the grid each time you press *Check totals* or *Post entry*."))
        errors.slot("lines")
        left, right = st.columns(2)
        left.form_submit_button(_("Check totals"))
        post = right.form_submit_button(_("Post entry"), type="primary")
        errors.slot(GENERAL)

    if post:
        FORM.submit(
            lambda user_id: post_journal_entry(
                user_id=user_id,
                division=division.code,
                journal=journal or "",
                entry_date=entry_date,  # type: ignore[arg-type]
                description=description,
                lines=lines,
            ),
            errors,
        )


main()
