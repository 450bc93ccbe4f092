"""The posting service: the one way into the ledger, where its invariants are enforced.

- an entry balances in the division's base currency, else it is refused;
- nothing is posted into a closed period or fiscal year;
- amounts are Decimal, never rounded silently: more decimals than the currency is refused;
- any bad input raises a DomainError before anything is written
  (all of the above: ``entry_checks``);
- document numbers are gap-free per journal and fiscal year, also under concurrent clerks
  (``transactional.numbering``, called by ``entry_writing``);
- posted entries are immutable (``posted_records`` and database triggers); a reversal
  corrects them (``reversals``).

Callers import the public API from here: ``EntryDraft``, ``LineDraft``, ``post_entry``,
``post_entries``, ``reverse_entry``.
"""

from __future__ import annotations

from sqlmodel import Session

from transactional import numbering
from transactional.errors import DomainError
from transactional.finance import posted_records  # noqa: F401  (registers the guard)
from transactional.finance.entry_checks import EntryDraft, LineDraft, check_entry
from transactional.finance.entry_writing import write_entries
from transactional.finance.master_data import MasterData
from transactional.finance.models import JournalEntry
from transactional.finance.reversals import reverse_entry
from transactional.organisation.models import User

__all__ = ["EntryDraft", "LineDraft", "post_entries", "post_entry", "reverse_entry"]


def post_entry(
    *, session: Session, user: User, entry: EntryDraft, action: str = "post_entry"
) -> JournalEntry:
    """Validate, number and post one entry; returns the posted entry."""
    return post_entries(session=session, user=user, entries=[entry], action=action)[0]


def post_entries(
    *, session: Session, user: User, entries: list[EntryDraft], action: str = "post_entry"
) -> list[JournalEntry]:
    """Post a batch of entries under the same rules as one; all or nothing.

    Every entry is validated before the first row is written, so a bad entry anywhere in
    the batch leaves the books untouched.
    """
    # Fast path: validate against the copy this process already holds, without reading
    # its token first, and check the token in the same statement that takes the numbers
    # (``numbering.allocate_entry_numbers``): if the master data changed since, nothing
    # is numbered or written and the call starts over as below. A refusal is only
    # trusted after the token was read (the copy may be older than a fix the clerk is
    # waiting for).
    cached = MasterData.cached(session)
    if cached is not None:
        try:
            checked = [
                check_entry(session=session, user=user, master=cached, draft=e, action=action)
                for e in entries
            ]
        except DomainError:
            pass
        else:
            try:
                return write_entries(
                    session=session, user=user, checked=checked, token=cached.snapshot.token
                )
            except numbering.StaleMasterData:
                pass
    master = MasterData(session)
    checked = [
        check_entry(session=session, user=user, master=master, draft=e, action=action)
        for e in entries
    ]
    return write_entries(session=session, user=user, checked=checked)
