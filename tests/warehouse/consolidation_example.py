"""The hand-worked consolidation example of issue 16: a small group as data, posted
through the services, and the consolidated figures worked out here from the rules of
docs/consolidation.md section 2 (not by the dbt models under test).

The group (level P, in EUR, the reference currency of the rate table):

- P, the parent, EUR. Founded 2 January 2025 with 200,000 of capital.
- S1, USD, founded 2 January 2025 by outside owners (capital USD 100,000); it trades in
  the first quarter (revenue 20,000, rent 8,000), then P buys 80 % of it on 31 March 2025
  for EUR 90,000: more than 80 % of its net assets (USD 112,000 at 0.92 = EUR 103,040),
  so goodwill EUR 7,568.00, and non-controlling interests of 20 % (EUR 20,608.00).
- S2, GBP, founded 2 January 2025 (capital GBP 50,000), trades a little (revenue 6,000,
  other costs 1,000), and P buys all of it on 30 June 2025 for EUR 60,000: less than its
  net assets (GBP 55,000 at 1.18 = EUR 64,900), so a bargain purchase gain of EUR 4,900.00.

Inside the group: P charges S1 a management fee of USD 5,000 (an invoice between group
companies, paid the same month); P lends S1 USD 50,000 on its intercompany current
account (P revalues its USD claim at each year end, S1 owes USD); S1 pays a dividend of
USD 10,000 in May 2026, 8,000 of it to P. Outside the group each company earns revenue and
pays costs in both years. Rates move over the two years, once in the middle of a month
(so a month's average rate is a mean over its days).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

D = Decimal
CENT = D("0.01")
RATE_PLACES = D("0.00000001")
YEAR_ENDS = (date(2025, 12, 31), date(2026, 12, 31))
# Every month end of the two years: the marts have one per month (the year ends are the
# hand-worked ones; the others check the scope before and after each acquisition).
MONTH_ENDS = tuple(
    date(year, month, calendar.monthrange(year, month)[1])
    for year in (2025, 2026)
    for month in range(1, 13)
)
AS_OF = date(2026, 12, 31)
LEVEL = "P"

# --- the scenario, as data ----------------------------------------------------------------

# code: (name, currency, country)
DIVISIONS = {
    "P": ("Parent SE", "EUR", "NL"),
    "S1": ("Sub One Inc", "USD", "US"),
    "S2": ("Sub Two Ltd", "GBP", "GB"),
}
# EUR per unit from the day given until the next rate (EUR is the reference: no rows).
RATES: dict[str, list[tuple[str, str]]] = {
    "USD": [
        ("2025-01-01", "0.90"),
        ("2025-03-01", "0.92"),
        ("2025-06-11", "0.88"),  # June 2025 averages 10 days at 0.92 and 20 at 0.88
        ("2025-10-01", "0.86"),
        ("2026-02-01", "0.89"),
        ("2026-07-01", "0.91"),
        ("2026-12-01", "0.93"),
    ],
    "GBP": [
        ("2025-01-01", "1.15"),
        ("2025-05-01", "1.18"),
        ("2025-09-01", "1.16"),
        ("2026-03-01", "1.13"),
        ("2026-09-11", "1.17"),  # September 2026 averages 10 days at 1.13 and 20 at 1.17
    ],
}


@dataclass(frozen=True)
class Member:
    division: str
    parent: str
    ownership_pct: str
    acquisition_date: date
    investment_cost: str  # in the parent's currency, booked on its account 0800


MEMBERS = [
    Member("S1", "P", "80", date(2025, 3, 31), "90000.00"),
    Member("S2", "P", "100", date(2025, 6, 30), "60000.00"),
]

# (division, date, description, lines); a line is (account, amount, currency, counterparty),
# amount debit positive in the line's currency (default: the division's).
Line = tuple[str, str, str | None, str | None]
ENTRIES: list[tuple[str, str, str, list[Line]]] = [
    # P
    ("P", "2025-01-02", "Share capital paid in", [
        ("1100", "200000.00", None, None), ("0500", "-200000.00", None, None)]),
    ("P", "2025-03-31", "80 % of S1 bought", [
        ("0800", "90000.00", None, None), ("1100", "-90000.00", None, None)]),
    ("P", "2025-04-15", "Consulting revenue", [
        ("1100", "30000.00", None, None), ("8100", "-30000.00", None, None)]),
    ("P", "2025-06-30", "100 % of S2 bought", [
        ("0800", "60000.00", None, None), ("1100", "-60000.00", None, None)]),
    # USD 50,000 at 0.88 = EUR 44,000
    ("P", "2025-07-01", "Loan to S1, USD 50,000", [
        ("1350", "50000.00", "USD", "S1"), ("1100", "-44000.00", None, None)]),
    ("P", "2025-08-29", "Wages", [
        ("4000", "12000.00", None, None), ("1100", "-12000.00", None, None)]),
    # USD 50,000 at 0.86 = 43,000: the claim on S1 drops by 1,000
    ("P", "2025-12-31", "Revaluation of the loan to S1", [
        ("9100", "1000.00", None, None), ("1350", "-1000.00", None, "S1")]),
    ("P", "2026-03-10", "Consulting revenue", [
        ("1100", "35000.00", None, None), ("8100", "-35000.00", None, None)]),
    # USD 8,000 at 0.89 = EUR 7,120
    ("P", "2026-05-15", "Dividend received from S1", [
        ("1100", "8000.00", "USD", None), ("8950", "-7120.00", None, "S1")]),
    ("P", "2026-06-30", "Wages", [
        ("4000", "14000.00", None, None), ("1100", "-14000.00", None, None)]),
    # USD 50,000 at 0.93 = 46,500: up 3,500
    ("P", "2026-12-31", "Revaluation of the loan to S1", [
        ("1350", "3500.00", None, "S1"), ("9100", "-3500.00", None, None)]),
    # S1 (USD)
    ("S1", "2025-01-02", "Share capital paid in", [
        ("1100", "100000.00", None, None), ("0500", "-100000.00", None, None)]),
    ("S1", "2025-02-10", "Sales", [
        ("1100", "20000.00", None, None), ("8100", "-20000.00", None, None)]),
    ("S1", "2025-03-15", "Rent", [
        ("4300", "8000.00", None, None), ("1100", "-8000.00", None, None)]),
    ("S1", "2025-06-20", "Sales", [
        ("1100", "40000.00", None, None), ("8100", "-40000.00", None, None)]),
    ("S1", "2025-07-01", "Loan from P", [
        ("1100", "50000.00", None, None), ("0700", "-50000.00", None, "P")]),
    ("S1", "2025-11-20", "Wages", [
        ("4000", "15000.00", None, None), ("1100", "-15000.00", None, None)]),
    ("S1", "2026-04-10", "Sales", [
        ("1100", "45000.00", None, None), ("8100", "-45000.00", None, None)]),
    # 8,000 to P (80 %), 2,000 to the minority shareholders
    ("S1", "2026-05-15", "Dividend paid", [
        ("0650", "8000.00", None, "P"), ("0650", "2000.00", None, None),
        ("1100", "-10000.00", None, None)]),
    ("S1", "2026-08-20", "Rent", [
        ("4300", "12000.00", None, None), ("1100", "-12000.00", None, None)]),
    # S2 (GBP)
    ("S2", "2025-01-02", "Share capital paid in", [
        ("1100", "50000.00", None, None), ("0500", "-50000.00", None, None)]),
    ("S2", "2025-05-20", "Sales", [
        ("1100", "6000.00", None, None), ("8100", "-6000.00", None, None)]),
    ("S2", "2025-06-10", "Other costs", [
        ("4400", "1000.00", None, None), ("1100", "-1000.00", None, None)]),
    ("S2", "2025-08-15", "Sales", [
        ("1100", "9000.00", None, None), ("8100", "-9000.00", None, None)]),
    ("S2", "2025-12-05", "Wages", [
        ("4000", "4000.00", None, None), ("1100", "-4000.00", None, None)]),
    ("S2", "2026-09-20", "Sales", [
        ("1100", "11000.00", None, None), ("8100", "-11000.00", None, None)]),
    ("S2", "2026-10-05", "Other costs", [
        ("4400", "3000.00", None, None), ("1100", "-3000.00", None, None)]),
]  # fmt: skip
# The management fee: P's sales invoice to S1 and S1's purchase invoice from P, USD 5,000
# on 10 September 2025 (0.88 all month: P books EUR 4,400), both paid on 30 September.
FEE_DATE, FEE_PAID, FEE_USD = "2025-09-10", "2025-09-30", "5000.00"


# --- posting it through the services --------------------------------------------------------


def build_group(session: Session) -> None:
    """The scenario through the services: divisions, rates, charts, structure, books."""
    from transactional.consolidation.group_chart import install_standard_group_chart
    from transactional.consolidation.structure import set_membership
    from transactional.finance import invoices, ledger_setup, payments, posting
    from transactional.organisation import services as org
    from transactional.relations.services import create_relation

    admin = org.bootstrap_admin(session=session)
    for code, name in (("EUR", "Euro"), ("USD", "US dollar"), ("GBP", "Pound sterling")):
        org.create_currency(session=session, user=admin, code=code, name=name)
    for code, (name, currency, country) in DIVISIONS.items():
        member = next((m for m in MEMBERS if m.division == code), None)
        org.create_division(
            session=session,
            user=admin,
            code=code,
            name=name,
            currency=currency,
            country=country,
            parent=member.parent if member else None,
            ownership_pct=member.ownership_pct if member else "100",
        )
    accountant = org.create_user(
        session=session,
        user=admin,
        username="group_accountant",
        full_name="Group Accountant",
        role="accountant",
        divisions=list(DIVISIONS),
    )
    org.set_exchange_rates(
        session=session,
        user=accountant,
        rates=[(cur, day, rate) for cur, series in RATES.items() for day, rate in series],
    )
    ledger_setup.install_standard_chart(session=session, user=admin)
    for div in DIVISIONS:
        for code, name, kind, account in (
            ("VK", "Sales", "sales", None),
            ("IK", "Purchases", "purchase", None),
            ("BNK", "Bank", "bank", "1100"),
            ("MEM", "General", "general", None),
        ):
            ledger_setup.create_journal(
                session=session,
                user=accountant,
                division=div,
                code=code,
                name=name,
                journal_type=kind,
                account=account,
            )
        for year in (2025, 2026):
            ledger_setup.open_fiscal_year(session=session, user=accountant, division=div, year=year)
    install_standard_group_chart(session=session, user=accountant)
    for m in MEMBERS:
        set_membership(
            session=session,
            user=accountant,
            division=m.division,
            parent=m.parent,
            ownership_pct=m.ownership_pct,
            method="full",
            valid_from=m.acquisition_date,
            valid_to=None,
            acquisition_date=m.acquisition_date,
            investment_cost=m.investment_cost,
            investment_account="0800",
        )
    posting.post_entries(
        session=session,
        user=accountant,
        entries=[
            posting.EntryDraft(
                division=div,
                journal="MEM",
                entry_date=day,
                description=description,
                lines=[
                    posting.LineDraft(
                        account=account,
                        debit=amount if not amount.startswith("-") else None,
                        credit=amount[1:] if amount.startswith("-") else None,
                        currency=currency,
                        counterparty=counterparty,
                    )
                    for account, amount, currency, counterparty in lines
                ],
            )
            for div, day, description, lines in ENTRIES
        ],
    )
    # The relations that make the fee intercompany: both sides of it carry the counterparty.
    create_relation(
        session=session, user=accountant, division="P", code="S1", name="Sub One Inc",
        relation_type="customer", country="US", currency="USD", intercompany_division="S1",
    )  # fmt: skip
    create_relation(
        session=session, user=accountant, division="S1", code="P", name="Parent SE",
        relation_type="supplier", country="NL", currency="USD", intercompany_division="P",
    )  # fmt: skip
    sale, purchase = invoices.post_invoices(
        session=session,
        user=accountant,
        invoices=[
            invoices.InvoiceDraft(
                division=div,
                invoice_type=kind,
                relation=relation,
                invoice_date=FEE_DATE,
                currency="USD",
                lines=[invoices.InvoiceLineDraft(account=account, unit_price=FEE_USD)],
            )
            for div, kind, relation, account in (
                ("P", "sales", "S1", "8900"),
                ("S1", "purchase", "P", "4900"),
            )
        ],
    )
    payments.post_payments(
        session=session,
        user=accountant,
        payments=[
            payments.PaymentDraft(
                division=div,
                journal="BNK",
                relation=relation,
                payment_date=FEE_PAID,
                amount=FEE_USD,
                currency="USD",
                direction=direction,
                allocations=[payments.AllocationDraft(invoice.id or 0, FEE_USD)],
            )
            for div, relation, direction, invoice in (
                ("P", "S1", "received", sale),
                ("S1", "P", "paid", purchase),
            )
        ],
    )


# --- the rules, worked out here ---------------------------------------------------------------


def cents(value: Decimal) -> Decimal:
    """Money rounded to cents, half away from zero (the spec's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def reference_rate(currency: str, day: date) -> Decimal:
    """EUR per unit on ``day``: the latest rate on or before it (EUR itself: 1)."""
    if currency == "EUR":
        return D(1)
    found = [D(r) for d, r in RATES[currency] if date.fromisoformat(d) <= day]
    assert found, f"no {currency} rate on or before {day}"
    return found[-1]


def day_rate(currency: str, day: date) -> Decimal:
    # The level currency is EUR, the reference: no division by another rate.
    return reference_rate(currency, day).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def month_average(currency: str, year: int, month: int) -> Decimal:
    days = calendar.monthrange(year, month)[1]
    total = sum((day_rate(currency, date(year, month, n)) for n in range(1, days + 1)), D(0))
    return (total / days).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LedgerLine:
    division: str
    account_code: str
    day: date
    amount: Decimal  # base currency of the division, debit positive
    counterparty: str | None


@dataclass(frozen=True)
class GroupAccountRow:
    id: int
    code: str
    account_type: str
    account_class: str
    rate_type: str
    role: str | None
    eliminate_intercompany: bool


@dataclass
class Inputs:
    """What the consolidation reads: the divisions' lines and the group chart as set up."""

    lines: list[LedgerLine]
    accounts: dict[int, GroupAccountRow]
    mapping: dict[tuple[str, str], int]  # (division code, account code) -> group account id
    division_ids: dict[str, int]

    def role(self, role: str) -> int:
        return next(a.id for a in self.accounts.values() if a.role == role)

    def group_account(self, division: str, account_code: str) -> GroupAccountRow:
        return self.accounts[self.mapping[(division, account_code)]]


def read_inputs(session: Session) -> Inputs:
    """The books and the group chart as the services left them (through the models:
    money columns are stored scaled on SQLite)."""
    from transactional.consolidation.models import GroupAccount, GroupAccountMap
    from transactional.finance.models import Account, JournalEntry, JournalLine
    from transactional.organisation.models import Division

    divisions = {d.code: d.id or 0 for d in session.exec(select(Division)).all()}
    by_id = {v: k for k, v in divisions.items()}
    codes = {a.id: a.code for a in session.exec(select(Account)).all()}
    days = {e.id: e.entry_date for e in session.exec(select(JournalEntry)).all()}
    lines = [
        LedgerLine(
            by_id[x.division_id],
            codes[x.account_id],
            days[x.entry_id],
            x.amount_base,
            by_id.get(x.counterparty_division_id or 0),
        )
        for x in session.exec(select(JournalLine)).all()
    ]
    accounts = {
        a.id or 0: GroupAccountRow(
            a.id or 0,
            a.code,
            a.account_type,
            a.account_class,
            a.rate_type,
            a.role,
            a.eliminate_intercompany,
        )
        for a in session.exec(select(GroupAccount)).all()
    }
    shared: dict[str, int] = {}
    own: dict[tuple[str, str], int] = {}
    for m in session.exec(select(GroupAccountMap)).all():
        if m.division_id is None:
            shared[codes[m.account_id]] = m.group_account_id
        else:
            own[(by_id[m.division_id], codes[m.account_id])] = m.group_account_id
    mapping = {
        (div, code): own.get((div, code), shared.get(code, 0))
        for div, code in {(x.division, x.account_code) for x in lines}
    }
    return Inputs(lines, accounts, mapping, divisions)


EQUITY_OR_PL = ("equity", "profit_loss")


def _kind(account: GroupAccountRow) -> str:
    return "profit_loss" if account.account_type == "profit_loss" else account.account_class


@dataclass
class Consolidation:
    """The group level P at one period end: every column's trial balance per group
    account (cumulative, debit positive, EUR), and the eliminations by type."""

    period_end: date
    columns: dict[str, dict[int, Decimal]]  # division code -> group account -> amount
    cta: dict[str, Decimal]  # each division's CTA
    eliminations: dict[tuple[str, str, int], Decimal]  # (type, column, account) -> amount
    facts: dict[str, Decimal]  # the key figures by name, e.g. "S1.goodwill"

    def elimination_column(self) -> dict[int, Decimal]:
        total: dict[int, Decimal] = defaultdict(Decimal)
        for (_, _, account), amount in self.eliminations.items():
            total[account] += amount
        return dict(total)

    def group_column(self) -> dict[int, Decimal]:
        total: dict[int, Decimal] = defaultdict(Decimal)
        for column in [*self.columns.values(), self.elimination_column()]:
            for account, amount in column.items():
                total[account] += amount
        return dict(total)


def consolidate(inputs: Inputs, t: date) -> Consolidation:
    """The rules of docs/consolidation.md section 2 for level P at period end ``t``."""
    members = {m.division: m for m in MEMBERS if m.acquisition_date <= t}
    in_level = ["P", *members]
    cta_id = inputs.role("cta")
    columns: dict[str, dict[int, Decimal]] = {}
    pre_acquisition: dict[str, dict[int, Decimal]] = {}
    post_acquisition: dict[str, dict[int, Decimal]] = {}
    cta: dict[str, Decimal] = {}
    for div in in_level:
        currency = DIVISIONS[div][1]
        acquired = members[div].acquisition_date if div in members else None
        lines = [x for x in inputs.lines if x.division == div and x.day <= t]
        translated: dict[int, Decimal] = defaultdict(Decimal)
        pre: dict[int, Decimal] = defaultdict(Decimal)
        closing: dict[int, Decimal] = defaultdict(Decimal)
        monthly: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        daily: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
        for x in lines:
            g = inputs.group_account(div, x.account_code)
            if g.rate_type == "closing":
                closing[g.id] += x.amount
            elif acquired is not None and x.day <= acquired:
                pre[g.id] += x.amount
            elif g.rate_type == "average":
                monthly[(g.id, x.day.year, x.day.month)] += x.amount
            else:
                daily[(g.id, x.day)] += x.amount
        for g_id, amount in closing.items():
            translated[g_id] += cents(amount * day_rate(currency, t))
        pre_translated = {
            g_id: cents(amount * day_rate(currency, acquired))  # type: ignore[arg-type]
            for g_id, amount in pre.items()
        }
        post: dict[int, Decimal] = defaultdict(Decimal)
        for (g_id, year, month), amount in monthly.items():
            post[g_id] += cents(amount * month_average(currency, year, month))
        for (g_id, day), amount in daily.items():
            post[g_id] += cents(amount * day_rate(currency, day))
        for g_id, amount in [*pre_translated.items(), *post.items()]:
            translated[g_id] += amount
        cta[div] = -sum(translated.values(), D(0))
        translated[cta_id] += cta[div]
        columns[div] = dict(translated)
        pre_acquisition[div] = pre_translated
        post_acquisition[div] = dict(post)
    eliminations: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    facts: dict[str, Decimal] = {}
    _intercompany(inputs, t, in_level, eliminations)
    _dividends(inputs, t, members, eliminations)
    for div, m in members.items():
        _investment(inputs, t, m, pre_acquisition[div], post_acquisition[div], cta[div],
                    eliminations, facts)  # fmt: skip
    return Consolidation(t, columns, cta, dict(eliminations), facts)


def _intercompany(
    inputs: Inputs,
    t: date,
    in_level: list[str],
    eliminations: dict[tuple[str, str, int], Decimal],
) -> None:
    """Intercompany balances (closing rate) and transactions (month averages), each side
    eliminated in its own column; what a pair leaves goes to ic_difference."""
    dividend_income = inputs.role("dividend_income")
    balances: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    monthly: dict[tuple[str, str, int, int, int], Decimal] = defaultdict(Decimal)
    for x in inputs.lines:
        if x.day > t or x.division not in in_level or x.counterparty not in in_level:
            continue
        if x.counterparty == x.division:
            continue
        g = inputs.group_account(x.division, x.account_code)
        if not g.eliminate_intercompany or g.id == dividend_income:
            continue
        if g.account_type == "balance_sheet":
            balances[(x.division, x.counterparty, g.id)] += x.amount
        else:
            monthly[(x.division, x.counterparty, g.id, x.day.year, x.day.month)] += x.amount
    # What each pair leaves, per kind, in the column of the lower division id.
    left: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)

    def pair(div: str, cp: str, kind: str) -> tuple[str, str, str]:
        low, high = sorted((div, cp), key=inputs.division_ids.__getitem__)
        return low, high, kind

    for (div, cp, g_id), amount in balances.items():
        value = cents(amount * day_rate(DIVISIONS[div][1], t))
        eliminations[("intercompany_balance", div, g_id)] -= value
        left[pair(div, cp, "balance")] += value
    for (div, cp, g_id, year, month), amount in monthly.items():
        value = cents(amount * month_average(DIVISIONS[div][1], year, month))
        eliminations[("intercompany_transaction", div, g_id)] -= value
        left[pair(div, cp, "transaction")] += value
    for (column, _high, _kind), amount in left.items():
        eliminations[("intercompany_difference", column, inputs.role("ic_difference"))] += amount


