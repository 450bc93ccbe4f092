"""A month of business: plan the documents, book them in our own books, post them.

Every document goes through the services' batch APIs (one batch per division, clerk and
kind of document), so the demo obeys exactly the rules a clerk's form obeys.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from ingestion.demo.books import Books, InvoicePlan, OpenItem
from ingestion.demo.company import ALL_SPECS, DIVISIONS, HOLDING, SPECS, Staff
from ingestion.demo.group import GroupPlan, post_group_entries
from ingestion.demo.intercompany import fee_amount, plan_fees
from ingestion.demo.purchases import plan_purchases, plan_rent
from ingestion.demo.rates import RateTable
from ingestion.demo.recurring import Accountant
from ingestion.demo.relations import PartyBook
from ingestion.demo.sales import plan_sales
from ingestion.demo.settlement import Installment, Settlement
from ingestion.demo.timeline import Month
from ingestion.demo.volumes import Volumes
from transactional.finance import invoices as invoice_service
from transactional.finance import payments as payment_service
from transactional.finance import posting
from transactional.finance.models import Account, CostCentre, CostUnit, Invoice, Journal, VatCode
from transactional.organisation.models import Currency, Division, User
from transactional.relations.models import Relation

if TYPE_CHECKING:
    from ingestion.demo.manufacturing import Manufacturer
    from ingestion.demo.wholesale import Trade

MASTER_DATA = (Division, Currency, Account, Journal, VatCode, CostCentre, CostUnit, Relation)


@dataclass
class Demo:
    """Everything the monthly run needs, decided before the first posting."""

    seed: int
    first_month: Month
    rates: RateTable
    parties: PartyBook
    staff: Staff
    volumes: Volumes
    books: Books
    settlement: Settlement
    accountant: Accountant
    accounts: dict[str, int]  # the shared chart's ids by code
    trades: dict[str, Trade] = field(default_factory=dict)  # wholesale per trading division
    group: GroupPlan | None = None  # investments and dividends inside the group
    manufacturer: Manufacturer | None = None  # MF01's production and trade

    def rng(self, *parts: object) -> random.Random:
        """An independent, seeded stream per purpose, division and month: changing how one
        thing is generated does not reshuffle everything else."""
        return random.Random("/".join(str(p) for p in (self.seed, *parts)))


def run_month(session: Session, demo: Demo, month: Month) -> None:
    """Post one month: sales, purchases, the payments falling due, the accountant's entries."""
    # The services look relations and accounts up by id on every line; the session only
    # keeps objects something refers to, so hold the master data for the month.
    master_data = [session.exec(select(model)).all() for model in MASTER_DATA]
    revenue = {s.code: demo.volumes.monthly_revenue(s.code, month) for s in DIVISIONS}
    if demo.manufacturer is not None:  # outside the volume plan: its own expected sales
        revenue[demo.manufacturer.division] = demo.manufacturer.monthly_revenue(month)
    fees = plan_fees(month=month, monthly_revenue=revenue, parties=demo.parties, rates=demo.rates)
    sales: dict[str, list[InvoicePlan]] = {}
    for spec in DIVISIONS:
        rng = demo.rng("sales", spec.code, month.index)
        sales[spec.code] = plan_sales(spec=spec, month=month, parties=demo.parties,
                                      rates=demo.rates, volumes=demo.volumes, rng=rng)
        fee_invoices = [sale for sale, _ in fees] if spec.code == HOLDING else []
        _post_invoices(session, demo, spec.code, month, sales[spec.code] + fee_invoices, rng)
    for spec in DIVISIONS:
        rng = demo.rng("purchases", spec.code, month.index)
        plans = plan_purchases(spec=spec, month=month, sales=sales[spec.code],
                               monthly_revenue=revenue[spec.code], parties=demo.parties,
                               rates=demo.rates, rng=rng)
        rent = plan_rent(spec=spec, month=month, parties=demo.parties,
                         first_year_revenue=demo.volumes.monthly_revenue(spec.code,
                                                                         demo.first_month))
        plans += [rent] if rent is not None else []
        plans += [purchase for _, purchase in fees if purchase.division == spec.code]
        _post_invoices(session, demo, spec.code, month, plans, rng)
    for trade in demo.trades.values():
        # Wholesale documents before the payments: their invoices may fall due this month.
        trade.run_month(session, month)
    if demo.manufacturer is not None:
        demo.manufacturer.run_month(session, month)
    due = demo.settlement.due_in(month.year, month.month)
    for spec in ALL_SPECS:
        _post_payments(session, demo, month, [i for i in due if i.item.plan.division == spec.code])
    for code in revenue:
        _post_accountant_entries(session, demo, month, code, revenue)
    if demo.group is not None:
        post_group_entries(session, staff=demo.staff, books=demo.books, plan=demo.group,
                           rates=demo.rates, month=month)
    master_data.clear()


