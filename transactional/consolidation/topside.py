"""Top-side consolidation entries: what a group accountant adds to a group level's
consolidation (a fair-value adjustment, a reclassification) without touching any
division's books.

An entry belongs to a group level (the consolidating parent's division), is in that
level's currency, balances, and puts each line in the column of one division of the
level. Once posted it is immutable, like a journal entry (the ORM guard below and the
triggers of migration 0011); a reversal corrects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from transactional import numbering
from transactional.consolidation.group_chart import find_group_account
from transactional.consolidation.models import (
    ConsolidationEntry,
    ConsolidationLine,
    GroupMember,
)
from transactional.consolidation.structure import level_division_ids
from transactional.dates import parse_date
from transactional.errors import N_, DomainError, ImmutableRecord, UnbalancedEntry, ValidationError
from transactional.money import exact_money, to_decimal
from transactional.organisation import rights
from transactional.organisation.models import Currency, Division, User
from transactional.organisation.services import find_division

# The gap-free series of a group level's top-side entries (transactional.numbering).
COUNTER_KIND = "consolidation"


@dataclass
class TopsideLine:
    """One line as the group accountant enters it, in the group level's currency."""

    division: str
    group_account: str
    debit: Decimal | str | None = None
    credit: Decimal | str | None = None
    counterparty: str | None = None
    description: str = ""


def post_consolidation_entry(
    *,
    session: Session,
    user: User,
    group: str,
    entry_date: date | str,
    description: str,
    lines: list[TopsideLine],
) -> ConsolidationEntry:
    """Check and post a top-side entry of the group level ``group``; nothing is written
    when a check fails."""
    level = find_division(session, group, field="group")
    assert level.id is not None
    rights.require(session, user, "consolidate", level.id)
    on = parse_date(entry_date, field="entry_date", label=N_("Entry date"))
    held = session.exec(
        select(GroupMember.id).where(GroupMember.parent_division_id == level.id)
    ).first()
    if held is None:
        raise ValidationError(
            N_("{group} holds no group companies; a top-side entry belongs to a group level."),
            field="group",
            group=level.code,
        )
    if len(lines) < 2:
        raise ValidationError(N_("An entry needs at least two lines."), field="lines")
    currency = session.get(Currency, level.currency_code)
    assert currency is not None
    inside = level_division_ids(session, level.id, on)
    divisions: dict[str, Division] = {}

    def column(code: str | None, field: str) -> Division:
        key = str(code or "").strip()
        if not key:
            raise ValidationError(N_("Division is required."), field=field)
        if key not in divisions:
            divisions[key] = find_division(session, key, field=field)
        found = divisions[key]
        if found.id not in inside:
            raise ValidationError(
                N_("Division {division} is not in group {group} on {date}."),
                field=field,
                division=found.code,
                group=level.code,
                date=on.isoformat(),
            )
        return found

    rows: list[dict[str, Any]] = []
    for n, line in enumerate(lines, start=1):
        div = column(line.division, f"lines.{n}.division")
        account = find_group_account(session, line.group_account, field=f"lines.{n}.group_account")
        if not account.is_active:
            raise ValidationError(
                N_("Line {line}: group account {code} ({name}) is no longer active."),
                field=f"lines.{n}.group_account",
                line=n,
                code=account.code,
                name=account.name,
            )
        counterparty_id = None
        if line.counterparty not in (None, ""):
            other = column(line.counterparty, f"lines.{n}.counterparty")
            if other.id == div.id:
                raise ValidationError(
                    N_("Line {line}: division {division} cannot be its own counterparty."),
                    field=f"lines.{n}.counterparty",
                    line=n,
                    division=div.code,
                )
            counterparty_id = other.id
        amount = _signed_amount(line, n, currency)
        rows.append(
            {
                "line_number": n,
                "division_id": div.id,
                "group_account_id": account.id,
                "counterparty_division_id": counterparty_id,
                "amount": amount,
                "description": line.description or description,
            }
        )
    return _write(session, user, level, on, description, rows, reverses=None)


