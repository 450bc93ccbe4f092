"""A sub-holding and an indirect subsidiary, consolidated at both levels (issue 16).

The group, one year (2026), posted through the services, extracted, and ``dbt build`` as
of 31 December 2026 (the helpers of the hand-worked example are reused):

- T (EUR) is the top. It founds H on 2 January (100 %, cost 100,000 = H's capital).
- H (EUR) is the sub-holding. It founds R on 2 January (100 %, cost 20,000 = R's capital)
  and sells it at that cost on 20 August: R's membership ends that day (``valid_to``).
- S (GBP) is founded on 2 January by outsiders (capital GBP 50,000) and trades; H buys
  60 % of it on 30 June for EUR 48,000, more than 60 % of its net assets then (goodwill).
- H charges S a management fee of GBP 3,000 in October, both sides tagged with the other
  as counterparty.

Level H (H, S and, until August, R) and level T (T, H, S, R: S at 100 % x 60 %) are worked
out here from the rules of docs/consolidation.md section 2 (effective ownership along the
chain, the level's currency, translation, goodwill, NCI), independently of the dbt models,
and the marts must match to the cent at every month end; the year-end figures are also
written as literals, worked by hand in the comments.

A second build (``partly_owned``) has T hold only 80 % of H (for 80,000; outsiders pay
the other 20,000 of H's capital): S is then held through a sub-holding that is not wholly
owned from level T, where goodwill is T's 80 % of what H paid less 48 % of S's net assets
and H's minority's share of the cost goes back from the NCI (``nci_investment``); the
NCI at the year end is checked against the outsiders' shares worked out from the books.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlmodel import Session

from tests.warehouse import consolidation_example as ex
from tests.warehouse.test_consolidation_example import build_warehouse, nonzero
from transactional.database import make_engine, session_scope
from transactional.migrate import upgrade

pytestmark = pytest.mark.pipeline

D = Decimal
cents = ex.cents
YEAR = 2026
MONTH_ENDS = tuple(date(YEAR, m, calendar.monthrange(YEAR, m)[1]) for m in range(1, 13))
YEAR_END = MONTH_ENDS[-1]
JULY, AUGUST = MONTH_ENDS[6], MONTH_ENDS[7]
LEVELS = ("H", "T")

# --- the scenario, as data ----------------------------------------------------------------

DIVISIONS = {  # code: (name, currency, country)
    "T": ("Top Holding NV", "EUR", "NL"),
    "H": ("Sub Holding GmbH", "EUR", "DE"),
    "S": ("Sub Ltd", "GBP", "GB"),
    "R": ("Resold SA", "EUR", "BE"),
}
# EUR per pound from the day given (EUR is the reference currency: no rows).
GBP_RATES = [
    ("2026-01-01", "1.15"),
    ("2026-05-01", "1.18"),
    ("2026-09-11", "1.16"),  # September averages 10 days at 1.18 and 20 at 1.16
    ("2026-12-01", "1.13"),
]


@dataclass(frozen=True)
class Holding:
    """A row of group_member: ``parent`` holds ``division`` directly."""

    division: str
    parent: str
    pct: str
    valid_from: date
    valid_to: date | None
    cost: str  # in the parent's currency, on its account 0800


def holdings(t_share_in_h: str = "100") -> list[Holding]:
    """T pays its share of H's capital of 100,000 (outsiders the rest): no goodwill on H."""
    cost = cents(D("100000.00") * D(t_share_in_h) / 100)
    return [
        Holding("H", "T", t_share_in_h, date(2026, 1, 2), None, str(cost)),
        Holding("R", "H", "100", date(2026, 1, 2), date(2026, 8, 20), "20000.00"),
        Holding("S", "H", "60", date(2026, 6, 30), None, "48000.00"),
    ]


HOLDINGS = holdings()

Line = tuple[str, str, str | None, str | None]  # account, amount (debit +), currency, counterparty
ENTRIES: list[tuple[str, str, str, list[Line]]] = [
    ("T", "2026-01-02", "Share capital paid in", [
        ("1100", "150000.00", None, None), ("0500", "-150000.00", None, None)]),
    ("T", "2026-01-02", "H founded", [  # T's cost of H: see entries()
        ("0800", "100000.00", None, None), ("1100", "-100000.00", None, None)]),
    ("T", "2026-04-15", "Consulting revenue", [
        ("1100", "10000.00", None, None), ("8100", "-10000.00", None, None)]),
    ("H", "2026-01-02", "Share capital paid in (by T, and outsiders if T holds less)", [
        ("1100", "100000.00", None, None), ("0500", "-100000.00", None, None)]),
    ("H", "2026-01-02", "R founded", [
        ("0800", "20000.00", None, None), ("1100", "-20000.00", None, None)]),
    ("H", "2026-06-30", "60 % of S bought", [
        ("0800", "48000.00", None, None), ("1100", "-48000.00", None, None)]),
    ("H", "2026-07-31", "Wages", [
        ("4000", "6000.00", None, None), ("1100", "-6000.00", None, None)]),
    ("H", "2026-08-20", "R sold at cost", [
        ("1100", "20000.00", None, None), ("0800", "-20000.00", None, None)]),
    # GBP 3,000 at 1.16 = EUR 3,480
    ("H", "2026-10-15", "Management fee charged to S", [
        ("1100", "3000.00", "GBP", None), ("8900", "-3480.00", None, "S")]),
    ("R", "2026-01-02", "Share capital paid in by H", [
        ("1100", "20000.00", None, None), ("0500", "-20000.00", None, None)]),
    ("S", "2026-01-02", "Share capital paid in", [
        ("1100", "50000.00", None, None), ("0500", "-50000.00", None, None)]),
    ("S", "2026-02-10", "Sales", [
        ("1100", "20000.00", None, None), ("8100", "-20000.00", None, None)]),
    ("S", "2026-03-15", "Rent", [
        ("4300", "8000.00", None, None), ("1100", "-8000.00", None, None)]),
    ("S", "2026-08-20", "Sales", [
        ("1100", "30000.00", None, None), ("8100", "-30000.00", None, None)]),
    ("S", "2026-09-05", "Other costs", [
        ("4400", "5000.00", None, None), ("1100", "-5000.00", None, None)]),
    ("S", "2026-10-15", "Management fee from H", [
        ("4900", "3000.00", None, "H"), ("1100", "-3000.00", None, None)]),
    ("S", "2026-11-20", "Sales", [
        ("1100", "10000.00", None, None), ("8100", "-10000.00", None, None)]),
]  # fmt: skip


