"""Posted records stay as they were: the ORM refuses to change or delete them.

Journal entries and lines, invoices, payments and their allocations and matches are
written once, with the entry that posts them. Importing this module registers the guard
on every session (the posting modules import it); the database refuses too (triggers,
migrations 0001 and 0007).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from transactional.errors import N_, ImmutableRecord
from transactional.finance.models import JournalEntry, JournalLine

# Written once, with the entry that posts them; the database refuses changes too
# (migrations 0001 and 0007), and the warehouse loads them by new id on that promise.
_POSTED_DOCUMENTS = frozenset(
    {"invoice", "invoice_line", "payment", "payment_allocation", "invoice_match"}
)


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes_to_posted(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if not (obj in session.deleted or session.is_modified(obj)):
            continue
        if isinstance(obj, (JournalEntry, JournalLine)):
            raise ImmutableRecord(
                N_("A posted entry cannot be changed or deleted; post a reversal to correct it.")
            )
        if getattr(type(obj), "__tablename__", None) in _POSTED_DOCUMENTS:
            raise ImmutableRecord(
                N_(
                    "A posted invoice or payment cannot be changed or deleted; correct it with a "
                    "credit note, a reversal or a new payment."
                )
            )
