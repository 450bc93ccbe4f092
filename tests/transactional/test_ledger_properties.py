"""Property-based: random sequences of invoices, payments, entries and reversals keep the
books right — the trial balance sums to zero per division and period, and open items
equal the receivables and payables control accounts."""

from __future__ import annotations

import shutil
import uuid
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.errors import DomainError
from transactional.finance import balances
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
from transactional.finance.models import Invoice
from transactional.finance.payments import AllocationDraft, PaymentDraft, open_amounts, post_payment
from transactional.finance.posting import EntryDraft, LineDraft, post_entry, reverse_entry

amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("5000"), places=2).filter(
    lambda d: d != 0
)
days = st.integers(min_value=1, max_value=28)
months = st.integers(min_value=1, max_value=12)

invoice_op = st.tuples(
    st.just("invoice"),
    st.sampled_from(["sales", "purchase"]),
    st.sampled_from(["HOLD", "US01"]),
    st.sampled_from(["EUR", "USD"]),
    amounts,
    st.sampled_from(["V21", "V9", None]),
    months,
    days,
)
payment_op = st.tuples(
    st.just("payment"),
    st.integers(0, 50),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1.2"), places=2),
    months,
    days,
    st.decimals(min_value=Decimal("0.80"), max_value=Decimal("1.00"), places=2),
)
entry_op = st.tuples(
    st.just("entry"),
    st.sampled_from(["HOLD", "US01"]),
    amounts,
    months,
    days,
    st.sampled_from(["EUR", "USD", "JPY"]),
)
reversal_op = st.tuples(st.just("reversal"), st.integers(0, 50))
operations = st.lists(
    st.one_of(invoice_op, payment_op, entry_op, reversal_op), min_size=1, max_size=25
)

RELATIONS = {("HOLD", "sales"): "C1", ("HOLD", "purchase"): "S1", ("US01", "sales"): "C1"}


def apply(engine, op: tuple, entries: list[int]) -> None:
    kind = op[0]
    try:
        with session_scope(engine) as s:
            clerk, accountant = user(s, "accountant"), user(s, "accountant")
            if kind == "invoice":
                _, itype, div, cur, amount, vat, m, d = op
                relation = RELATIONS.get((div, itype))
                if relation is None:
                    return
                post_invoice(
                    session=s,
                    user=clerk,
                    invoice=InvoiceDraft(
                        division=div,
                        invoice_type=itype,
                        relation=relation,
                        invoice_date=f"2025-{m:02d}-{d:02d}",
                        currency=cur,
                        lines=[
                            InvoiceLineDraft(
                                account="8000" if itype == "sales" else "4400",
                                quantity="1",
                                unit_price=amount,
                                vat_code=vat,
                            )
                        ],
                    ),
                )
            elif kind == "payment":
                _, pick, share, m, d, rate = op
                invoices = s.exec(select(Invoice).order_by(Invoice.id)).all()
                if not invoices:
                    return
                inv = invoices[pick % len(invoices)]
                open_amt, _ = open_amounts(s, [inv.id])[inv.id]
                if open_amt <= 0:
                    return
                alloc = min(open_amt, (open_amt * share).quantize(Decimal("0.01")))
                pay_amount = (open_amt * share).quantize(Decimal("0.01"))
                if alloc <= 0 or pay_amount <= 0:
                    return
                division = "HOLD" if inv.division_id == 1 else "US01"
                from transactional.relations.models import Relation

                rel = s.get(Relation, inv.relation_id)
                post_payment(
                    session=s,
                    user=clerk,
                    payment=PaymentDraft(
                        division=division,
                        journal="BNK",
                        relation=rel.code,
                        direction="received" if inv.invoice_type == "sales" else "paid",
                        payment_date=f"2025-{m:02d}-{d:02d}",
                        amount=pay_amount,
                        currency=inv.currency_code,
                        rate=rate,
                        allocations=[AllocationDraft(invoice=inv.id, amount=alloc)],
                    ),
                )
            elif kind == "entry":
                _, div, amount, m, d, cur = op
                e = post_entry(
                    session=s,
                    user=clerk,
                    entry=EntryDraft(
                        division=div,
                        journal="MEM",
                        entry_date=f"2025-{m:02d}-{d:02d}",
                        lines=[
                            LineDraft(account="4400", debit=amount, currency=cur),
                            LineDraft(account="1100", credit=amount, currency=cur),
                        ],
                    ),
                )
                entries.append(e.id)
            elif kind == "reversal" and entries:
                reverse_entry(session=s, user=accountant, entry_id=entries[op[1] % len(entries)])
    except DomainError:
        # Refusals (dates before the payment, double reversals...) are part of the game:
        # the invariants must hold whatever was refused.
        pass


def check_books(engine) -> None:
    with session_scope(engine) as s:
        assert all(total == 0 for total in balances.trial_balance_totals(s).values())
        for division_id in (1, 2):
            assert balances.control_balance(
                s, division_id, "receivables"
            ) == balances.open_items_total(s, division_id, "sales")
            assert balances.control_balance(
                s, division_id, "payables"
            ) == balances.open_items_total(s, division_id, "purchase")


def run_sequence(url: str, ops: list[tuple]) -> None:
    engine = make_engine(url)
    entries: list[int] = []
    try:
        for op in ops:
            apply(engine, op, entries)
        check_books(engine)
    finally:
        engine.dispose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_books_stay_balanced_on_sqlite(
    sqlite_template: Path, tmp_path: Path, ops: list[tuple]
) -> None:
    target = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(sqlite_template, target)
    run_sequence(f"sqlite:///{target}", ops)
    target.unlink()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_books_stay_balanced_on_postgresql(pg_template: str, ops: list[tuple]) -> None:
    name = create_pg_database(pg_template)
    try:
        run_sequence(pg_url(name), ops)
    finally:
        drop_pg_database(name)
