"""Consolidation form: a non-ERP unit's trial balance, uploaded as CSV or Excel
(docs/consolidation.md section 4), read by ``ingestion.consolidation.files`` and loaded
by ``transactional.consolidation.trial_balance_load``: first a dry run listing what
would change, then, confirmed, one journal entry bringing the ledger to the file."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboards.amounts import format_day
from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm, attempt
from dashboards.language import N_, _
from dashboards.report_table import report_table
from dashboards.writeback import consolidation_posting as writeback
from dashboards.writeback.clerk_posting import Posted
from ingestion.consolidation.files import file_sha256
from transactional import clock

FORM = ClerkForm("trial_balance_upload")
PREVIEW = "trial_balance_preview"
FILE_KEY = "trial_balance_file"
_LABELS = {
    "account_code": N_("Account"),
    "account_name": N_("Account name"),
    "counterparty": N_("Counterparty"),
    "ledger_balance": N_("Ledger balance"),
    "file_balance": N_("File balance"),
    "difference": N_("To post"),
}


def _last_month(today: date) -> str:
    """The month before ``today``'s, as ``YYYY-MM`` (the usual month to load)."""
    end = today.replace(day=1) - timedelta(days=1)
    return f"{end.year}-{end.month:02d}"


def main() -> None:
    st.title(_("Trial-balance upload"))
    st.caption(
        _(
            "For a subsidiary that keeps its books elsewhere: its trial balance at the end "
            "of a month (balance-sheet accounts since the start, P&L accounts for the year "
            "to date), CSV or Excel with the columns account, debit and credit (or balance), "
            "and optionally counterparty and description. The difference with the ledger is "
            "posted as one journal entry on the last day of the month; loading the same file "
            "again posts nothing."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("trial_balance_division", "consolidate", errors)
    if division is None:
        return
    period = st.text_input(
        _("Month (YYYY-MM)"), value=_last_month(clock.today()), key="trial_balance_period"
    )
    errors.slot("period")
    upload = st.file_uploader(
        _("Trial-balance file"),
        type=["csv", "xlsx"],
        key=f"{FILE_KEY}_{FORM.generation}",
    )
    errors.slot("file")
    errors.slot("rows")
    errors.slot(GENERAL)
    if upload is None:
        st.session_state.pop(PREVIEW, None)
        return
    content = upload.getvalue()
    wanted = (division.code, period.strip(), upload.name, file_sha256(content))
    if st.button(_("Check the file"), key="trial_balance_check", icon=":material/fact_check:"):
        preview = attempt(
            lambda uid: writeback.load_trial_balance_file(
                user_id=uid,
                division=division.code,
                period=period.strip(),
                content=content,
                file_name=upload.name,
                dry_run=True,
            ),
            errors,
        )
        st.session_state[PREVIEW] = (wanted, preview) if preview is not None else None
    held = st.session_state.get(PREVIEW)
    if not held or held[0] != wanted:
        return
    preview = held[1]
    result = preview.result
    if not result.changes:
        st.info(
            _(
                "The ledger of {division} already matches this file at the end of {period}: "
                "loading it changes nothing.",
                division=division.code,
                period=result.period,
            )
        )
        return
    st.markdown(
        _(
            "**What the load would post** in {division} on {date}, in {currency} "
            "(nothing is written yet):",
            division=division.code,
            date=format_day(result.period_end),
            currency=result.currency,
        )
    )
    report_table(
        preview.changes,
        key="trial_balance_changes",
        file_name="trial_balance_changes",
        title=_("Trial-balance load preview"),
        labels={k: _(v) for k, v in _LABELS.items()},
        filters={
            _("Divisions"): division.code,
            _("Currency"): result.currency,
            _("Fiscal year"): None,
            _("Through period"): None,
            _("Month"): result.period,
            _("File"): upload.name,
        },
    )
    if st.button(_("Load into the ledger"), type="primary", key="trial_balance_load"):
        st.session_state.pop(PREVIEW, None)
        FORM.submit(
            lambda uid: writeback.load_trial_balance_file(
                user_id=uid,
                division=division.code,
                period=period.strip(),
                content=content,
                file_name=upload.name,
                dry_run=False,
            ),
            errors,
            posted=lambda loaded: Posted(
                loaded.result.document_number or "—", N_("trial-balance entry")
            ),
        )


main()