def _dividends(
    inputs: Inputs,
    t: date,
    members: dict[str, Member],
    eliminations: dict[tuple[str, str, int], Decimal],
) -> None:
    """A parent's dividend income from a subsidiary: + on dividend_income in the parent's
    column, the same amount credited to the subsidiary's dividends account."""
    dividend_income = inputs.role("dividend_income")
    for x in inputs.lines:
        if x.day > t or x.counterparty not in members:
            continue
        if inputs.mapping[(x.division, x.account_code)] != dividend_income:
            continue
        # The parent is P (EUR): its P&L at the average rate is its own amount.
        eliminations[("dividend", x.division, dividend_income)] -= x.amount
        eliminations[("dividend", x.counterparty, inputs.role("dividends"))] += x.amount


def _investment(
    inputs: Inputs,
    t: date,
    m: Member,
    pre: dict[int, Decimal],
    post: dict[int, Decimal],
    cta: Decimal,
    eliminations: dict[tuple[str, str, int], Decimal],
    facts: dict[str, Decimal],
) -> None:
    """Investment against equity at acquisition, goodwill or bargain gain, and NCI."""
    s = m.division
    p = D(m.ownership_pct) / 100
    currency = DIVISIONS[s][1]
    kinds = {g_id: _kind(inputs.accounts[g_id]) for g_id in [*pre, *post]}
    net_assets = -sum((a for g, a in pre.items() if kinds[g] in EQUITY_OR_PL), D(0))
    cost = cents(D(m.investment_cost) * day_rate("EUR", m.acquisition_date))
    for g_id, amount in pre.items():
        if kinds[g_id] in EQUITY_OR_PL:
            eliminations[("equity_at_acquisition", s, g_id)] -= amount
    eliminations[("investment", s, inputs.role("investments"))] -= cost
    goodwill = cost - cents(p * net_assets)
    facts[f"{s}.net_assets_at_acquisition"] = net_assets
    facts[f"{s}.goodwill_at_acquisition"] = goodwill
    if goodwill >= 0:
        # IAS 21.47: goodwill is an asset of the foreign operation, at the closing rate.
        at_t = cents(goodwill * day_rate(currency, t) / day_rate(currency, m.acquisition_date))
        eliminations[("goodwill", s, inputs.role("goodwill"))] += at_t
        eliminations[("goodwill_translation", s, inputs.role("cta"))] -= at_t - goodwill
        facts[f"{s}.goodwill"] = at_t
    else:
        eliminations[("bargain_purchase_gain", s, inputs.role("bargain_purchase_gain"))] += goodwill
    nci = inputs.role("nci")
    share = 1 - p
    at_acquisition = cents(share * net_assets)
    eliminations[("nci_at_acquisition", s, nci)] -= at_acquisition
    facts[f"{s}.nci_at_acquisition"] = -at_acquisition
    result = sum((a for g, a in post.items() if kinds[g] == "profit_loss"), D(0))
    nci_result = cents(share * result)
    eliminations[("nci_result", s, inputs.role("nci_result"))] -= nci_result
    eliminations[("nci_result", s, nci)] += nci_result
    nci_cta = cents(share * cta)
    eliminations[("nci_cta", s, inputs.role("cta"))] -= nci_cta
    eliminations[("nci_cta", s, nci)] += nci_cta
    facts[f"{s}.nci_share_of_result"] = nci_result
    facts[f"{s}.nci_share_of_cta"] = nci_cta
    equity_moves = D(0)
    for g_id, amount in post.items():
        if kinds[g_id] == "equity" and g_id not in (inputs.role("cta"), nci):
            moved = cents(share * amount)
            eliminations[("nci_equity", s, g_id)] -= moved
            eliminations[("nci_equity", s, nci)] += moved
            equity_moves += moved
    facts[f"{s}.nci_share_of_equity"] = equity_moves
    facts[f"{s}.nci"] = -at_acquisition + nci_result + nci_cta + equity_moves