def entries(t_share_in_h: str = "100") -> list[tuple[str, str, str, list[Line]]]:
    """ENTRIES with T paying its share of H's capital (``holdings``)."""
    cost = holdings(t_share_in_h)[0].cost
    founded: list[Line] = [("0800", cost, None, None), ("1100", f"-{cost}", None, None)]
    return [
        (div, day, text, founded if (div, text) == ("T", "H founded") else lines)
        for div, day, text, lines in ENTRIES
    ]


def build_group(session: Session, t_share_in_h: str = "100") -> None:
    """The scenario through the services (as the example's build_group does for its own),
    T holding ``t_share_in_h`` % of H."""
    from transactional.consolidation.group_chart import install_standard_group_chart
    from transactional.consolidation.structure import set_membership
    from transactional.finance import ledger_setup, posting
    from transactional.organisation import services as org

    admin = org.bootstrap_admin(session=session)
    for code, name in (("EUR", "Euro"), ("GBP", "Pound sterling")):
        org.create_currency(session=session, user=admin, code=code, name=name)
    for code, (name, currency, country) in DIVISIONS.items():
        org.create_division(
            session=session, user=admin, code=code, name=name, currency=currency,
            country=country,
        )  # fmt: skip
    accountant = org.create_user(
        session=session,
        user=admin,
        username="group_accountant",
        full_name="Group Accountant",
        role="accountant",
        divisions=list(DIVISIONS),
    )
    org.set_exchange_rates(
        session=session, user=accountant, rates=[("GBP", day, rate) for day, rate in GBP_RATES]
    )
    ledger_setup.install_standard_chart(session=session, user=admin)
    for div in DIVISIONS:
        ledger_setup.create_journal(
            session=session, user=accountant, division=div, code="MEM", name="General",
            journal_type="general", account=None,
        )  # fmt: skip
        ledger_setup.open_fiscal_year(session=session, user=accountant, division=div, year=YEAR)
    install_standard_group_chart(session=session, user=accountant)
    for h in holdings(t_share_in_h):
        set_membership(
            session=session,
            user=accountant,
            division=h.division,
            parent=h.parent,
            ownership_pct=h.pct,
            method="full",
            valid_from=h.valid_from,
            valid_to=h.valid_to,
            acquisition_date=h.valid_from,
            investment_cost=h.cost,
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
            for div, day, description, lines in entries(t_share_in_h)
        ],
    )


# --- the rules, worked out here ---------------------------------------------------------------


def rate(currency: str, day: date) -> Decimal:
    """EUR (both levels' currency, the reference) per unit: the latest rate on or before
    ``day``, to 8 decimals."""
    if currency == "EUR":
        return D(1)
    found = [D(r) for d, r in GBP_RATES if date.fromisoformat(d) <= day]
    assert found, f"no {currency} rate on or before {day}"
    return found[-1].quantize(ex.RATE_PLACES, rounding=ROUND_HALF_UP)


