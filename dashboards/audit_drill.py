"""Audit rows as the pages show them: one table row per changed field, old -> new.

The audit log keeps each change as JSON (``transactional.audit``); here it becomes lines a
reader follows: who, when, which record, which field, the value before and after. The
Audit trail page shows them for any filter; :func:`show_audit_for_entry` shows those of
one journal entry and its lines (the Finance page's ledger drill-down calls it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import signed_in
from dashboards.language import N_, _
from dashboards.report_table import report_table
from transactional.organisation.rights import MATRIX
from transactional.reads import audit_trail, master_data
from transactional.reads.audit_trail import AuditRow

AUDIT_PAGE = "app_pages/audit_trail.py"
RIGHT = "view_audit"
# The audit page's link parameters (?table=journal_entry&key=42).
TABLE_PARAM = "table"
KEY_PARAM = "key"

ACTIONS = {"insert": N_("created"), "update": N_("changed"), "delete": N_("deleted")}
LABELS = {
    "changed_at": N_("Changed at (UTC)"),
    "username": N_("User"),
    "action": N_("Action"),
    "table_name": N_("Table"),
    "record_key": N_("Record"),
    "field": N_("Field"),
    "old": N_("Old value"),
    "new": N_("New value"),
}
COLUMNS = tuple(LABELS)


def may_view(role: str | None) -> bool:
    """Whether the role may read the audit trail (right ``view_audit``)."""
    return role is not None and RIGHT in MATRIX.get(role, frozenset())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_changes(old: Any, new: Any, action: str) -> list[tuple[str, str, str]]:
    """(field, old, new) for each field of one audit row. An insert lists the fields it
    filled (empty ones left out); an entry's lines (a list) name each line's number."""
    if isinstance(old, list) or isinstance(new, list):
        lines: list[tuple[str, str, str]] = []
        olds = old if isinstance(old, list) else []
        news = new if isinstance(new, list) else []
        for n in range(max(len(olds), len(news))):
            was_line = olds[n] if n < len(olds) else None
            now_line = news[n] if n < len(news) else None
            for name, was, now in field_changes(was_line, now_line, action):
                lines.append((_("line {n}: {field}", n=n + 1, field=name), was, now))
        return lines
    if not isinstance(old, Mapping) and not isinstance(new, Mapping):
        if old is None and new is None:
            return []
        return [("", _text(old), _text(new))]
    before: Mapping[str, Any] = old if isinstance(old, Mapping) else {}
    after: Mapping[str, Any] = new if isinstance(new, Mapping) else {}
    names = list(after) + [k for k in before if k not in after]
    changes = []
    for name in names:
        old_value, new_value = before.get(name), after.get(name)
        if action == "insert" and new_value is None:
            continue
        if action == "delete" and old_value is None:
            continue
        changes.append((name, _text(old_value), _text(new_value)))
    return changes


def _stamp(moment: datetime) -> str:
    # One unambiguous form in every language; the heading says it is UTC.
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def audit_frame(rows: list[AuditRow]) -> pd.DataFrame:
    """The audit rows as table rows: one per changed field, in the rows' order."""
    records = []
    for row in rows:
        changes = field_changes(row.old_value, row.new_value, row.action) or [("", "", "")]
        for name, was, now in changes:
            records.append(
                {
                    "changed_at": _stamp(row.changed_at),
                    "username": row.username,
                    "action": _(ACTIONS.get(row.action, row.action)),
                    "table_name": row.table_name,
                    "record_key": row.record_key,
                    "field": name,
                    "old": was,
                    "new": now,
                }
            )
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def labels() -> dict[str, str]:
    return {column: _(label) for column, label in LABELS.items()}


def scope_text(divisions: frozenset[int] | None, codes: Mapping[int, str]) -> str:
    """The workbook's "Divisions" line: whose records the rows are of."""
    if divisions is None:
        return _("All divisions, and records of no division")
    return _(
        "{divisions} (records of other divisions or of no division are left out)",
        divisions=", ".join(sorted(codes.get(i, str(i)) for i in divisions)),
    )


def workbook_lines(divisions: frozenset[int] | None) -> dict[str, str | None]:
    """What an audit workbook states instead of the sidebar's selection (no amounts, no
    period of the books)."""
    codes = {d.id: d.code for d in master_data.divisions()}
    return {
        _("Divisions"): scope_text(divisions, codes),
        _("Currency"): _("none (no amounts)"),
        _("Fiscal year"): None,
        _("Through period"): None,
    }


def show_audit_for_entry(entry_id: int, *, key: str = "audit_drill", link: bool = True) -> None:
    """The audit rows of journal entry ``entry_id`` and of its lines, with an Excel
    download and (``link``) a link to the Audit trail page filtered on the entry; the link
    needs the app's navigation, so a page run on its own passes ``link=False``.

    Only for roles with ``view_audit``; a scoped user sees nothing of an entry outside
    their divisions.
    """
    scope = signed_in.scope()
    if scope is None or not may_view(scope.role):
        st.caption(_("The audit trail is shown to accountants and administrators."))
        return
    rows = audit_trail.entry_audit(entry_id, divisions=scope.divisions)
    st.markdown(_("**Audit trail of entry {entry}**", entry=entry_id))
    if not rows:
        st.info(_("No audit rows of this entry that you may see."))
        return
    report_table(
        audit_frame(rows),
        key=key,
        file_name=f"audit_entry_{entry_id}",
        title=_("Audit trail of entry {entry}", entry=entry_id),
        labels=labels(),
        filters={
            **workbook_lines(scope.divisions),
            _("Table"): ", ".join(audit_trail.ENTRY_TABLES),
            _("Record"): str(entry_id),
        },
    )
    if not link:
        return
    st.page_link(
        AUDIT_PAGE,
        label=_("Open in the audit trail"),
        icon=":material/history:",
        query_params={TABLE_PARAM: "journal_entry", KEY_PARAM: str(entry_id)},
    )
