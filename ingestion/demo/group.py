"""The demo group as a group: its consolidation set-up and the holding's own group entries.

The holding founded NL01 (cost = its paid-in capital, 100 %) and bought 80 % of US01 for
more than its share of US01's net assets (goodwill) and 60 % of UK01 for less (a bargain
purchase), all on the books' first day. The holding pays the three investments from the
bank (its paid-in capital is raised by as much) and books them on the investments
account; the structure records cost, account and acquisition date, so the consolidation
finds goodwill and non-controlling interests. Every year from the second, UK01 pays a
dividend: 60 % to the holding (intercompany, eliminated in consolidation), 40 % to its
minority shareholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlmodel import Session

from ingestion.demo.books import Books, money
from ingestion.demo.company import DIVISIONS, HOLDING, SPECS, Staff
from ingestion.demo.rates import RateTable
from ingestion.demo.recurring import paid_in_capital
from ingestion.demo.timeline import Month, next_business_day
from ingestion.demo.volumes import Volumes
from transactional.consolidation import group_chart, structure
from transactional.finance import posting
from transactional.finance.posting import EntryDraft, LineDraft

# Cost paid / the share of the subsidiary's paid-in capital at the day's rate.
PRICE_TO_BOOK: dict[str, Decimal] = {
    "NL01": Decimal("1.00"),  # founded: the holding paid in its capital
    "US01": Decimal("1.25"),  # bought at a premium: goodwill
    "UK01": Decimal("0.80"),  # bought at a discount: bargain purchase gain
}
DIVIDEND_PAYER = "UK01"
DIVIDEND_SHARE = Decimal("0.30")  # of the payer's previous-year profit (revenue - costs)
DIVIDEND_DAY = (5, 15)  # month, day (the next business day)
# Accounts of the standard chart the entries use (ManualEntry-style, by code: the demo
# writes the books of a chart it installed itself).
INVESTMENTS, BANK, DIVIDENDS, DIVIDEND_INCOME = "0800", "1100", "0650", "8950"


@dataclass(frozen=True)
class Acquisition:
    """A subsidiary the holding holds from the first day, and what it paid (EUR)."""

    division: str
    ownership_pct: Decimal
    on: date
    cost: Decimal


@dataclass(frozen=True)
class GroupPlan:
    acquisitions: tuple[Acquisition, ...]

    @property
    def holding_capital(self) -> Decimal:
        """What the holding's shareholders pay in on top of its own capital: the costs."""
        return sum((a.cost for a in self.acquisitions), Decimal(0))


def plan_group(*, first_month: Month, volumes: Volumes, rates: RateTable) -> GroupPlan:
    """Each subsidiary's cost: its share of its paid-in capital in euros on the first
    day, times the price-to-book of PRICE_TO_BOOK, in whole thousands of euros."""
    holding = SPECS[HOLDING]
    acquisitions = []
    for spec in DIVISIONS:
        if spec.parent is None:
            continue
        capital = paid_in_capital(volumes.monthly_revenue(spec.code, first_month))
        rate = rates.rate(spec.currency, holding.currency, first_month.first)
        pct = Decimal(spec.ownership_pct)
        cost = capital * rate * pct / 100 * PRICE_TO_BOOK[spec.code]
        thousands = (cost / 1000).quantize(Decimal(1))
        acquisitions.append(Acquisition(spec.code, pct, first_month.first, money(thousands * 1000)))
    return GroupPlan(tuple(acquisitions))


def set_up_group(*, session: Session, staff: Staff, plan: GroupPlan) -> None:
    """The standard group chart and the structure, by the group accountant."""
    accountant = staff.accountant
    group_chart.install_standard_group_chart(session=session, user=accountant)
    for acquisition in plan.acquisitions:
        spec = SPECS[acquisition.division]
        assert spec.parent is not None
        structure.set_membership(
            session=session, user=accountant, division=spec.code, parent=spec.parent,
            ownership_pct=acquisition.ownership_pct, method="full", valid_from=acquisition.on,
            acquisition_date=acquisition.on, investment_cost=acquisition.cost,
            investment_account=INVESTMENTS,
        )


def post_group_entries(
    session: Session, *, staff: Staff, books: Books, plan: GroupPlan, rates: RateTable,
    month: Month,
) -> None:
    """The month's group entries: the investments in the first month, UK01's dividend in
    May of every later year; booked in ``books``."""
    drafts: list[EntryDraft] = []
    if month.index == 0:
        for acquisition in plan.acquisitions:
            drafts.append(_entry(
                books, HOLDING, acquisition.on, f"Investment in {acquisition.division}",
                [(INVESTMENTS, acquisition.cost, None), (BANK, -acquisition.cost, None)]))
    day = next_business_day(month.day(DIVIDEND_DAY[1]))
    if month.index >= 12 and month.month == DIVIDEND_DAY[0] and day <= month.last:
        drafts += _dividend(books, rates, month.year, day)
    if drafts:
        posting.post_entries(session=session, user=staff.accountant, entries=drafts)


def _dividend(books: Books, rates: RateTable, year: int, day: date) -> list[EntryDraft]:
    payer = SPECS[DIVIDEND_PAYER]
    profit = books.revenue[payer.code][year - 1] - books.costs[payer.code][year - 1]
    total = (profit * DIVIDEND_SHARE / 1000).quantize(Decimal(1), rounding=ROUND_DOWN) * 1000
    if total <= 0:
        return []
    group_part = money(total * Decimal(payer.ownership_pct) / 100)
    received = money(group_part * rates.rate(payer.currency, SPECS[HOLDING].currency, day))
    text = f"Dividend {year - 1}"
    return [
        _entry(books, payer.code, day, text, [
            (DIVIDENDS, group_part, HOLDING),
            (DIVIDENDS, total - group_part, None),  # the minority shareholders' part
            (BANK, -total, None),
        ]),
        _entry(books, HOLDING, day, f"{text} from {payer.code}", [
            (BANK, received, None), (DIVIDEND_INCOME, -received, payer.code),
        ]),
    ]


def _entry(
    books: Books, division: str, on: date, description: str,
    lines: list[tuple[str, Decimal, str | None]],
) -> EntryDraft:
    """A bank-journal entry of (account, debit-positive amount, counterparty) lines."""
    books.book_entry(division, on, [(account, amount) for account, amount, _ in lines])
    return EntryDraft(
        division=division, journal="BNK", entry_date=on, description=description,
        lines=[
            LineDraft(account=account, debit=amount if amount > 0 else None,
                      credit=-amount if amount < 0 else None, counterparty=counterparty)
            for account, amount, counterparty in lines
        ],
    )