def month_average(currency: str, year: int, month: int) -> Decimal:
    days = calendar.monthrange(year, month)[1]
    total = sum((rate(currency, date(year, month, n)) for n in range(1, days + 1)), D(0))
    return (total / days).quantize(ex.RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Member:
    """A division in a level, along its chain of holdings from the level."""

    division: str
    ownership: Decimal  # effective: the product of the direct shares, a fraction
    parent: str | None  # None: the level's own division
    acquisition: date | None  # the latest along the chain
    valid_from: date | None  # the chain holds while every holding on it does
    valid_to: date | None
    cost: Decimal  # the direct parent's cost, in its currency
    parent_ownership: Decimal = D(1)  # q: the direct parent's effective ownership


def chain(level: str, group: list[Holding] = HOLDINGS) -> list[Member]:
    out = [Member(level, D(1), None, None, None, None, D(0))]
    frontier = list(out)
    while frontier:
        below = []
        for up in frontier:
            for h in (h for h in group if h.parent == up.division):
                ends = [d for d in (up.valid_to, h.valid_to) if d is not None]
                below.append(
                    Member(
                        h.division,
                        up.ownership * D(h.pct) / 100,
                        h.parent,
                        max(d for d in (up.acquisition, h.valid_from) if d is not None),
                        max(d for d in (up.valid_from, h.valid_from) if d is not None),
                        min(ends) if ends else None,
                        D(h.cost),
                        up.ownership,
                    )
                )
        out += below
        frontier = below
    return out


def members_at(level: str, t: date, group: list[Holding] = HOLDINGS) -> dict[str, Member]:
    """The level's columns at ``t``: itself and each division below acquired by ``t``
    whose chain is valid on ``t``."""
    return {
        m.division: m
        for m in chain(level, group)
        if m.parent is None
        or (
            m.valid_from <= t  # type: ignore[operator]
            and (m.valid_to is None or t <= m.valid_to)
            and m.acquisition <= t  # type: ignore[operator]
        )
    }


@dataclass
class Level:
    """One level at one period end: each column per group account (cumulative = year to
    date, the books start in 2026), CTA per division, eliminations by (type, column,
    group account), and the key figures by name."""

    columns: dict[str, dict[int, Decimal]]
    cta: dict[str, Decimal]
    eliminations: dict[tuple[str, str, int], Decimal]
    facts: dict[str, Decimal]

    def elimination_column(self) -> dict[int, Decimal]:
        total: dict[int, Decimal] = defaultdict(Decimal)
        for (_, _, g_id), amount in self.eliminations.items():
            total[g_id] += amount
        return dict(total)

    def group_column(self) -> dict[int, Decimal]:
        total: dict[int, Decimal] = defaultdict(Decimal)
        for column in [*self.columns.values(), self.elimination_column()]:
            for g_id, amount in column.items():
                total[g_id] += amount
        return dict(total)


def consolidate(inputs: ex.Inputs, level: str, t: date, group: list[Holding] = HOLDINGS) -> Level:
    members = members_at(level, t, group)
    role = inputs.role
    columns: dict[str, dict[int, Decimal]] = {}
    cta: dict[str, Decimal] = {}
    pre_acquisition: dict[str, dict[int, Decimal]] = {}
    post_acquisition: dict[str, dict[int, Decimal]] = {}
    for div, m in members.items():
        currency = DIVISIONS[div][1]
        closing: dict[int, Decimal] = defaultdict(Decimal)
        pre: dict[int, Decimal] = defaultdict(Decimal)
        monthly: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        daily: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
        for x in (x for x in inputs.lines if x.division == div and x.day <= t):
            g = inputs.group_account(div, x.account_code)
            if g.rate_type == "closing":
                closing[g.id] += x.amount
            elif m.acquisition is not None and x.day <= m.acquisition:
                pre[g.id] += x.amount
            elif g.rate_type == "average":
                monthly[(g.id, x.day.month)] += x.amount
            else:
                daily[(g.id, x.day)] += x.amount
        translated: dict[int, Decimal] = defaultdict(Decimal)
        for g_id, amount in closing.items():
            translated[g_id] += cents(amount * rate(currency, t))
        pre_t = {g: cents(a * rate(currency, m.acquisition)) for g, a in pre.items()}  # type: ignore[arg-type]
        post: dict[int, Decimal] = defaultdict(Decimal)
        for (g_id, month), amount in monthly.items():
            post[g_id] += cents(amount * month_average(currency, t.year, month))
        for (g_id, day), amount in daily.items():
            post[g_id] += cents(amount * rate(currency, day))
        for g_id, amount in [*pre_t.items(), *post.items()]:
            translated[g_id] += amount
        cta[div] = -sum(translated.values(), D(0))
        translated[role("cta")] += cta[div]
        columns[div] = dict(translated)
        pre_acquisition[div], post_acquisition[div] = pre_t, dict(post)
    eliminations: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    facts: dict[str, Decimal] = {}
    _intercompany(inputs, t, members, eliminations)
    for div, m in members.items():
        if m.parent is not None:
            _investment(inputs, t, m, pre_acquisition[div], post_acquisition[div], cta[div],
                        eliminations, facts)  # fmt: skip
    return Level(columns, cta, dict(eliminations), facts)


def _intercompany(
    inputs: ex.Inputs,
    t: date,
    members: dict[str, Member],
    eliminations: dict[tuple[str, str, int], Decimal],
) -> None:
    """Both sides of intercompany lines between columns of the level, each eliminated in
    its own column (P&L only after both joined the level); what a pair leaves goes to
    ic_difference in the lower division id's column."""
    joined = {div: m.acquisition or date.min for div, m in members.items()}
    skip = {inputs.role("dividend_income"), inputs.role("dividends")}
    left: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    balances: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    monthly: dict[tuple[str, str, int, int], Decimal] = defaultdict(Decimal)
    for x in inputs.lines:
        cp = x.counterparty
        if x.day > t or x.division not in members or cp not in members or cp == x.division:
            continue
        g = inputs.group_account(x.division, x.account_code)
        if not g.eliminate_intercompany or g.id in skip:
            continue
        if g.account_type == "balance_sheet":
            balances[(x.division, cp, g.id)] += x.amount  # type: ignore[index]
        elif x.day > joined[x.division] and x.day > joined[cp]:  # type: ignore[index]
            monthly[(x.division, cp, g.id, x.day.month)] += x.amount  # type: ignore[index]

    def pair(div: str, cp: str, kind: str) -> tuple[str, str]:
        return min((div, cp), key=inputs.division_ids.__getitem__), kind

    for (div, cp, g_id), amount in balances.items():
        value = cents(amount * rate(DIVISIONS[div][1], t))
        eliminations[("intercompany_balance", div, g_id)] -= value
        left[pair(div, cp, "balance")] += value
    for (div, cp, g_id, month), amount in monthly.items():
        value = cents(amount * month_average(DIVISIONS[div][1], t.year, month))
        eliminations[("intercompany_transaction", div, g_id)] -= value
        left[pair(div, cp, "transaction")] += value
    for (column, _kind), amount in left.items():
        eliminations[("intercompany_difference", column, inputs.role("ic_difference"))] += amount


def _investment(
    inputs: ex.Inputs,
    t: date,
    m: Member,
    pre: dict[int, Decimal],
    post: dict[int, Decimal],
    cta: Decimal,
    eliminations: dict[tuple[str, str, int], Decimal],
    facts: dict[str, Decimal],
) -> None:
    """Investment against equity at acquisition, goodwill, NCI at the effective share p;
    the group's goodwill is its share q (the direct parent's) of the cost, the rest of the
    cost goes back from the parent's minority (nci_investment)."""
    s, p, q, acquired = m.division, m.ownership, m.parent_ownership, m.acquisition
    assert acquired is not None and m.parent is not None
    role = inputs.role
    kinds = {g: ex._kind(inputs.accounts[g]) for g in [*pre, *post]}
    net_assets = -sum((a for g, a in pre.items() if kinds[g] in ex.EQUITY_OR_PL), D(0))
    cost = cents(m.cost * rate(DIVISIONS[m.parent][1], acquired))
    for g_id, amount in pre.items():
        if kinds[g_id] in ex.EQUITY_OR_PL:
            eliminations[("equity_at_acquisition", s, g_id)] -= amount
    eliminations[("investment", s, role("investments"))] -= cost
    goodwill = cents(q * cost) - cents(p * net_assets)
    facts[f"{s}.net_assets_at_acquisition"] = net_assets
    facts[f"{s}.goodwill_at_acquisition"] = goodwill
    currency = DIVISIONS[s][1]
    if goodwill >= 0:
        at_t = cents(goodwill * rate(currency, t) / rate(currency, acquired))
        eliminations[("goodwill", s, role("goodwill"))] += at_t
        eliminations[("goodwill_translation", s, role("cta"))] -= at_t - goodwill
        facts[f"{s}.goodwill"] = at_t
    else:
        eliminations[("bargain_purchase_gain", s, role("bargain_purchase_gain"))] += goodwill
    share = 1 - p
    at_acquisition = cents(share * net_assets)
    eliminations[("nci_at_acquisition", s, role("nci"))] -= at_acquisition
    nci_investment = cost - cents(q * cost)
    if nci_investment:
        eliminations[("nci_investment", s, role("nci"))] += nci_investment
    result = sum((a for g, a in post.items() if kinds[g] == "profit_loss"), D(0))
    nci_result = cents(share * result)
    eliminations[("nci_result", s, role("nci_result"))] -= nci_result
    eliminations[("nci_result", s, role("nci"))] += nci_result
    nci_cta = cents(share * cta)
    eliminations[("nci_cta", s, role("cta"))] -= nci_cta
    eliminations[("nci_cta", s, role("nci"))] += nci_cta
    moved = D(0)
    for g_id, amount in post.items():
        if kinds[g_id] == "equity" and g_id not in (role("cta"), role("nci")):
            part = cents(share * amount)
            eliminations[("nci_equity", s, g_id)] -= part
            eliminations[("nci_equity", s, role("nci"))] += part
            moved += part
    facts[f"{s}.nci_share_of_result"] = nci_result
    facts[f"{s}.nci_share_of_cta"] = nci_cta
    facts[f"{s}.nci_investment"] = nci_investment
    facts[f"{s}.nci"] = -at_acquisition + nci_investment + nci_result + nci_cta + moved


# --- the warehouse ------------------------------------------------------------------------


@dataclass
class Group:
    warehouse: Path
    inputs: ex.Inputs
    results: dict[tuple[str, date], Level]

    def id(self, division: str) -> int:
        return self.inputs.division_ids[division]

    def code(self, group_account_id: int) -> str:
        return self.inputs.accounts[group_account_id].code

    def role_code(self, role: str) -> str:
        return self.code(self.inputs.role(role))

    def mapped(self, division: str, account: str) -> str:
        return self.inputs.group_account(division, account).code

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, list(params)).fetchall()


