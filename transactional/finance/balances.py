"""Ledger balances read straight from the transactional database.

Used by the services' own checks and tests (trial balance per division and period,
open items against the control accounts). Reporting reads the warehouse marts instead.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from transactional.finance.models import (
    Account,
    Invoice,
    JournalEntry,
    JournalLine,
    PaymentAllocation,
)


def trial_balance_totals(session: Session) -> dict[tuple[int, int], Decimal]:
    """Sum of base amounts per (division, period): zero for balanced books."""
    rows = session.exec(
        select(JournalLine.division_id, JournalEntry.period_id, func.sum(JournalLine.amount_base))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)  # type: ignore[arg-type]
        .group_by(col(JournalLine.division_id), col(JournalEntry.period_id))
    ).all()
    return {(d, p): total for d, p, total in rows}


def control_balance(session: Session, division_id: int, category: str) -> Decimal:
    """Balance (debit positive) of the division's accounts in a reporting category."""
    total = session.exec(
        select(func.sum(JournalLine.amount_base))
        .join(Account, Account.id == JournalLine.account_id)  # type: ignore[arg-type]
        .where(JournalLine.division_id == division_id, Account.reporting_category == category)
    ).one()
    return total or Decimal(0)


def open_items_total(session: Session, division_id: int, invoice_type: str) -> Decimal:
    """Open invoices (base, at invoice rate) less payments on account, debit positive."""
    invoiced = session.exec(
        select(func.sum(Invoice.amount_base)).where(
            Invoice.division_id == division_id, Invoice.invoice_type == invoice_type
        )
    ).one() or Decimal(0)
    paid = session.exec(
        select(func.sum(PaymentAllocation.amount_base))
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)  # type: ignore[arg-type]
        .where(Invoice.division_id == division_id, Invoice.invoice_type == invoice_type)
    ).one() or Decimal(0)
    category = "receivables" if invoice_type == "sales" else "payables"
    # Payments on account: control-account lines of payments not tied to an invoice.
    on_account = session.exec(
        select(func.sum(JournalLine.amount_base))
        .join(Account, Account.id == JournalLine.account_id)  # type: ignore[arg-type]
        .where(
            JournalLine.division_id == division_id,
            Account.reporting_category == category,
            JournalLine.invoice_id.is_(None),  # type: ignore[union-attr]
        )
    ).one() or Decimal(0)
    open_docs = invoiced - paid
    return (open_docs if invoice_type == "sales" else -open_docs) + on_account