def _post_accountant_entries(
    session: Session, demo: Demo, month: Month, division: str, revenue: dict[str, Decimal]
) -> None:
    wage_base = revenue[division]
    if division == HOLDING:  # the holding's staff is paid from the fees it earns
        wage_base += sum((fee_amount(s.code, revenue[s.code], demo.rates, month.first)
                          for s in DIVISIONS if s.code != HOLDING), Decimal(0))
    spec = SPECS[division]
    entries = demo.accountant.month_entries(
        spec=spec, month=month, monthly_revenue=revenue[division], wage_base=wage_base,
        rng=demo.rng("entries", division, month.index))
    deposit = demo.accountant.cash_deposit(spec, month)  # after the month's cash receipts
    entries += [deposit] if deposit is not None else []
    if entries:
        posting.post_entries(session=session, user=demo.staff.accountant,
                             entries=[e.draft(demo.accounts) for e in entries])


def _clerk(demo: Demo, division: str, month: Month, task: int) -> User:
    """The clerk doing one kind of document this month: the team rotates the tasks.

    One batch per division, month and kind keeps batches large (posting is per batch).
    """
    clerks = demo.staff.clerks_for(division)
    return clerks[(month.index + task) % len(clerks)]


def _post_invoices(
    session: Session, demo: Demo, division: str, month: Month, plans: list[InvoicePlan],
    rng: random.Random,
) -> None:
    if not plans:
        return
    # Date order, so document numbers follow invoice dates within the month.
    plans = sorted(plans, key=lambda p: p.invoice_date)
    items: list[OpenItem] = [demo.books.book_invoice(plan) for plan in plans]
    clerk = _clerk(demo, division, month, 0 if plans[0].invoice_type == "sales" else 1)
    posted = invoice_service.post_invoices(
        session=session, user=clerk, invoices=[item.plan.draft(demo.accounts) for item in items])
    for item, invoice in zip(items, posted, strict=True):
        item.invoice_id = invoice.id or 0
        item.document_number = invoice.document_number
    for item in items:
        demo.settlement.schedule(item, rng)


def _post_payments(
    session: Session, demo: Demo, month: Month, installments: list[Installment]
) -> None:
    if not installments:
        return
    division = installments[0].item.plan.division
    # What one relation pays (or is paid) on one day through one journal is one payment.
    runs: dict[tuple[int, date, str, str, str], list[Installment]] = {}
    for inst in installments:
        plan = inst.item.plan
        key = (plan.party.id, inst.on, inst.journal, plan.currency, plan.invoice_type)
        runs.setdefault(key, []).append(inst)
    drafts = []
    for run in runs.values():
        plan = run[0].item.plan
        on = run[0].on
        rate = demo.rates.rate(plan.currency, SPECS[division].currency, on)
        drafts.append(payment_service.PaymentDraft(
            division=division, journal=run[0].journal, relation=plan.party.id,
            payment_date=on, amount=sum((i.amount for i in run), Decimal(0)),
            direction="received" if plan.invoice_type == "sales" else "paid",
            currency=plan.currency, rate=rate,
            reference=" ".join(i.item.document_number for i in run[:3]),
            allocations=[payment_service.AllocationDraft(i.item.invoice_id, i.amount)
                         for i in run],
        ))
        demo.books.book_payment([(i.item, i.amount) for i in run], rate, on, run[0].journal)
    # The services fetch each settled invoice by id: one query here puts them all in the
    # session's identity map instead of one query per payment.
    invoice_ids = sorted({inst.item.invoice_id for inst in installments})
    held = [session.exec(select(Invoice).where(col(Invoice.id).in_(invoice_ids[n:n + 500]))).all()
            for n in range(0, len(invoice_ids), 500)]
    payment_service.post_payments(session=session, user=_clerk(demo, division, month, 2),
                                  payments=drafts)
    held.clear()

