"""Journal lines toward another group company carry it as counterparty, on SQLite and
PostgreSQL (``db_url`` runs both): consolidation eliminates on it.

Invoices and payments between group companies tag every line of their entry (they name
the relation on each), on both sides; a manual line names its counterparty itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.errors import ValidationError
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
from transactional.finance.models import JournalEntry, JournalLine
from transactional.finance.payments import AllocationDraft, PaymentDraft, post_payment
from transactional.finance.posting import EntryDraft, LineDraft, post_entry, reverse_entry
from transactional.organisation.models import Division
from transactional.relations.services import create_relation


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        create_relation(
            session=s,
            user=admin,
            division="HOLD",
            code="IC-US",
            name="Holding US Inc",
            relation_type="customer",
            country="US",
            intercompany_division="US01",
        )
        create_relation(
            session=s,
            user=admin,
            division="US01",
            code="IC-HOLD",
            name="Holding BV",
            relation_type="supplier",
            country="NL",
            currency="EUR",
            intercompany_division="HOLD",
        )
    yield eng
    eng.dispose()


def _ids(s: Session) -> dict[str, int]:
    return {d.code: d.id or 0 for d in s.exec(select(Division)).all()}


def _lines(s: Session, entry_id: int | None) -> list[JournalLine]:
    return list(
        s.exec(
            select(JournalLine)
            .where(JournalLine.entry_id == entry_id)
            .order_by(JournalLine.line_number)  # type: ignore[arg-type]
        ).all()
    )


def test_an_invoice_between_group_companies_tags_every_line_on_both_sides(engine) -> None:
    fee = [InvoiceLineDraft(account="8900", quantity="1", unit_price="1200", vat_code="V0")]
    with session_scope(engine) as s:
        sold = post_invoice(
            session=s,
            user=user(s, "clerk"),
            invoice=InvoiceDraft(
                division="HOLD",
                invoice_type="sales",
                relation="IC-US",
                invoice_date="2025-03-31",
                lines=fee,
            ),
        )
        bought = post_invoice(
            session=s,
            user=user(s, "clerk_us"),
            invoice=InvoiceDraft(
                division="US01",
                invoice_type="purchase",
                relation="IC-HOLD",
                invoice_date="2025-03-31",
                supplier_reference=sold.document_number,
                lines=[InvoiceLineDraft(account="4900", quantity="1", unit_price="1200")],
            ),
        )
        paid = post_payment(
            session=s,
            user=user(s, "clerk_us"),
            payment=PaymentDraft(
                division="US01",
                journal="BNK",
                relation="IC-HOLD",
                payment_date="2025-04-15",
                amount="1200",
                currency="EUR",
                direction="paid",
                allocations=[AllocationDraft(invoice=bought.document_number, amount="1200")],
            ),
        )
        entries = (sold.entry_id, bought.entry_id, paid.entry_id)
    with session_scope(engine) as s:
        ids = _ids(s)
        sales_lines = _lines(s, entries[0])
        assert len(sales_lines) == 2  # receivable and fee income
        assert {ln.counterparty_division_id for ln in sales_lines} == {ids["US01"]}
        purchase_lines = _lines(s, entries[1])
        assert len(purchase_lines) == 2  # payable and fee expense
        assert {ln.counterparty_division_id for ln in purchase_lines} == {ids["HOLD"]}
        payment_lines = _lines(s, entries[2])
        assert {ln.counterparty_division_id for ln in payment_lines} == {ids["HOLD"]}


def test_an_invoice_to_an_outside_customer_has_no_counterparty(engine) -> None:
    with session_scope(engine) as s:
        inv = post_invoice(
            session=s,
            user=user(s, "clerk"),
            invoice=InvoiceDraft(
                division="HOLD",
                invoice_type="sales",
                relation="C1",
                invoice_date="2025-03-31",
                lines=[InvoiceLineDraft(account="8000", quantity="2", unit_price="50")],
            ),
        )
        assert {ln.counterparty_division_id for ln in _lines(s, inv.entry_id)} == {None}


def loan(**line: object) -> EntryDraft:
    """HOLD lends to US01 through the intercompany current account."""
    return EntryDraft(
        division="HOLD",
        journal="MEM",
        entry_date="2025-05-02",
        description="Loan to US01",
        lines=[
            LineDraft(account="1350", debit="5000", **line),  # type: ignore[arg-type]
            LineDraft(account="1100", credit="5000"),
        ],
    )


def test_a_manual_line_names_its_counterparty_and_a_reversal_keeps_it(engine) -> None:
    with session_scope(engine) as s:
        by_code = post_entry(session=s, user=user(s, "clerk"), entry=loan(counterparty="US01"))
        by_id = post_entry(
            session=s, user=user(s, "clerk"), entry=loan(counterparty=_ids(s)["US01"])
        )
        plain = post_entry(session=s, user=user(s, "clerk"), entry=loan())
        entry_ids = (by_code.id, by_id.id, plain.id)
    with session_scope(engine) as s:
        us = _ids(s)["US01"]
        for entry_id in entry_ids[:2]:
            assert [ln.counterparty_division_id for ln in _lines(s, entry_id)] == [us, None]
        assert [ln.counterparty_division_id for ln in _lines(s, entry_ids[2])] == [None, None]
    with session_scope(engine) as s:
        reversal = reverse_entry(session=s, user=user(s, "accountant"), entry_id=entry_ids[0] or 0)
        assert [ln.counterparty_division_id for ln in _lines(s, reversal.id)] == [us, None]


@pytest.mark.parametrize(
    ("counterparty", "message"),
    [
        ("HOLD", "Division HOLD cannot be its own counterparty."),
        ("XX99", "Counterparty 'XX99' is not a division of the group."),
        (9999, "Counterparty '9999' is not a division of the group."),
    ],
)
def test_a_bad_counterparty_is_refused_and_nothing_written(engine, counterparty, message) -> None:
    with session_scope(engine) as s:
        before = len(s.exec(select(JournalEntry)).all())
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=loan(counterparty=counterparty))
    assert str(err.value) == message and err.value.field == "lines.1.counterparty"
    with session_scope(engine) as s:
        assert len(s.exec(select(JournalEntry)).all()) == before
