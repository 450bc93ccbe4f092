"""Audit trail: who changed what when, from which value to which; and the sign-in log.

For roles with the right ``view_audit`` (administrators, accountants). The rows are read
from the transactional database now (:mod:`transactional.reads.audit_trail`), filtered
and limited there, newest first. A user scoped to some divisions sees only the changes
of records in those divisions. A link can open the page on one record:
``?table=journal_entry&key=42`` (the ledger drill-down's "Open in the audit trail").
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import audit_drill, signed_in
from dashboards.amounts import format_quantity
from dashboards.language import N_, _, date_input_format
from dashboards.report_table import report_table
from transactional.reads import audit_trail, master_data

KEY = "audit"
USER = f"{KEY}_user"
TABLE = f"{KEY}_table"
RECORD = f"{KEY}_record"
FROM = f"{KEY}_from"
TO = f"{KEY}_to"
LIMIT = f"{KEY}_limit"
SIGN_IN_USER = f"{KEY}_sign_in_user"
# The link parameters last put into the filters, so a later change of the filters by
# hand is not undone on the next run.
LINK_APPLIED = f"{KEY}_link_applied"
LIMITS = (100, 500, 2000)
# Table lines on screen at most (a change is a line per field); the workbook holds all.
SCREEN_LINES = 5000

OUTCOMES = {
    "signed_in": N_("signed in"),
    "failed": N_("failed (wrong user name or password)"),
    "locked_out": N_("refused: locked out"),
    "refused_disabled": N_("refused: user disabled"),
    "signed_out": N_("signed out"),
    "expired": N_("session expired"),
    "unlocked": N_("unlocked by an administrator"),
    "password_set": N_("password set"),
}
SIGN_IN_LABELS = {
    "occurred_at": N_("At (UTC)"),
    "username": N_("User name typed"),
    "outcome": N_("Outcome"),
    "method": N_("Method"),
}


def _apply_link() -> None:
    """Put ``?table=...&key=...`` into the filters, once per link."""
    link = (
        st.query_params.get(audit_drill.TABLE_PARAM),
        st.query_params.get(audit_drill.KEY_PARAM),
    )
    if not any(link) or st.session_state.get(LINK_APPLIED) == link:
        return
    st.session_state[TABLE] = link[0] or None
    st.session_state[RECORD] = link[1] or ""
    st.session_state[USER] = None
    st.session_state[LINK_APPLIED] = link


def _period_text(start: date | None, end: date | None) -> str | None:
    if start is None and end is None:
        return None
    return _(
        "{start} to {end} (UTC)",
        start=start.isoformat() if start else "…",
        end=end.isoformat() if end else "…",
    )


def sign_in_frame(rows: list[audit_trail.SignInRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "occurred_at": [r.occurred_at.strftime("%Y-%m-%d %H:%M:%S") for r in rows],
            "username": [r.username for r in rows],
            "outcome": [_(OUTCOMES.get(r.outcome, r.outcome)) for r in rows],
            "method": [r.method for r in rows],
        },
        columns=list(SIGN_IN_LABELS),
    )


def main() -> None:
    st.title(_("Audit trail"))
    scope = signed_in.scope()
    if scope is None or not audit_drill.may_view(scope.role):
        st.error(_("The audit trail is shown to accountants and administrators."))
        return
    st.caption(
        _(
            "Every change to the books and their settings: who made it, when, and each "
            "field's value before and after, one line per field. Newest first; times in UTC."
        )
    )
    if scope.divisions is not None:
        st.caption(
            _(
                "You see the changes of records in your divisions only; changes whose "
                "division cannot be told (users, shared accounts, currencies, invoice "
                "lines) are left out."
            )
        )
    try:
        users = audit_trail.users()
        tables = audit_trail.audited_tables()
    except master_data.LedgerUnavailable as exc:
        st.warning(str(exc))
        return
    _apply_link()
    picked_table = st.session_state.get(TABLE)
    if picked_table and picked_table not in tables:
        tables.append(picked_table)  # a link to a table with no rows yet: still shown

    top = st.columns(3)
    user_id = top[0].selectbox(
        _("User"),
        [None, *users],
        format_func=lambda i: _("All users") if i is None else users[i],
        key=USER,
    )
    table = top[1].selectbox(
        _("Table"),
        [None, *tables],
        format_func=lambda t: _("All tables") if t is None else t,
        key=TABLE,
    )
    record = top[2].text_input(
        _("Record"),
        key=RECORD,
        help=_("The record's key as the Record column shows it, e.g. an entry's number 42."),
    )
    bottom = st.columns(3)
    start = bottom[0].date_input(_("From"), value=None, format=date_input_format(), key=FROM)
    end = bottom[1].date_input(_("To"), value=None, format=date_input_format(), key=TO)
    limit = bottom[2].selectbox(_("Rows at most"), LIMITS, index=1, key=LIMIT)
    if isinstance(start, date) and isinstance(end, date) and end < start:
        st.error(_("The period ends before it starts; pick a To date on or after From."))
        return

    found = audit_trail.audit_rows(
        audit_trail.AuditFilter(
            user_id=user_id,
            table_name=table,
            record_key=record or None,
            date_from=start if isinstance(start, date) else None,
            date_to=end if isinstance(end, date) else None,
            divisions=scope.divisions,
        ),
        limit=limit,
    )
    shown = _(
        "Showing the latest {shown} of {total} changes.",
        shown=format_quantity(len(found.rows)),
        total=format_quantity(found.total),
    )
    st.caption(shown if found.rows else _("No changes match these filters."))
    period = _period_text(
        start if isinstance(start, date) else None, end if isinstance(end, date) else None
    )
    frame = audit_drill.audit_frame(found.rows)
    if len(frame) > SCREEN_LINES:
        st.caption(
            _(
                "The table shows the first {lines} lines; the Excel file holds all {all}.",
                lines=format_quantity(SCREEN_LINES),
                all=format_quantity(len(frame)),
            )
        )
    report_table(
        frame.head(SCREEN_LINES),
        download=lambda: frame,
        key=f"{KEY}_changes",
        file_name="audit_trail",
        title=_("Audit trail"),
        labels=audit_drill.labels(),
        filters={
            **audit_drill.workbook_lines(scope.divisions),
            _("User"): users.get(user_id) if user_id is not None else None,
            _("Table"): table,
            _("Record"): record or None,
            _("Period"): period,
            _("Rows"): shown,
        },
    )

    st.subheader(_("Sign-ins"))
    st.caption(
        _(
            "Sign-ins, failed tries, lockouts, sign-outs and ended sessions, newest first. "
            "Filtered by the period above and the user here."
        )
    )
    if scope.divisions is not None:
        st.caption(_("You see the sign-ins of the users who share one of your divisions."))
    sign_in_user = st.selectbox(
        _("User"),
        [None, *users],
        format_func=lambda i: _("All users") if i is None else users[i],
        key=SIGN_IN_USER,
    )
    events = audit_trail.sign_in_events(
        user_id=sign_in_user,
        date_from=start if isinstance(start, date) else None,
        date_to=end if isinstance(end, date) else None,
        divisions=scope.divisions,
        limit=limit,
    )
    events_shown = _(
        "Showing the latest {shown} of {total} sign-in events.",
        shown=format_quantity(len(events.rows)),
        total=format_quantity(events.total),
    )
    st.caption(events_shown)
    report_table(
        sign_in_frame(events.rows),
        key=f"{KEY}_sign_ins",
        file_name="sign_ins",
        title=_("Sign-ins"),
        labels={column: _(label) for column, label in SIGN_IN_LABELS.items()},
        filters={
            **audit_drill.workbook_lines(scope.divisions),
            _("User"): users.get(sign_in_user) if sign_in_user is not None else None,
            _("Period"): period,
            _("Rows"): events_shown,
        },
    )


main()