def reverse_consolidation_entry(
    *, session: Session, user: User, entry_id: int, on: date | str | None = None
) -> ConsolidationEntry:
    """Post the mirror image of a top-side entry (on ``on``, default its own date); the
    original stays as it was."""
    original = session.get(ConsolidationEntry, entry_id)
    if original is None:
        raise ValidationError(
            N_("Consolidation entry {entry_id} does not exist."), field="entry", entry_id=entry_id
        )
    rights.require(session, user, "consolidate", original.group_division_id)
    level = session.get(Division, original.group_division_id)
    assert level is not None
    already = session.exec(
        select(ConsolidationEntry).where(ConsolidationEntry.reverses_entry_id == entry_id)
    ).first()
    if already is not None:
        raise DomainError(
            N_("Consolidation entry {entry} of {group} was already reversed by {reversal}."),
            field="entry",
            entry=original.number,
            group=level.code,
            reversal=already.number,
        )
    day = (
        parse_date(on, field="on", label=N_("Reversal date"))
        if on not in (None, "")
        else original.entry_date
    )
    lines = session.exec(
        select(ConsolidationLine)
        .where(ConsolidationLine.entry_id == entry_id)
        .order_by(ConsolidationLine.line_number)  # type: ignore[arg-type]
    ).all()
    # The mirror of what was accepted: same columns and accounts, even if an account has
    # been closed or a division has left the group since.
    rows = [
        {
            "line_number": ln.line_number,
            "division_id": ln.division_id,
            "group_account_id": ln.group_account_id,
            "counterparty_division_id": ln.counterparty_division_id,
            "amount": -ln.amount,
            "description": ln.description,
        }
        for ln in lines
    ]
    return _write(
        session,
        user,
        level,
        day,
        f"Reversal of {original.number}: {original.description}",
        rows,
        reverses=original.id,
    )


def _signed_amount(line: TopsideLine, n: int, currency: Currency) -> Decimal:
    has_debit = line.debit not in (None, "")
    has_credit = line.credit not in (None, "")
    if has_debit == has_credit:
        raise ValidationError(
            N_("Line {line}: enter either a debit or a credit amount, not both.")
            if has_debit
            else N_("Line {line}: enter a debit or a credit amount."),
            field=f"lines.{n}.debit",
            line=n,
        )
    side, value, sign = ("debit", line.debit, 1) if has_debit else ("credit", line.credit, -1)
    label = f"Line {n} {side}"
    amount = exact_money(
        to_decimal(value, field=f"lines.{n}.{side}", label=label),
        currency.decimals,
        currency=currency.code,
        field=f"lines.{n}.{side}",
        label=label,
    )
    return sign * amount


def _write(
    session: Session,
    user: User,
    level: Division,
    on: date,
    description: str,
    rows: list[dict[str, Any]],
    *,
    reverses: int | None,
) -> ConsolidationEntry:
    total = sum((r["amount"] for r in rows), Decimal(0))
    if total != 0:
        debit = sum((r["amount"] for r in rows if r["amount"] > 0), Decimal(0))
        raise UnbalancedEntry(
            N_(
                "The entry does not balance: debit {debit} and credit {credit} {currency} differ "
                "by {total} {currency}."
            ),
            field="lines",
            debit=debit,
            credit=debit - total,
            currency=level.currency_code,
            total=abs(total),
        )
    if not any(r["amount"] for r in rows):
        raise ValidationError(N_("The entry has no amounts."), field="lines")
    assert level.id is not None and user.id is not None
    entry = ConsolidationEntry(
        group_division_id=level.id,
        number=numbering.next_counter(session, level.id, COUNTER_KIND),
        entry_date=on,
        description=(description or "").strip(),
        reverses_entry_id=reverses,
        created_by=user.id,
        created_at=datetime.now(UTC),
    )
    session.add(entry)
    session.flush()
    assert entry.id is not None
    session.add_all(ConsolidationLine(entry_id=entry.id, **row) for row in rows)
    session.flush()
    return entry


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes_to_posted(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, (ConsolidationEntry, ConsolidationLine)) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise ImmutableRecord(
                N_(
                    "A posted consolidation entry cannot be changed or deleted; post a reversal "
                    "to correct it."
                )
            )
