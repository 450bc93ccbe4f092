"""The demo-company generator: deterministic, balanced, and its control totals are true.

Each check compares the generator's own bookkeeping (``ControlTotals``) with the ledger
read back independently, by SQL over the posted journal lines and invoices.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from ingestion.demo import ControlTotals, generate, read_control_totals, write_control_totals
from ingestion.demo.books import COST_CLASSES
from tests.conftest import generated_ledger
from transactional.database import make_engine, session_scope
from transactional.errors import PeriodClosed
from transactional.finance import balances, posting
from transactional.finance.models import (
    Account,
    FiscalYear,
    Invoice,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
)
from transactional.finance.payments import open_amounts
from transactional.migrate import upgrade
from transactional.organisation.models import Division, User

SEED = 7
SCALE = 0.002
END = date(2026, 10, 31)
TODAY = date(2026, 11, 23)
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BUCKETS = ("Not due", "1-30", "31-60", "61-90", "90+")


@dataclass
class Generated:
    url: str
    totals: ControlTotals


def _fresh_sqlite(directory: Path) -> str:
    url = f"sqlite:///{directory / 'erp.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    # Generated once per run for these arguments (the wholesale and manufacturing modules
    # read the same company); the module reads its own copy.
    built = generated_ledger(tmp_path_factory, seed=SEED, scale=SCALE, end_date=END)
    assert built.stages[-1] == ("closing", 1, 1)
    assert ("activity", 34, 34) in built.stages
    target = tmp_path_factory.mktemp("demo") / "erp.db"
    shutil.copy(built.path, target)
    return Generated(f"sqlite:///{target}", built.totals)


@pytest.fixture
def session(company: Generated) -> Iterator[Session]:
    engine = make_engine(company.url)
    try:
        with session_scope(engine) as s:
            yield s
    finally:
        engine.dispose()


def _ledger_fingerprint(url: str) -> str:
    """A hash of every posted entry, line, invoice and payment, timestamps left out."""
    digest = hashlib.sha256()
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            for model in (JournalEntry, JournalLine, Invoice, Payment, PaymentAllocation):
                table: Any = model.__table__  # type: ignore[union-attr]
                columns = [c for c in table.columns if c.name != "created_at"]
                for row in s.execute(select(*columns).order_by(columns[0])):
                    digest.update(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def test_same_seed_gives_the_same_books(company: Generated, tmp_path: Path) -> None:
    url = _fresh_sqlite(tmp_path)
    again = generate(url, seed=SEED, scale=SCALE, end_date=END)
    assert again == company.totals
    assert _ledger_fingerprint(url) == _ledger_fingerprint(company.url)


def test_control_totals_survive_json(company: Generated, tmp_path: Path) -> None:
    path = write_control_totals(company.totals, tmp_path / "totals.json")
    assert read_control_totals(path) == company.totals
    assert ControlTotals.from_json(company.totals.to_json()) == company.totals
    table = str(company.totals)
    assert all(code in table for code in ("HOLD", "NL01", "US01", "UK01"))


def _per_division_year(session: Session, condition: Any) -> dict[str, dict[int, Decimal]]:
    rows = session.exec(
        select(Division.code, FiscalYear.year, func.sum(JournalLine.amount_base))
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .join(FiscalYear, col(FiscalYear.id) == JournalEntry.fiscal_year_id)
        .join(Account, col(Account.id) == JournalLine.account_id)
        .join(Division, col(Division.id) == JournalLine.division_id)
        .where(condition)
        .group_by(col(Division.code), col(FiscalYear.year))
    ).all()
    result: dict[str, dict[int, Decimal]] = {}
    for code, year, total in rows:
        result.setdefault(code, {})[year] = total
    return result


def test_revenue_and_costs_match_the_ledger(company: Generated, session: Session) -> None:
    revenue = _per_division_year(session, Account.reporting_category == "revenue")
    # Revenue is credited: its natural sign is the negated debit-positive sum.
    assert {d: {y: -v for y, v in ys.items()} for d, ys in revenue.items()} == (
        company.totals.revenue
    )
    costs = _per_division_year(session, col(Account.account_class).in_(COST_CLASSES))
    assert costs == company.totals.costs
    for code, years in company.totals.revenue.items():
        assert all(amount > 0 for amount in years.values()), code


def test_counts_match_the_ledger(company: Generated, session: Session) -> None:
    assert session.exec(select(func.count()).select_from(JournalLine)).one() == (
        company.totals.journal_lines
    )
    assert session.exec(select(func.count()).select_from(JournalEntry)).one() == (
        company.totals.journal_entries
    )
    assert session.exec(select(func.count()).select_from(Invoice)).one() == company.totals.invoices
    assert session.exec(select(func.count()).select_from(Payment)).one() == company.totals.payments


def test_every_division_and_period_balances(session: Session) -> None:
    totals = balances.trial_balance_totals(session)
    assert len(totals) > 4 * 30
    assert {key: v for key, v in totals.items() if v != 0} == {}


def test_open_items_match_control_accounts_and_generator(
    company: Generated, session: Session
) -> None:
    for division in session.exec(select(Division)).all():
        assert division.id is not None
        receivables = balances.open_items_total(session, division.id, "sales")
        assert receivables == balances.control_balance(session, division.id, "receivables")
        assert receivables == company.totals.open_receivables[division.code]
        payables = balances.open_items_total(session, division.id, "purchase")
        assert payables == balances.control_balance(session, division.id, "payables")
        assert -payables == company.totals.open_payables[division.code]


def test_first_fiscal_year_is_closed(session: Session) -> None:
    status = {
        (d, y): s
        for d, y, s in session.exec(
            select(Division.code, FiscalYear.year, FiscalYear.status).join(
                Division, col(Division.id) == FiscalYear.division_id
            )
        ).all()
    }
    assert len(status) == 5 * 3
    assert {key for key, s in status.items() if s == "closed"} == {
        (code, 2024) for code in ("HOLD", "NL01", "US01", "UK01", "MF01")
    }
    accountant = session.exec(select(User).where(User.username == "accountant")).one()
    entry = posting.EntryDraft(
        division="NL01",
        journal="MEM",
        entry_date=date(2024, 12, 31),
        lines=[
            posting.LineDraft(account="4400", debit="1"),
            posting.LineDraft(account="1100", credit="1"),
        ],
    )
    with pytest.raises(PeriodClosed):
        posting.post_entry(session=session, user=accountant, entry=entry)


def _bucket(as_of: date, due: date) -> str:
    days = (as_of - due).days
    if days <= 0:
        return "Not due"
    return "1-30" if days <= 30 else "31-60" if days <= 60 else "61-90" if days <= 90 else "90+"


@pytest.mark.parametrize("as_of", [END, TODAY])
@pytest.mark.parametrize("invoice_type", ["sales", "purchase"])
def test_every_ageing_bucket_has_open_items(
    session: Session, as_of: date, invoice_type: str
) -> None:
    invoices = session.exec(select(Invoice).where(Invoice.invoice_type == invoice_type)).all()
    open_now = open_amounts(session, [i.id for i in invoices if i.id is not None])
    buckets = {_bucket(as_of, i.due_date) for i in invoices if open_now[i.id or 0][0] != 0}
    assert buckets == set(BUCKETS)


def test_users_and_master_data(session: Session) -> None:
    users = {u.username: u.role for u in session.exec(select(User)).all()}
    assert users["accountant"] == "accountant" and users["manager"] == "manager"
    assert users["analyst"] == "analyst" and users["admin"] == "admin"
    clerks = sorted(u for u, r in users.items() if r == "clerk")
    assert clerks == [f"clerk{n}" for n in range(1, 10)]
    divisions = {d.code: d for d in session.exec(select(Division)).all()}
    assert divisions["HOLD"].parent_id is None
    assert {c: (d.currency_code, d.ownership_pct) for c, d in divisions.items() if d.parent_id} == {
        "NL01": ("EUR", Decimal(100)),
        "US01": ("USD", Decimal(80)),
        "UK01": ("GBP", Decimal(60)),
        "MF01": ("EUR", Decimal(100)),
    }
    foreign = session.exec(
        select(func.count())
        .select_from(Invoice)
        .join(Division, col(Division.id) == Invoice.division_id)
        .where(Invoice.currency_code != Division.currency_code)
    ).one()
    assert foreign > 0


@pytest.mark.postgres
def test_postgresql_books_balance() -> None:
    """The same generator on PostgreSQL (never skipped: an unreachable server fails)."""
    name = f"erp_gen_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required and unreachable: {exc}")
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url)
        totals = generate(url, seed=SEED, scale=0.001, end_date=END)
        engine = make_engine(url)
        try:
            with session_scope(engine) as s:
                trial = balances.trial_balance_totals(s)
                assert trial and all(v == 0 for v in trial.values())
                lines = s.exec(select(func.count()).select_from(JournalLine)).one()
                assert lines == totals.journal_lines
                revenue = _per_division_year(s, Account.reporting_category == "revenue")
                assert {d: {y: -v for y, v in ys.items()} for d, ys in revenue.items()} == (
                    totals.revenue
                )
        finally:
            engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def test_end_date_bounds_the_activity(session: Session) -> None:
    last = session.exec(select(func.max(JournalEntry.entry_date))).one()
    assert last is not None and last <= END
    assert last >= END - timedelta(days=7)


def test_a_later_end_shifts_the_three_fiscal_years(tmp_path: Path) -> None:
    """`erp demo` generates through last month: the years move with the end date, and the
    control totals still match the ledger (here: through February 2027, as on 2027-03-06)."""
    url = _fresh_sqlite(tmp_path)
    through = date(2027, 2, 28)
    totals = generate(url, seed=SEED, scale=0.001, end_date=through)
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            years = {
                (d, y): st
                for d, y, st in s.exec(
                    select(Division.code, FiscalYear.year, FiscalYear.status).join(
                        Division, col(Division.id) == FiscalYear.division_id
                    )
                )
            }
            assert {y for _, y in years} == {2025, 2026, 2027}
            assert {k for k, st in years.items() if st == "closed"} == {
                (code, 2025) for code in ("HOLD", "NL01", "US01", "UK01", "MF01")
            }
            first = s.exec(select(func.min(JournalEntry.entry_date))).one()
            last = s.exec(select(func.max(JournalEntry.entry_date))).one()
            assert first is not None and first >= date(2025, 1, 1)
            assert last is not None and through - timedelta(days=7) <= last <= through
            assert {k: v for k, v in balances.trial_balance_totals(s).items() if v != 0} == {}
            lines = s.exec(select(func.count()).select_from(JournalLine)).one()
            assert lines == totals.journal_lines
            revenue = _per_division_year(s, Account.reporting_category == "revenue")
            assert {d: {y: -v for y, v in ys.items()} for d, ys in revenue.items()} == (
                totals.revenue
            )
            assert all(set(ys) == {2025, 2026, 2027} for ys in totals.revenue.values())
    finally:
        engine.dispose()