def _build(folder: Path, t_share_in_h: str) -> Group:
    url = f"sqlite:///{folder / 'erp.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            build_group(session, t_share_in_h)
        with session_scope(engine) as session:
            inputs = ex.read_inputs(session)
    finally:
        engine.dispose()
    warehouse = folder / "warehouse.duckdb"
    # as of 31 December 2026 (the example's as_of_date, this test's year end)
    assert ex.AS_OF == YEAR_END
    build_warehouse(url, warehouse, folder)
    group = holdings(t_share_in_h)
    results = {(lv, t): consolidate(inputs, lv, t, group) for lv in LEVELS for t in MONTH_ENDS}
    return Group(warehouse, inputs, results)


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Group:
    return _build(tmp_path_factory.mktemp("consolidation_sub_holding"), "100")


@pytest.fixture(scope="module")
def partly_owned(tmp_path_factory: pytest.TempPathFactory) -> Group:
    """The same group with T holding 80 % of H (for 80,000 of H's capital of 100,000)."""
    return _build(tmp_path_factory.mktemp("consolidation_partly_owned_sub_holding"), "80")


def trial_balance(group: Group, level: str, t: date) -> dict[str, dict[str, Decimal]]:
    """Expected trial balance: column -> group account code -> balance (one year only:
    P&L year to date is cumulative, nothing folded into retained earnings)."""
    r = group.results[(level, t)]

    def by_code(amounts: dict[int, Decimal]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for g_id, amount in amounts.items():
            out[group.code(g_id)] += amount
        return nonzero(out)

    columns = {div: by_code(amounts) for div, amounts in r.columns.items()}
    columns["ELIM"] = by_code(r.elimination_column())
    columns["GROUP"] = by_code(r.group_column())
    return {c: v for c, v in columns.items() if v}


# --- hand-worked figures --------------------------------------------------------------------


def test_rates_and_chains() -> None:
    assert month_average("GBP", YEAR, 9) == D("1.16666667")  # (10 x 1.18 + 20 x 1.16) / 30
    assert month_average("GBP", YEAR, 10) == D("1.16")
    by_level = {lv: {m.division: m for m in chain(lv)} for lv in LEVELS}
    assert {d: m.ownership for d, m in by_level["H"].items()} == {
        "H": 1, "S": D("0.6"), "R": 1}  # fmt: skip
    # At T, S is held through H: 100 % x 60 %, acquired when H bought it.
    assert {d: m.ownership for d, m in by_level["T"].items()} == {
        "T": 1, "H": 1, "S": D("0.6"), "R": 1}  # fmt: skip
    assert by_level["T"]["S"].acquisition == date(2026, 6, 30)
    assert set(members_at("T", JULY)) == {"T", "H", "S", "R"}
    assert set(members_at("T", AUGUST)) == {"T", "H", "S"}  # R left on 20 August
    assert set(members_at("H", date(2026, 5, 31))) == {"H", "R"}  # S not yet bought


@pytest.mark.parametrize("level", LEVELS)
def test_key_figures_worked_by_hand(group: Group, level: str) -> None:
    """The same figures for S at both levels (both in EUR, S at 60 % in both)."""
    r = group.results[(level, YEAR_END)]
    # S on 30 June (GBP 1.18): capital 50,000 + sales 20,000 - rent 8,000 = GBP 62,000 ->
    # EUR 59,000 + 23,600 - 9,440 = 73,160.00.
    assert r.facts["S.net_assets_at_acquisition"] == D("73160.00")
    # Goodwill 48,000 - 60 % x 73,160 (43,896.00) = 4,104.00; at 31 December (1.13):
    # 4,104 x 1.13 / 1.18 = 3,930.1016... -> 3,930.10 (173.90 less, on the CTA).
    assert r.facts["S.goodwill_at_acquisition"] == D("4104.00")
    assert r.facts["S.goodwill"] == D("3930.10")
    # S since acquisition: sales 30,000 in August at 1.18 = 35,400.00 and 10,000 in
    # November at 1.16 = 11,600.00; other costs 5,000 in September at 1.16666667 =
    # 5,833.33; the fee 3,000 in October at 1.16 = 3,480.00: a profit of 37,686.67; the
    # NCI's 40 % = 15,074.67 (15,074.668), a credit on nci.
    assert r.facts["S.nci_share_of_result"] == D("-15074.67")
    # S's bank at 31 December: GBP 50,000 + 20,000 - 8,000 + 30,000 - 5,000 - 3,000 +
    # 10,000 = 94,000 at 1.13 = 106,220.00. Net assets at acquisition plus the profit are
    # 73,160 + 37,686.67 = 110,846.67: CTA 4,626.67 (a loss, the pound fell); NCI's 40 %
    # of it 1,850.67 (a debit on nci).
    assert r.cta["S"] == D("4626.67")
    assert r.facts["S.nci_share_of_cta"] == D("1850.67")
    # NCI: -29,264.00 (40 % x 73,160) - 15,074.67 + 1,850.67 = -42,488.00 = 40 % of
    # S's translated net assets 106,220.00.
    assert r.facts["S.nci"] == D("-42488.00")
    if level == "T":
        # H, founded by T for its capital: no goodwill, no NCI.
        assert r.facts["H.net_assets_at_acquisition"] == D("100000.00")
        assert r.facts["H.goodwill"] == D("0.00")
        assert r.facts["H.nci"] == D("0.00")


# --- the marts against the rules ------------------------------------------------------------


@pytest.mark.parametrize("t", MONTH_ENDS, ids=str)
@pytest.mark.parametrize("level", LEVELS)
def test_consolidated_trial_balance(group: Group, level: str, t: date) -> None:
    rows = group.query(
        "select tb.column_code, ga.code, tb.balance from mart_consolidated_trial_balance tb"
        " join dim_group_accounts ga using (group_account_id)"
        " where tb.group_division_id = ? and tb.period_end = ?",
        group.id(level),
        t,
    )
    actual: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for column, code, balance in rows:
        if balance != 0:
            actual[column][code] = balance
    assert dict(actual) == trial_balance(group, level, t)


@pytest.mark.parametrize("t", MONTH_ENDS, ids=str)
@pytest.mark.parametrize("level", LEVELS)
def test_group_balance_sheet(group: Group, level: str, t: date) -> None:
    """The group column: assets positive, equity and liabilities positive, CYR the
    result attributable to the owners."""
    accounts = {a.code: a for a in group.inputs.accounts.values()}
    expected: dict[tuple[str, str], Decimal] = {}
    cyr = D(0)
    for code, balance in trial_balance(group, level, t).get("GROUP", {}).items():
        account = accounts[code]
        if account.account_type == "profit_loss":
            cyr -= balance
        elif account.account_class == "asset":
            expected[("assets", code)] = balance
        else:
            expected[("equity_and_liabilities", code)] = -balance
    expected[("equity_and_liabilities", "CYR")] = cyr
    rows = group.query(
        "select side, line_code, amount from mart_consolidated_balance_sheet"
        " where group_division_id = ? and period_end = ? and column_code = 'GROUP'",
        group.id(level),
        t,
    )
    assert nonzero({(side, line): amount for side, line, amount in rows}) == nonzero(expected)


def _income_statement(group: Group, level: str, t: date) -> dict[str, Decimal]:
    accounts = {a.code: a for a in group.inputs.accounts.values()}
    lines: dict[str, Decimal] = defaultdict(Decimal)
    for code, balance in trial_balance(group, level, t).get("GROUP", {}).items():
        account = accounts[code]
        if account.account_type != "profit_loss":
            continue
        if account.role == "nci_result":
            lines["PROFIT_NCI"] += balance
        else:
            lines[code] -= balance
            lines["PROFIT"] -= balance
    lines["PROFIT_OWNERS"] = lines["PROFIT"] - lines["PROFIT_NCI"]
    return lines


@pytest.mark.parametrize("t", MONTH_ENDS, ids=str)
@pytest.mark.parametrize("level", LEVELS)
def test_group_income_statement(group: Group, level: str, t: date) -> None:
    """The group column, year to date and the month, income positive."""
    ytd = _income_statement(group, level, t)
    before = _income_statement(group, level, MONTH_ENDS[t.month - 2]) if t.month > 1 else {}
    month = {k: ytd.get(k, D(0)) - before.get(k, D(0)) for k in {*ytd, *before}}
    rows = group.query(
        "select line_code, month_amount, ytd_amount from mart_consolidated_income_statement"
        " where group_division_id = ? and period_end = ? and column_code = 'GROUP'",
        group.id(level),
        t,
    )
    assert nonzero({line: y for line, _, y in rows}) == nonzero(ytd)
    assert nonzero({line: m for line, m, _ in rows}) == nonzero(month)


def test_year_end_statements_worked_by_hand(group: Group) -> None:
    """The group columns at 31 December as literals."""
    bank, capital = group.mapped("H", "1100"), group.mapped("H", "0500")
    goodwill, investments = group.role_code("goodwill"), group.role_code("investments")
    cta, nci = group.role_code("cta"), group.role_code("nci")

    def balance_sheet(level: str) -> dict[str, Decimal]:
        return {
            line: amount
            for line, amount in group.query(
                "select line_code, amount from mart_consolidated_balance_sheet"
                " where group_division_id = ? and period_end = ? and column_code = 'GROUP'",
                group.id(level),
                YEAR_END,
            )
        }

    def profit(level: str) -> dict[str, Decimal]:
        return {
            line: amount
            for line, amount in group.query(
                "select line_code, ytd_amount from mart_consolidated_income_statement"
                " where group_division_id = ? and period_end = ? and column_code = 'GROUP'"
                " and line_code in ('PROFIT', 'PROFIT_NCI', 'PROFIT_OWNERS')",
                group.id(level),
                YEAR_END,
            )
        }

    # Level H. Bank: H 100,000 - 20,000 - 48,000 - 6,000 + 20,000 + 3,480 = 49,480.00 and
    # S 106,220.00; goodwill 3,930.10; H's investment in S (48,000) eliminated. Equity: H's
    # capital 100,000 (S's eliminated against the investment); CTA 4,626.67 + 173.90 -
    # 1,850.67 = 2,949.90 (a debit); NCI 42,488.00; result for the owners: S's 37,686.67
    # + the fee 3,480 (eliminated on both sides) - H's wages 6,000 = 35,166.67, less the
    # NCI's 15,074.67 = 20,092.00. 159,630.10 on both sides.
    h = balance_sheet("H")
    assert h[bank] == D("155700.00")
    assert h[goodwill] == D("3930.10")
    assert h.get(investments, D(0)) == 0
    assert h[capital] == D("100000.00")
    assert h[cta] == D("-2949.90")
    assert h[nci] == D("42488.00")
    assert h["CYR"] == D("20092.00")
    assert profit("H") == {
        "PROFIT": D("35166.67"),
        "PROFIT_NCI": D("15074.67"),
        "PROFIT_OWNERS": D("20092.00"),
    }
    # Level T adds T: bank 150,000 - 100,000 + 10,000 = 60,000, its revenue 10,000; its
    # investment in H (100,000) is eliminated against H's capital; the rest is level H's.
    top = balance_sheet("T")
    assert top[bank] == D("215700.00")
    assert top[goodwill] == D("3930.10")
    assert top.get(investments, D(0)) == 0
    assert top[capital] == D("150000.00")
    assert top[cta] == D("-2949.90")
    assert top[nci] == D("42488.00")
    assert top["CYR"] == D("30092.00")
    assert profit("T") == {
        "PROFIT": D("45166.67"),
        "PROFIT_NCI": D("15074.67"),
        "PROFIT_OWNERS": D("30092.00"),
    }


@pytest.mark.parametrize("level", LEVELS)
def test_year_end_eliminations(group: Group, level: str) -> None:
    """Each investment against its subsidiary's equity (H's in S at both levels, T's in H
    at T only), the fee on both sides, goodwill and NCI, as literals."""
    rows = group.query(
        "select e.elimination_type, e.division_id, e.counterparty_division_id, ga.code,"
        " sum(e.amount_group) from fct_consolidation_eliminations e"
        " join dim_group_accounts ga using (group_account_id)"
        " where e.group_division_id = ? and e.period_end = ?"
        " group by all",
        group.id(level),
        YEAR_END,
    )
    actual = {(kind, div, cp, code): amount for kind, div, cp, code, amount in rows}
    s, h, t = group.id("S"), group.id("H"), group.id("T")
    investments = group.role_code("investments")
    assert actual[("investment", s, h, investments)] == D("-48000.00")
    assert actual[("goodwill", s, None, group.role_code("goodwill"))] == D("3930.10")
    assert actual[("goodwill_translation", s, None, group.role_code("cta"))] == D("173.90")
    assert actual[("nci_at_acquisition", s, None, group.role_code("nci"))] == D("-29264.00")
    # S's capital, sales and rent of before 30 June, at 1.18, out against the investment.
    assert actual[("equity_at_acquisition", s, None, group.mapped("S", "0500"))] == D("59000.00")
    assert actual[("equity_at_acquisition", s, None, group.mapped("S", "8100"))] == D("23600.00")
    assert actual[("equity_at_acquisition", s, None, group.mapped("S", "4300"))] == D("-9440.00")
    fee = {(d, code): a for (kind, d, _, code), a in actual.items()
           if kind == "intercompany_transaction"}  # fmt: skip
    assert fee == {(h, group.mapped("H", "8900")): D("3480.00"),
                   (s, group.mapped("S", "4900")): D("-3480.00")}  # fmt: skip
    if level == "T":
        assert actual[("investment", h, t, investments)] == D("-100000.00")
        assert actual[("equity_at_acquisition", h, None, group.mapped("H", "0500"))] == D(
            "100000.00"
        )
    else:
        assert not [k for k in actual if k[0] == "investment" and k[1] == h]
    # R left on 20 August: nothing of it is eliminated at the year end.
    assert not [k for k in actual if group.id("R") in (k[1], k[2])]


@pytest.mark.parametrize("level", LEVELS)
def test_cta_and_nci_movement(group: Group, level: str) -> None:
    """S's CTA (with its goodwill's translation) and NCI, the same at both levels."""
    cta = group.query(
        "select closing, goodwill_translation, nci_share, group_share from mart_cta_movement"
        " where group_division_id = ? and period_end = ? and division_id = ?",
        group.id(level),
        YEAR_END,
        group.id("S"),
    )
    # 4,626.67 + 173.90 = 4,800.57; NCI 40 % of 4,626.67 = 1,850.67; group 2,949.90.
    assert cta == [(D("4800.57"), D("173.90"), D("1850.67"), D("2949.90"))]
    nci = group.query(
        "select opening, at_acquisition, share_of_result, share_of_cta,"
        " share_of_equity_movements, closing from mart_nci_movement"
        " where group_division_id = ? and period_end = ? and division_id = ?",
        group.id(level),
        YEAR_END,
        group.id("S"),
    )
    assert nci == [(D(0), D("-29264.00"), D("-15074.67"), D("1850.67"), D(0), D("-42488.00"))]


def test_group_levels(group: Group) -> None:
    """Both levels with their members, effective ownership and R's end of membership."""
    rows = group.query(
        "select group_division_code, group_currency, division_code, currency_code,"
        " ownership_pct, method, acquisition_date, valid_from, valid_to, is_level_parent"
        " from dim_group_levels"
    )
    jan2, jun30, aug20 = date(2026, 1, 2), date(2026, 6, 30), date(2026, 8, 20)
    assert sorted(rows) == sorted(
        [
            ("H", "EUR", "H", "EUR", D(1), "full", None, None, None, True),
            ("H", "EUR", "R", "EUR", D(1), "full", jan2, jan2, aug20, False),
            ("H", "EUR", "S", "GBP", D("0.6"), "full", jun30, jun30, None, False),
            ("T", "EUR", "T", "EUR", D(1), "full", None, None, None, True),
            ("T", "EUR", "H", "EUR", D(1), "full", jan2, jan2, None, False),
            ("T", "EUR", "R", "EUR", D(1), "full", jan2, jan2, aug20, False),
            ("T", "EUR", "S", "GBP", D("0.6"), "full", jun30, jun30, None, False),
        ]
    )


@pytest.mark.parametrize("level", LEVELS)
def test_member_drops_out_after_valid_to(group: Group, level: str) -> None:
    """R is a column of both levels at 31 July and of neither from 31 August (it left on
    20 August); the group's bank then holds H's proceeds instead of R's bank."""
    columns = {
        t: {c for (c,) in group.query(
            "select distinct column_code from mart_consolidated_trial_balance"
            " where group_division_id = ? and period_end = ? and column_kind = 'division'",
            group.id(level), t)}
        for t in (JULY, AUGUST, YEAR_END)
    }  # fmt: skip
    own = {"H"} if level == "H" else {"T", "H"}
    assert columns[JULY] == own | {"S", "R"}
    assert columns[AUGUST] == columns[YEAR_END] == own | {"S"}
    # H's bank at 31 July: 100,000 - 20,000 - 48,000 - 6,000 = 26,000; R's 20,000; S's
    # GBP 62,000 at 1.18 = 73,160: 119,160.00, R's 20,000 cost eliminated against its
    # capital. At 31 August R is gone and H holds the 20,000 it was sold for; S's GBP
    # 92,000 at 1.18 = 108,560: 26,000 + 20,000 + 108,560 (+ T's 60,000 at level T).
    bank = {
        t: amount
        for t, amount in group.query(
            "select period_end, amount from mart_consolidated_balance_sheet"
            " where group_division_id = ? and column_code = 'GROUP' and line_code = ?",
            group.id(level),
            group.mapped("H", "1100"),
        )
    }
    top = D("60000.00") if level == "T" else D(0)
    assert bank[JULY] == D("119160.00") + top
    assert bank[AUGUST] == D("154560.00") + top
    assert group.query(
        "select count(*) from mart_consolidated_trial_balance where group_division_id = ?"
        " and period_end > ? and division_id = ?",
        group.id(level),
        JULY,
        group.id("R"),
    ) == [(0,)]


@pytest.mark.parametrize("level", LEVELS)
def test_intercompany_reconciliation(group: Group, level: str) -> None:
    """The fee: H's revenue EUR 3,480 and S's cost GBP 3,000 at October's 1.16 agree."""
    rows = group.query(
        "select division_id, counterparty_division_id, kind, amount_division,"
        " amount_counterparty, difference, is_matched from mart_intercompany_reconciliation"
        " where group_division_id = ? and period_end = ?"
        " and (amount_division <> 0 or amount_counterparty <> 0 or difference <> 0)",
        group.id(level),
        YEAR_END,
    )
    h, s = sorted((group.id("H"), group.id("S")))
    amounts = {group.id("H"): D("-3480.00"), group.id("S"): D("3480.00")}
    assert rows == [(h, s, "transaction", amounts[h], amounts[s], D("0.00"), True)]


# --- T holds 80 % of H: S held through a partly owned sub-holding ---------------------------


def _nci_on(group: Group, level: str, t: date) -> dict[tuple[str, int, int | None], Decimal]:
    """S's and H's eliminations on the nci account: (type, column, counterparty) -> amount."""
    rows = group.query(
        "select e.elimination_type, e.division_id, e.counterparty_division_id,"
        " sum(e.amount_group) from fct_consolidation_eliminations e"
        " join dim_group_accounts ga using (group_account_id)"
        " where e.group_division_id = ? and e.period_end = ? and ga.role = 'nci'"
        " group by all",
        group.id(level),
        t,
    )
    return {(kind, div, cp): amount for kind, div, cp, amount in rows}


def test_partly_owned_goodwill_and_nci_at_acquisition(partly_owned: Group) -> None:
    """At level T, S is held 80 % x 60 % = 48 %. Goodwill is T's 80 % of the goodwill H
    paid: 0.8 x 48,000 - 0.48 x 73,160 = 38,400.00 - 35,116.80 = 3,283.20 (= 80 % of
    4,104.00; 48,000 - 35,116.80 = 12,883.20 would count H's minority's share of the
    price as the group's goodwill). The NCI at acquisition: 52 % of 73,160 = 38,043.20 (a
    credit), less H's minority's 20 % of what H paid, 9,600.00 (a debit: H's NCI, on
    H's net assets, holds it)."""
    g = partly_owned
    s, h = g.id("S"), g.id("H")
    june = MONTH_ENDS[5]
    for level in LEVELS:
        assert g.results[(level, YEAR_END)].facts["S.goodwill_at_acquisition"] == D(
            "3283.20" if level == "T" else "4104.00"
        )
    goodwill = {
        t: amount
        for t, amount in g.query(
            "select e.period_end, e.amount_group from fct_consolidation_eliminations e"
            " where e.group_division_id = ? and e.division_id = ?"
            " and e.elimination_type = 'goodwill'",
            g.id("T"),
            s,
        )
    }
    # 30 June: the closing rate is the acquisition rate (1.18). 31 December (1.13):
    # 3,283.20 x 1.13 / 1.18 = 3,144.0813... -> 3,144.08.
    assert goodwill[june] == D("3283.20")
    assert goodwill[YEAR_END] == D("3144.08")
    nci = _nci_on(g, "T", YEAR_END)
    assert nci[("nci_at_acquisition", s, None)] == D("-38043.20")
    assert nci[("nci_investment", s, h)] == D("9600.00")
    # H itself, bought by T: 20 % of its 100,000 at acquisition; held by the level, so
    # no nci_investment of its own.
    assert nci[("nci_at_acquisition", h, None)] == D("-20000.00")
    assert not [k for k in nci if k[0] == "nci_investment" and k[1] != s]
    # At level H, H owns S directly: nothing changes there.
    at_h = _nci_on(g, "H", YEAR_END)
    assert at_h[("nci_at_acquisition", s, None)] == D("-29264.00")
    assert not [k for k in at_h if k[0] == "nci_investment"]
    movement = g.query(
        "select at_acquisition from mart_nci_movement where group_division_id = ?"
        " and period_end = ? and division_id = ?",
        g.id("T"),
        YEAR_END,
        s,
    )
    assert movement == [(D("-28443.20"),)]


@pytest.mark.parametrize("t", MONTH_ENDS, ids=str)
def test_partly_owned_balance_sheet_balances(partly_owned: Group, t: date) -> None:
    """Every column of level T's balance sheet: assets = equity and liabilities."""
    rows = partly_owned.query(
        "select column_code, side, sum(amount) from mart_consolidated_balance_sheet"
        " where group_division_id = ? and period_end = ? group by all",
        partly_owned.id("T"),
        t,
    )
    sides: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for column, side, amount in rows:
        sides[column][side] = amount
    assert "GROUP" in sides
    for column, amounts in sides.items():
        assert amounts.get("assets", D(0)) == amounts.get("equity_and_liabilities", D(0)), column


def test_partly_owned_nci_at_year_end(partly_owned: Group) -> None:
    """The NCI at level T from the books directly, not by the elimination rules: S's
    outsiders' 40 % of S's net assets, H's outsiders' 20 % of H's own net assets without
    its investment in S, and their 20 % x 60 % of S's net assets (the goodwill H paid is
    not theirs in the group's accounts)."""
    g = partly_owned
    inputs = g.inputs

    def net_assets(division: str, *, without: tuple[str, ...] = ()) -> Decimal:
        # asset and liability lines to the year end, in the division's currency
        return sum(
            (
                x.amount
                for x in inputs.lines
                if x.division == division
                and x.day <= YEAR_END
                and x.account_code not in without
                and inputs.group_account(division, x.account_code).account_class
                in ("asset", "liability")
            ),
            D(0),
        )

    # S: GBP 94,000 at 1.13 = 106,220.00; H: its bank 49,480.00 (its 48,000 in S left out).
    s_net = cents(net_assets("S") * rate("GBP", YEAR_END))
    h_net = net_assets("H", without=("0800",))
    assert (s_net, h_net) == (D("106220.00"), D("49480.00"))
    # 42,488.00 + 9,896.00 + 12,746.40 = 65,130.40
    expected = -(cents(D("0.4") * s_net) + cents(D("0.2") * h_net) + cents(D("0.12") * s_net))
    assert expected == D("-65130.40")
    nci_code = g.role_code("nci")
    group_nci = g.query(
        "select tb.balance from mart_consolidated_trial_balance tb"
        " join dim_group_accounts ga using (group_account_id)"
        " where tb.group_division_id = ? and tb.period_end = ? and tb.column_code = 'GROUP'"
        " and ga.code = ?",
        g.id("T"),
        YEAR_END,
        nci_code,
    )
    assert group_nci == [(expected,)]
    closings = g.query(
        "select sum(closing) from mart_nci_movement where group_division_id = ? and period_end = ?",
        g.id("T"),
        YEAR_END,
    )
    assert closings == [(expected,)]


@pytest.mark.parametrize("t", MONTH_ENDS, ids=str)
@pytest.mark.parametrize("level", LEVELS)
def test_partly_owned_trial_balance(partly_owned: Group, level: str, t: date) -> None:
    """The marts against the rules worked out here (goodwill on q x the cost,
    nci_investment) at every month end, as for the wholly owned sub-holding."""
    test_consolidated_trial_balance(partly_owned, level, t)
