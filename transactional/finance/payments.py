"""Payments and their allocation to open invoices.

A payment received debits the bank/cash account and credits the receivables control
account: per allocated invoice at that invoice's own base amount (so the open item and
the control account move together), and the unallocated rest as a payment on account.
A difference between payment rate and invoice rate goes to the exchange-result account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from transactional import audit
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.entry_checks import EntryDraft, LineDraft, check_entry
from transactional.finance.entry_writing import write_entries
from transactional.finance.lookups import Lookups
from transactional.finance.master_data import MasterData
from transactional.finance.models import Invoice, JournalEntry, Payment, PaymentAllocation
from transactional.money import round_money, to_money
from transactional.organisation.models import User


@dataclass
class AllocationDraft:
    invoice: str | int  # document number or id
    amount: Decimal | str


@dataclass
class PaymentDraft:
    division: str | int
    journal: str  # a bank or cash journal
    relation: str | int
    payment_date: date | str
    amount: Decimal | str
    direction: str = "received"  # received | paid
    currency: str | None = None  # default: the journal's, else the division's currency
    rate: Decimal | str | None = None
    reference: str = ""
    allocations: list[AllocationDraft] = field(default_factory=list)


def open_amounts(session: Session, invoice_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Open amount (invoice currency, base) per invoice."""
    if not invoice_ids:
        return {}
    paid = dict(
        (row[0], (row[1], row[2]))
        for row in session.exec(
            select(
                PaymentAllocation.invoice_id,
                func.sum(PaymentAllocation.amount),
                func.sum(PaymentAllocation.amount_base),
            )
            .where(PaymentAllocation.invoice_id.in_(invoice_ids))  # type: ignore[attr-defined]
            .group_by(PaymentAllocation.invoice_id)  # type: ignore[arg-type]
        ).all()
    )
    result = {}
    for inv in session.exec(select(Invoice).where(Invoice.id.in_(invoice_ids))).all():  # type: ignore[union-attr]
        p_amt, p_base = paid.get(inv.id or 0, (Decimal(0), Decimal(0)))
        result[inv.id or 0] = (inv.amount_incl_vat - (p_amt or 0), inv.amount_base - (p_base or 0))
    return result


def post_payment(*, session: Session, user: User, payment: PaymentDraft) -> Payment:
    return post_payments(session=session, user=user, payments=[payment])[0]


def post_payments(*, session: Session, user: User, payments: list[PaymentDraft]) -> list[Payment]:
    """Post a batch of payments with their allocations, all or nothing."""
    lookups = Lookups(session)
    # Allocations within the batch count against the same invoice's open amount.
    pending: dict[int, tuple[Decimal, Decimal]] = {}
    # Read the open amounts of every invoice referenced by id in one go, not two queries
    # per allocation; references by document number are still read one by one.
    by_id = sorted(
        {a.invoice for d in payments for a in d.allocations if isinstance(a.invoice, int)}
    )
    for n in range(0, len(by_id), 1000):  # stay far below the databases' parameter limits
        pending.update(open_amounts(session, by_id[n : n + 1000]))
    master = MasterData(session)
    built = [_build(session, user, lookups, d, pending) for d in payments]
    prepared = [
        check_entry(session=session, user=user, master=master, draft=e, action="post_payment")
        for _, _, e in built
    ]

    def create_payments(entries: list[JournalEntry]) -> None:
        for (pay, _allocs, _), entry in zip(built, entries, strict=True):
            pay.entry_id = entry.id
            pay.document_number = entry.document_number
        # Executemany statements with their audit rows, as for the entries (write_entries).
        ids = audit.insert_audited(
            session, _PAYMENT, [{c: getattr(b[0], c) for c in _PAYMENT_COLUMNS} for b in built]
        )
        allocation_rows: list[dict[str, Any]] = []
        for (pay, allocs, _), payment_id in zip(built, ids, strict=True):
            pay.id = payment_id
            make_transient_to_detached(pay)
            session.add(pay)
            for a in allocs:
                a["payment_id"] = payment_id
                allocation_rows.append(a)
        audit.insert_audited(
            session,
            PaymentAllocation.__table__,  # type: ignore[attr-defined]
            allocation_rows,
        )

    write_entries(session=session, user=user, checked=prepared, before_lines=create_payments)
    return [b[0] for b in built]


_PAYMENT = Payment.__table__  # type: ignore[attr-defined]
_PAYMENT_COLUMNS = [c.key for c in _PAYMENT.columns if c.key != "id"]


