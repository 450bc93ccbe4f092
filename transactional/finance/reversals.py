"""Reversing a posted manual entry: its mirror image, posted under the same rules.

The original stays as it was (posted entries are immutable); invoices and payments are
corrected with a credit note or a new payment instead.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from transactional.errors import N_, DomainError, ValidationError
from transactional.finance.entry_checks import EntryDraft, LineDraft, check_entry
from transactional.finance.entry_writing import write_entries
from transactional.finance.master_data import MasterData
from transactional.finance.models import (
    CostCentre,
    CostUnit,
    Journal,
    JournalEntry,
    JournalLine,
    VatCode,
)
from transactional.organisation import rights
from transactional.organisation.models import User


def reverse_entry(
    *,
    session: Session,
    user: User,
    entry_id: int,
    reversal_date: date | str | None = None,
    reason: str = "",
) -> JournalEntry:
    """Post the mirror image of a manual entry; the original stays as it was."""
    original = session.get(JournalEntry, entry_id)
    if original is None:
        raise ValidationError(
            N_("Entry {entry_id} does not exist."), field="entry", entry_id=entry_id
        )
    rights.require(session, user, "reverse_entry", original.division_id)
    source = original.source_type.replace("_", " ")
    if original.source_type not in ("manual",):
        raise DomainError(
            N_(
                "Entry {entry} was created by a {source}; correct it with a credit note or a new "
                "payment, not a reversal."
            ),
            field="entry",
            entry=original.document_number,
            source=source,
        )
    already = session.exec(
        select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id)
    ).first()
    if already is not None:
        raise DomainError(
            N_("Entry {entry} was already reversed by {reversal}."),
            field="entry",
            entry=original.document_number,
            reversal=already.document_number,
        )
    lines = session.exec(
        select(JournalLine)
        .where(JournalLine.entry_id == entry_id)
        .order_by(JournalLine.line_number)  # type: ignore[arg-type]
    ).all()
    journal = session.get(Journal, original.journal_id)
    assert journal is not None
    draft = EntryDraft(
        division=original.division_id,
        journal=journal.code,
        entry_date=reversal_date or original.entry_date,
        description=f"Reversal of {original.document_number}" + (f": {reason}" if reason else ""),
        source_type="reversal",
        source_id=original.id,
        reverses_entry_id=original.id,
        lines=[
            LineDraft(
                account=ln.account_id,
                # Mirror the foreign amount and keep the original rate: the base amounts
                # cancel exactly, whatever the rate is on the reversal date.
                debit=-ln.amount_foreign if ln.amount_foreign < 0 else None,
                credit=ln.amount_foreign if ln.amount_foreign >= 0 else None,
                description=ln.description,
                currency=ln.currency_code,
                rate=ln.rate,
                cost_centre=_code_of(session, "cost_centre", ln.cost_centre_id),
                cost_unit=_code_of(session, "cost_unit", ln.cost_unit_id),
                relation=ln.relation_id,
                counterparty=ln.counterparty_division_id,
                vat_code=_code_of(session, "vat_code", ln.vat_code_id),
            )
            for ln in lines
        ],
    )
    # Checked against a freshly read master-data copy (a reversal is rare; no fast path).
    checked = check_entry(
        session=session,
        user=user,
        master=MasterData(session),
        draft=draft,
        action="reverse_entry",
    )
    return write_entries(session=session, user=user, checked=[checked])[0]


def _code_of(session: Session, table: str, record_id: int | None) -> str | None:
    if record_id is None:
        return None
    model: Any = {"cost_centre": CostCentre, "cost_unit": CostUnit, "vat_code": VatCode}[table]
    rec = session.get(model, record_id)
    return rec.code if rec is not None else None  # type: ignore[attr-defined]
