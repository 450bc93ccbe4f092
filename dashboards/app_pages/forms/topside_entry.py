"""Consolidation form: a top-side entry of a group level (in the level's currency, one
division column per line, never in a division's books), through
``transactional.consolidation.topside.post_consolidation_entry``."""

from __future__ import annotations

import streamlit as st

from dashboards import amounts
from dashboards.forms.form_feedback import GENERAL, FieldErrors
from dashboards.forms.submit import ClerkForm
from dashboards.grid_columns import blank_grid, pick_column, typed_amount_column
from dashboards.language import _, date_input_format
from dashboards.writeback import consolidation_posting as writeback
from dashboards.writeback.clerk_posting import totals
from transactional import clock

FORM = ClerkForm("topside_entry")
BLANK_ROWS = 4


def main() -> None:
    st.title(_("Top-side entry"))
    st.caption(
        _(
            "A consolidation entry of a group level, in the level's currency: it changes the "
            "consolidated figures (the Adjustments column), never a division's books. It "
            "must balance; a posted entry is corrected by a reversal."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    levels = {c.code: c for c in writeback.group_levels()}
    if not levels:
        st.info(_("No division holds others yet: set up the group in *Group structure* first."))
        return
    generation = FORM.generation
    group = st.selectbox(
        _("Group level"),
        list(levels),
        format_func=lambda c: levels[c].label,
        key=f"topside_group_{generation}",
    )
    errors.slot("group")
    columns = writeback.level_divisions(str(group), clock.today())
    group_accounts = writeback.group_accounts()
    with st.form(f"topside_form_{generation}"):
        entry_date = st.date_input(
            _("Entry date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"topside_date_{generation}",
        )
        errors.slot("entry_date")
        description = st.text_input(_("Description"), key=f"topside_description_{generation}")
        errors.slot("description")
        lines = st.data_editor(
            blank_grid(writeback.TOPSIDE_LINE_COLUMNS, BLANK_ROWS),
            key=f"topside_lines_{generation}",
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            column_config={
                "division": pick_column(_("Division (column)"), columns),
                "group_account": pick_column(_("Group account"), group_accounts, width="large"),
                "debit": typed_amount_column(_("Debit")),
                "credit": typed_amount_column(_("Credit")),
                "counterparty": pick_column(_("Counterparty"), columns),
                "description": st.column_config.TextColumn(_("Description")),
            },
        )
        running = totals(lines, ("debit", "credit"))
        st.markdown(
            _(
                "**Debit** {debit} · **Credit** {credit} · **Difference** {difference} {currency}",
                debit=amounts.format_number(running["debit"]),
                credit=amounts.format_number(running["credit"]),
                difference=amounts.format_number(running["debit"] - running["credit"]),
                currency=levels[group].currency_code or "",
            )
        )
        if running["unreadable"]:
            st.caption(_("Not a number: {cells}", cells=", ".join(running["unreadable"])))
        errors.slot("lines")
        left, right = st.columns(2)
        left.form_submit_button(_("Check totals"))
        post = right.form_submit_button(_("Post entry"), type="primary")
        errors.slot(GENERAL)
    if post:
        FORM.submit(
            lambda uid: writeback.post_topside(
                user_id=uid,
                group=str(group),
                entry_date=entry_date,  # type: ignore[arg-type]
                description=description,
                lines=lines,
            ),
            errors,
        )


main()
