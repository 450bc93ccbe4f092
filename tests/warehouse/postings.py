"""Postings the warehouse tests make through the real services."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from transactional.database import make_engine, session_scope
from transactional.finance import invoices
from transactional.organisation.models import Division, User
from transactional.relations.models import Relation


def post_sales_invoice(url: str, amount: str, *, on: str) -> tuple[int, Decimal]:
    """The admin posts a one-line HOLD sales invoice on ``on``; its id and base amount."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            admin = session.exec(select(User).where(User.username == "admin")).one()
            holding = session.exec(select(Division).where(Division.code == "HOLD")).one()
            customer = session.exec(
                select(Relation).where(
                    Relation.division_id == holding.id, Relation.relation_type == "customer"
                )
            ).first()
            assert customer is not None
            invoice = invoices.post_invoice(
                session=session,
                user=admin,
                invoice=invoices.InvoiceDraft(
                    division="HOLD",
                    invoice_type="sales",
                    relation=customer.code,
                    invoice_date=on,
                    currency=holding.currency_code,
                    lines=[
                        invoices.InvoiceLineDraft(account="8100", quantity="1", unit_price=amount)
                    ],
                ),
            )
            return invoice.id, invoice.amount_base
    finally:
        engine.dispose()
