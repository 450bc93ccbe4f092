"""When and how invoices get paid: on time, late, in parts, or not at all.

Each invoice's payments are decided when it is invoiced, from the customer's habits;
payments dated after the end date are never posted, so those invoices stay open. To be
sure every ageing bucket has something in it (at the end date and at the demo's
"today"), the first invoice falling due in an empty bucket's window is left unpaid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ingestion.demo.books import OpenItem, money
from ingestion.demo.company import SPECS
from ingestion.demo.timeline import next_business_day

# Days paid after the due date (negative: early), per customer behaviour.
CUSTOMER_DELAYS: dict[str, tuple[int, int]] = {
    "prompt": (-7, 0), "regular": (-3, 10), "slow": (8, 45), "poor": (25, 120),
}
NEVER_PAID = 0.01  # disputed or bad debt
POOR_NEVER_PAID = 0.06
PARTIAL = 0.06
CASH_LIMIT = Decimal(750)  # small domestic invoices are sometimes paid at the counter
CASH_SHARE = 0.3
SUPPLIER_RUN_WEEKDAY = 3  # Thursday
# Ageing windows: (days before, days after) an as-of date between which a due date falls.
WINDOWS = ((0, 120), (-30, -1), (-60, -31), (-90, -61), (-200, -91))


@dataclass(frozen=True)
class Installment:
    item: OpenItem
    on: date
    amount: Decimal
    journal: str  # BNK or KAS


@dataclass
class Settlement:
    end: date
    today: date
    scheduled: dict[tuple[int, int], list[Installment]] = field(default_factory=dict)
    _claimed: set[tuple[str, str, int]] = field(default_factory=set)

    def schedule(self, item: OpenItem, rng: random.Random) -> None:
        """Decide the invoice's payments; keep those up to the end date."""
        plan = item.plan
        if plan.party.category == "intercompany":
            # Group companies settle on the due date, both sides the same day.
            payments = [(next_business_day(plan.due_date), item.total)]
        else:
            payments = self._fill_empty_buckets(item, self._habits(item, rng))
        journal = "BNK"
        domestic = plan.party.country == SPECS[plan.division].country and plan.rate == 1
        if (plan.invoice_type == "sales" and domestic and item.total < CASH_LIMIT
                and rng.random() < CASH_SHARE):
            journal = "KAS"
        for on, amount in payments:
            if on <= self.end:
                key_month = (on.year, on.month)
                self.scheduled.setdefault(key_month, []).append(
                    Installment(item, on, amount, journal))

    def due_in(self, year: int, month: int) -> list[Installment]:
        """Payments of a month, in date order (then invoice order)."""
        found = self.scheduled.pop((year, month), [])
        return sorted(found, key=lambda i: (i.on, i.item.seq))

    def _fill_empty_buckets(
        self, item: OpenItem, payments: list[tuple[date, Decimal]]
    ) -> list[tuple[date, Decimal]]:
        """Leave the invoice unpaid if it is the first to fall due in an ageing window
        that nothing else keeps open yet; otherwise keep its payments as decided."""
        plan = item.plan
        hits = [(plan.division, plan.invoice_type, n)
                for n, (first, last) in enumerate(self._windows())
                if first <= plan.due_date <= last]
        paid_by_end = sum((amount for on, amount in payments if on <= self.end), Decimal(0))
        if paid_by_end == item.total and any(hit not in self._claimed for hit in hits):
            payments = []
            paid_by_end = Decimal(0)
        if paid_by_end < item.total:
            self._claimed.update(hits)
        return payments

    def _windows(self) -> list[tuple[date, date]]:
        return [(ref + timedelta(days=lo), ref + timedelta(days=hi))
                for ref in (self.end, self.today) for lo, hi in WINDOWS]

    def _habits(self, item: OpenItem, rng: random.Random) -> list[tuple[date, Decimal]]:
        plan = item.plan
        if plan.invoice_type == "sales":
            if rng.random() < NEVER_PAID:
                return []
            behaviour = plan.party.behaviour
            if behaviour == "poor" and rng.random() < POOR_NEVER_PAID:
                return []
            delay = rng.randint(*CUSTOMER_DELAYS[behaviour])
        elif plan.party.category == "landlord":
            delay = rng.randint(-3, 0)
        else:  # the group pays its suppliers mostly on time, some late, a few disputed
            roll = rng.random()
            delay = (rng.randint(60, 150) if roll < 0.02 else rng.randint(5, 35) if roll < 0.14
                     else rng.randint(-4, 0))
        first = _payment_day(item, plan.due_date + timedelta(days=delay))
        if plan.party.category == "landlord" or rng.random() >= PARTIAL:
            return [(first, item.total)]
        part = money(item.total * Decimal(rng.randint(30, 70)) / 100)
        if plan.party.behaviour == "poor" and rng.random() < 0.3:
            return [(first, part)]  # the rest is never paid
        later = _payment_day(item, first + timedelta(days=rng.randint(20, 60)))
        return [(first, part), (later, item.total - part)]


def _payment_day(item: OpenItem, wanted: date) -> date:
    """Customers pay on their own weekday, the group pays suppliers in a Thursday run:
    the invoices of one relation due about the same time then settle in one payment."""
    plan = item.plan
    wanted = max(wanted, plan.invoice_date)
    if plan.party.category == "landlord":  # a standing order, on the day
        return next_business_day(wanted)
    weekday = plan.party.id % 5 if plan.invoice_type == "sales" else SUPPLIER_RUN_WEEKDAY
    earlier = wanted - timedelta(days=(wanted.weekday() - weekday) % 7)
    if wanted <= plan.due_date and earlier >= plan.invoice_date:
        return earlier  # paying on time: the run before the due date
    return wanted + timedelta(days=(weekday - wanted.weekday()) % 7)