def _build(
    session: Session,
    user: User,
    lookups: Lookups,
    d: PaymentDraft,
    pending: dict[int, tuple[Decimal, Decimal]],
) -> tuple[Payment, list[dict[str, Any]], EntryDraft]:
    if d.direction not in ("received", "paid"):
        raise ValidationError(N_("Direction must be 'received' or 'paid'."), field="direction")
    received = d.direction == "received"
    division = lookups.division(d.division)
    assert division.id is not None
    lookups.require(user, "post_payment", division.id)
    journal = lookups.journal(division, d.journal, types=("bank", "cash"))
    if journal.account_id is None:
        raise ValidationError(
            N_("Journal {journal} has no bank account set."),
            field="journal",
            journal=journal.code,
        )
    relation = lookups.relation(division, d.relation)
    on = parse_date(d.payment_date, field="payment_date", label="Payment date")
    cur = lookups.currency(d.currency or journal.currency_code or division.currency_code)
    base = lookups.currency(division.currency_code)
    amount = to_money(d.amount, cur.decimals, currency=cur.code, field="amount", label="Amount")
    if amount <= 0:
        raise ValidationError(N_("The amount must be more than zero."), field="amount")
    rate = lookups.document_rate(d.rate, cur.code, base.code, on, field="rate", label="Rate")
    amount_base = round_money(amount * rate, base.decimals)
    control = lookups.account_for_role(division, "receivables" if received else "payables")
    sign = Decimal(-1) if received else Decimal(1)  # received: credit the receivable

    allocations: list[dict[str, Any]] = []  # payment_allocation rows, but the ids
    lines: list[LineDraft] = [
        LineDraft(
            account=journal.account_id,
            debit=amount if received else None,
            credit=None if received else amount,
            currency=cur.code,
            amount_base=amount_base if received else -amount_base,
            relation=relation.id,
            description=d.reference or relation.name,
        )
    ]
    allocated = Decimal(0)
    relieved_base = Decimal(0)
    for n, a in enumerate(d.allocations, start=1):
        inv = _find_invoice(session, division.id, a.invoice, n)
        wanted = "sales" if received else "purchase"
        if inv.invoice_type != wanted or inv.relation_id != relation.id:
            raise ValidationError(
                N_("Invoice {invoice} is not a sales invoice of {relation}.")
                if received
                else N_("Invoice {invoice} is not a purchase invoice of {relation}."),
                field=f"allocations.{n}.invoice",
                invoice=inv.document_number,
                relation=relation.name,
            )
        if inv.currency_code != cur.code:
            raise ValidationError(
                N_(
                    "Invoice {invoice} is in {invoice_currency}; a {currency} payment cannot "
                    "settle it."
                ),
                field=f"allocations.{n}.invoice",
                invoice=inv.document_number,
                invoice_currency=inv.currency_code,
                currency=cur.code,
            )
        alloc = to_money(
            a.amount,
            cur.decimals,
            currency=cur.code,
            field=f"allocations.{n}.amount",
            label=f"Allocation {n}",
        )
        assert inv.id is not None
        if inv.id not in pending:
            pending[inv.id] = open_amounts(session, [inv.id])[inv.id]
        open_amt, open_base = pending[inv.id]
        if alloc == 0 or (alloc > 0) != (open_amt > 0) or abs(alloc) > abs(open_amt):
            raise ValidationError(
                N_(
                    "Invoice {invoice} has {open_amount} {currency} open; {amount} cannot be "
                    "allocated to it."
                ),
                field=f"allocations.{n}.amount",
                invoice=inv.document_number,
                open_amount=open_amt,
                currency=cur.code,
                amount=alloc,
            )
        # Settling the whole rest relieves the whole remaining base: no rounding residue.
        alloc_base = (
            open_base if alloc == open_amt else round_money(alloc * inv.rate, base.decimals)
        )
        pending[inv.id] = (open_amt - alloc, open_base - alloc_base)
        allocated += alloc
        relieved_base += alloc_base
        allocations.append(
            {"payment_id": 0, "invoice_id": inv.id, "amount": alloc, "amount_base": alloc_base}
        )
        lines.append(
            LineDraft(
                account=control.id or 0,
                debit=None if received else alloc,
                credit=alloc if received else None,
                currency=cur.code,
                amount_base=sign * alloc_base,
                relation=relation.id,
                invoice_id=inv.id,
                description=f"Payment {inv.document_number}",
            )
        )
    if allocated > amount:
        raise ValidationError(
            N_("The allocations ({allocated}) exceed the payment ({amount} {currency})."),
            field="allocations",
            allocated=allocated,
            amount=amount,
            currency=cur.code,
        )
    rest = amount - allocated
    rest_base = round_money(rest * rate, base.decimals)
    if rest:
        lines.append(
            LineDraft(
                account=control.id or 0,
                debit=None if received else rest,
                credit=rest if received else None,
                currency=cur.code,
                amount_base=sign * rest_base,
                relation=relation.id,
                description="Payment on account",
            )
        )
    fx_difference = amount_base - relieved_base - rest_base
    if fx_difference:
        fx = lookups.account_for_role(division, "fx_result")
        lines.append(
            LineDraft(
                account=fx.id or 0,
                debit=Decimal(0) if received else None,
                credit=None if received else Decimal(0),
                currency=base.code,
                amount_base=sign * fx_difference,
                description="Exchange difference",
            )
        )
    payment = Payment(
        division_id=division.id,
        journal_id=journal.id or 0,
        relation_id=relation.id or 0,
        direction=d.direction,
        payment_date=on,
        currency_code=cur.code,
        rate=rate,
        amount=amount,
        amount_base=amount_base,
        reference=d.reference,
        document_number="",
        created_by=user.id or 0,
    )
    entry = EntryDraft(
        division=division.id,
        journal=journal.code,
        entry_date=on,
        description=d.reference or f"Payment {relation.name}",
        lines=lines,
        source_type="payment",
        allow_control_accounts=True,
    )
    return payment, allocations, entry


def _find_invoice(session: Session, division_id: int, ref: str | int, n: int) -> Invoice:
    if isinstance(ref, int):
        inv = session.get(Invoice, ref)
    else:
        inv = session.exec(
            select(Invoice).where(
                Invoice.division_id == division_id, Invoice.document_number == str(ref).strip()
            )
        ).first()
    if inv is None or inv.division_id != division_id:
        raise ValidationError(
            N_("Invoice {ref} does not exist."), field=f"allocations.{n}.invoice", ref=ref
        )
    return inv
