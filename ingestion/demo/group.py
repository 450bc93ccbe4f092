"""The demo group as a group: its consolidation set-up and the holding's own group entries.

The holding founded NL01 and the manufacturer MF01 (100 % each) and bought 80 % of US01
for more than its share of US01's net assets (goodwill) and 60 % of UK01 for less (a
bargain purchase), all on the books' first day. The consolidation counts every line of
that day as pre-acquisition (docs/consolidation.md, section 2), and the subsidiaries post
sales, rent and capital on it; so each cost is worked out from the ledger once the day is
booked: the holding's share of the subsidiary's net assets at the end of the day, as the
consolidation translates them, times PRICE_TO_NET_ASSETS (NL01 at exactly its net assets:
no goodwill). The group accountant then records the cost on the structure, and the holding
raises the capital for the investments and pays them from the bank (investments account),
the same day.
Every year from the second, UK01 pays a dividend: 60 % to the holding (intercompany,
eliminated in consolidation), 40 % to its minority shareholders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from ingestion.demo.books import Books, money
from ingestion.demo.company import ALL_SPECS, HOLDING, SPECS, Staff
from ingestion.demo.rates import RateTable
from ingestion.demo.timeline import Month, next_business_day
from transactional.consolidation import group_chart, structure
from transactional.consolidation.models import GroupAccount, GroupAccountMap
from transactional.finance import posting
from transactional.finance.models import JournalEntry, JournalLine
from transactional.finance.posting import EntryDraft, LineDraft
from transactional.organisation.models import Division

# Cost paid / the holding's share of the subsidiary's net assets at acquisition.
PRICE_TO_NET_ASSETS: dict[str, Decimal] = {
    "NL01": Decimal("1.00"),  # founded: the holding paid in exactly what it owns
    "US01": Decimal("1.25"),  # bought at a premium: goodwill of 25 % of the share
    "UK01": Decimal("0.80"),  # bought at a discount: bargain purchase gain of 20 %
    "MF01": Decimal("1.00"),  # founded, like NL01: no goodwill
}
DIVIDEND_PAYER = "UK01"
DIVIDEND_SHARE = Decimal("0.30")  # of the payer's previous-year profit (revenue - costs)
DIVIDEND_DAY = (5, 15)  # month, day (the next business day)
# Accounts of the standard chart the entries use (ManualEntry-style, by code: the demo
# writes the books of a chart it installed itself).
INVESTMENTS, BANK, CAPITAL, DIVIDENDS, DIVIDEND_INCOME = "0800", "1100", "0500", "0650", "8950"


@dataclass(frozen=True)
class Acquisition:
    """A subsidiary the holding holds from the first day, and the price it pays for it
    against its share of the net assets."""

    division: str
    ownership_pct: Decimal
    on: date
    price_to_net_assets: Decimal


@dataclass(frozen=True)
class GroupPlan:
    acquisitions: tuple[Acquisition, ...]


def plan_group(*, first_month: Month) -> GroupPlan:
    """Every subsidiary is acquired on the books' first day."""
    return GroupPlan(tuple(
        Acquisition(spec.code, Decimal(spec.ownership_pct), first_month.first,
                    PRICE_TO_NET_ASSETS[spec.code])
        for spec in ALL_SPECS if spec.parent is not None
    ))


def set_up_group(*, session: Session, staff: Staff, plan: GroupPlan) -> None:
    """The standard group chart and the structure, by the group accountant; the costs
    follow once the acquisition day is booked (``post_group_entries``)."""
    accountant = staff.accountant
    group_chart.install_standard_group_chart(session=session, user=accountant)
    for acquisition in plan.acquisitions:
        _set_membership(session, staff, acquisition, Decimal(0))


def post_group_entries(
    session: Session, *, staff: Staff, books: Books, plan: GroupPlan, rates: RateTable,
    month: Month,
) -> None:
    """The month's group entries: the investments at the end of the first month's run
    (the acquisition day's documents are posted by then), UK01's dividend in May of every
    later year; booked in ``books``."""
    drafts: list[EntryDraft] = []
    if month.index == 0:
        drafts += _investments(session, staff, books, plan, rates)
    day = next_business_day(month.day(DIVIDEND_DAY[1]))
    if month.index >= 12 and month.month == DIVIDEND_DAY[0] and day <= month.last:
        drafts += _dividend(books, rates, month.year, day)
    if drafts:
        posting.post_entries(session=session, user=staff.accountant, entries=drafts)


def _investments(
    session: Session, staff: Staff, books: Books, plan: GroupPlan, rates: RateTable
) -> list[EntryDraft]:
    """Each cost on the structure; the capital raised for them and their payment."""
    holding = SPECS[HOLDING]
    costs: list[tuple[Acquisition, Decimal]] = []
    for acquisition in plan.acquisitions:
        spec = SPECS[acquisition.division]
        # The parent is the group's top: the level currency is the holding's.
        rate = rates.rate(spec.currency, holding.currency, acquisition.on)
        share = acquisition.ownership_pct / 100
        cost = money(share * net_assets(session, spec.code, acquisition.on, rate)
                     * acquisition.price_to_net_assets)
        _set_membership(session, staff, acquisition, cost)
        costs.append((acquisition, cost))
    total = sum((cost for _, cost in costs), Decimal(0))
    on = plan.acquisitions[0].on
    names = ", ".join(a.division for a, _ in costs)
    drafts = [_entry(books, HOLDING, on, f"Capital paid in for the investments in {names}",
                     [(BANK, total, None), (CAPITAL, -total, None)])]
    drafts += [
        _entry(books, HOLDING, a.on, f"Investment in {a.division}",
               [(INVESTMENTS, cost, None), (BANK, -cost, None)])
        for a, cost in costs
    ]
    return drafts


def net_assets(session: Session, division: str, on: date, rate: Decimal) -> Decimal:
    """The division's net assets at the end of ``on`` in the level currency, as the
    consolidation computes them (NA_a): minus its lines dated on or before that day on
    equity and P&L group accounts, each group account's sum translated at ``rate`` and
    rounded to cents (so the goodwill the consolidation finds is the planned one to the
    cent)."""
    div = session.exec(select(Division).where(Division.code == division)).one()
    mapping: dict[int, int] = {}
    rows = session.exec(select(GroupAccountMap).where(or_(
        col(GroupAccountMap.division_id).is_(None), col(GroupAccountMap.division_id) == div.id)))
    for row in sorted(rows, key=lambda m: m.division_id is not None):  # own mapping wins
        mapping[row.account_id] = row.group_account_id
    group_accounts = {g.id: g for g in session.exec(select(GroupAccount))}
    per_group_account: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, total in session.exec(
        select(JournalLine.account_id, func.sum(JournalLine.amount_base))
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .where(JournalLine.division_id == div.id, JournalEntry.entry_date <= on)
        .group_by(col(JournalLine.account_id))
    ):
        group_account = group_accounts[mapping[account_id]]
        if group_account.account_class == "equity" or group_account.account_type == "profit_loss":
            per_group_account[mapping[account_id]] += total
    return -sum((money(total * rate) for total in per_group_account.values()), Decimal(0))


def _set_membership(
    session: Session, staff: Staff, acquisition: Acquisition, cost: Decimal
) -> None:
    spec = SPECS[acquisition.division]
    assert spec.parent is not None
    structure.set_membership(
        session=session, user=staff.accountant, division=spec.code, parent=spec.parent,
        ownership_pct=acquisition.ownership_pct, method="full", valid_from=acquisition.on,
        acquisition_date=acquisition.on, investment_cost=cost, investment_account=INVESTMENTS,
    )


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
