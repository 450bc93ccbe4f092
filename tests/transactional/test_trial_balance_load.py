"""Loading a non-ERP unit's trial balance, on SQLite and PostgreSQL (``db_url`` runs both).

The test company's US01 (USD) plays the unit that keeps its books elsewhere: each file
says what its balances are at a month end, and after a load the ledger must say the
same, through one journal entry holding only the differences.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.consolidation.group_chart import install_standard_group_chart
from transactional.consolidation.models import TrialBalanceLoad
from transactional.consolidation.trial_balance_load import (
    SOURCE_TYPE,
    TrialBalanceRow,
    load_trial_balance,
)
from transactional.database import make_engine, session_scope
from transactional.errors import PeriodClosed, PermissionDenied, ValidationError
from transactional.finance import ledger_setup
from transactional.finance.models import Account, Journal, JournalEntry, JournalLine
from transactional.organisation.models import Division

# The unit's March trial balance: (row, account, balance, counterparty, description).
MARCH = [
    (2, "1100", "12500.00", None, "Bank of America"),
    (3, "1300", "4200.50", None, ""),
    (4, "1350", "800.00", "HOLD", "Current account with the holding"),
    (5, "1600", "-2100.50", None, ""),
    (6, "0500", "-10000.00", None, ""),
    (7, "8000", "-9300.00", None, "Sales Q1"),
    (8, "7000", "3100.00", None, ""),
    (9, "4300", "800.00", None, ""),
]


def tb(spec: list[tuple[int, str, str, str | None, str]]) -> list[TrialBalanceRow]:
    return [TrialBalanceRow(r, a, Decimal(b), cp, d) for r, a, b, cp, d in spec]


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        install_standard_group_chart(session=s, user=user(s, "admin"))
    yield eng
    eng.dispose()


def load(
    engine,
    rows,
    *,
    period="2025-03",
    name="us01-2025-03.csv",
    sha=None,
    who="accountant",
    dry_run=False,
):
    with session_scope(engine) as s:
        return load_trial_balance(
            session=s,
            user=user(s, who),
            division="US01",
            period=period,
            rows=rows,
            file_name=name,
            file_sha256=sha or f"sha-of-{name}",
            dry_run=dry_run,
        )


def ledger(
    engine, on: date, *, pl_from: date | None = None
) -> dict[tuple[str, str | None], Decimal]:
    """US01's balance per (account, counterparty) at ``on``: balance-sheet accounts since
    the start, P&L accounts from ``pl_from`` (default: the whole ledger); zeros left out."""
    with session_scope(engine) as s:
        us01 = s.exec(select(Division).where(Division.code == "US01")).one()
        codes = {d.id: d.code for d in s.exec(select(Division)).all()}
        rows = s.exec(
            select(
                Account.code,
                Account.account_type,
                JournalLine.counterparty_division_id,
                JournalEntry.entry_date,
                JournalLine.amount_base,
            )
            .join(Account, col(Account.id) == JournalLine.account_id)
            .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
            .where(JournalLine.division_id == us01.id, JournalEntry.entry_date <= on)
        ).all()
    found: dict[tuple[str, str | None], Decimal] = {}
    for code, kind, cp, day, amount in rows:
        if kind == "profit_loss" and pl_from is not None and day < pl_from:
            continue
        key = (code, codes.get(cp))
        found[key] = found.get(key, Decimal(0)) + amount
    return {k: v for k, v in found.items() if v != 0}


def as_balances(spec) -> dict[tuple[str, str | None], Decimal]:
    found: dict[tuple[str, str | None], Decimal] = {}
    for _, account, balance, cp, _ in spec:
        found[(account, cp)] = found.get((account, cp), Decimal(0)) + Decimal(balance)
    return {k: v for k, v in found.items() if v != 0}


def counts(engine) -> tuple[int, int, int, int]:
    with session_scope(engine) as s:
        return tuple(  # type: ignore[return-value]
            s.exec(select(func.count()).select_from(model)).one()
            for model in (JournalEntry, JournalLine, TrialBalanceLoad, AuditLog)
        )


def entry_lines(engine, entry_id: int) -> dict[tuple[str, str | None], Decimal]:
    with session_scope(engine) as s:
        codes = {d.id: d.code for d in s.exec(select(Division)).all()}
        rows = s.exec(
            select(Account.code, JournalLine.counterparty_division_id, JournalLine.amount_base)
            .join(Account, col(Account.id) == JournalLine.account_id)
            .where(JournalLine.entry_id == entry_id)
        ).all()
    return {(code, codes.get(cp)): amount for code, cp, amount in rows}


def test_first_load_posts_the_whole_trial_balance_as_one_entry(engine) -> None:
    result = load(engine, tb(MARCH))
    assert result.document_number == "MEM2025-000001" and not result.already_loaded
    assert ledger(engine, date(2025, 3, 31)) == as_balances(MARCH)
    with session_scope(engine) as s:
        entry = s.get(JournalEntry, result.entry_id)
        assert entry is not None
        journal = s.get(Journal, entry.journal_id)
        assert journal is not None and journal.journal_type == "general"
        assert entry.entry_date == date(2025, 3, 31) and entry.source_type == SOURCE_TYPE
        loaded = s.get(TrialBalanceLoad, result.load_id)
        assert loaded is not None and loaded.entry_id == entry.id == result.entry_id
        assert entry.source_id == loaded.id and loaded.lines_changed == len(MARCH)
        assert (
            loaded.file_name == "us01-2025-03.csv" and loaded.loaded_by == user(s, "accountant").id
        )
        described = s.exec(
            select(JournalLine.description)
            .join(Account, col(Account.id) == JournalLine.account_id)
            .where(JournalLine.entry_id == entry.id, Account.code == "1350")
        ).one()
        assert described == "Current account with the holding"
        logged = s.exec(select(AuditLog).where(AuditLog.table_name == "trial_balance_load")).all()
        assert logged and {a.user_id for a in logged} == {user(s, "accountant").id}
    # The intercompany balance carries its counterparty, for the eliminations.
    assert entry_lines(engine, result.entry_id)[("1350", "HOLD")] == Decimal("800.00")


def test_the_same_file_twice_posts_nothing_the_second_time(engine) -> None:
    load(engine, tb(MARCH))
    before = counts(engine)
    again = load(engine, tb(MARCH))
    assert again.already_loaded and again.changes == [] and again.entry_id is None
    assert counts(engine) == before


def test_a_corrected_file_posts_only_the_corrections(engine) -> None:
    load(engine, tb(MARCH))
    corrected = [r for r in MARCH if r[1] not in ("8000", "1300")] + [
        (3, "1300", "4450.50", None, ""),  # 250 more invoiced
        (7, "8000", "-9550.00", None, "Sales Q1, corrected"),
    ]
    result = load(engine, tb(corrected), name="us01-2025-03-v2.csv")
    assert entry_lines(engine, result.entry_id) == {
        ("1300", None): Decimal("250.00"),
        ("8000", None): Decimal("-250.00"),
    }
    assert [(c.account, c.ledger_balance, c.file_balance) for c in result.changes] == [
        ("1300", Decimal("4200.50"), Decimal("4450.50")),
        ("8000", Decimal("-9300.00"), Decimal("-9550.00")),
    ]
    assert ledger(engine, date(2025, 3, 31)) == as_balances(corrected)


def test_an_account_left_out_of_the_file_is_brought_to_zero(engine) -> None:
    load(engine, tb(MARCH))
    # April: the intercompany current account was settled through the bank.
    april = [r for r in MARCH if r[1] not in ("1350", "1100")] + [
        (2, "1100", "13300.00", None, ""),
    ]
    result = load(engine, tb(april), period="2025-04", name="us01-2025-04.csv")
    assert entry_lines(engine, result.entry_id) == {
        ("1100", None): Decimal("800.00"),
        ("1350", "HOLD"): Decimal("-800.00"),
    }
    with session_scope(engine) as s:
        entry = s.get(JournalEntry, result.entry_id)
        assert entry is not None and entry.entry_date == date(2025, 4, 30)


def test_same_balances_in_another_file_record_the_load_without_an_entry(engine) -> None:
    load(engine, tb(MARCH))
    entries = counts(engine)[0]
    result = load(engine, list(reversed(tb(MARCH))), name="us01-march-export.xlsx")
    assert result.load_id is not None and result.entry_id is None and result.changes == []
    assert counts(engine)[0] == entries
    with session_scope(engine) as s:
        assert s.get(TrialBalanceLoad, result.load_id).lines_changed == 0  # type: ignore[union-attr]


def test_earlier_years_results_are_compared_in_retained_earnings(engine) -> None:
    with session_scope(engine) as s:
        ledger_setup.set_period_status(
            session=s, user=user(s, "admin"), division="US01", year=2024, period=None, status="open"
        )
    december = [
        (2, "1100", "5000.00", None, ""),
        (3, "0500", "-4000.00", None, ""),
        (4, "8000", "-3000.00", None, ""),
        (5, "4300", "2000.00", None, ""),
    ]
    load(engine, tb(december), period="2024-12", name="us01-2024-12.csv")
    # January: the 1000.00 profit of 2024 now sits in retained earnings; P&L from January.
    january = [
        (2, "1100", "5400.00", None, ""),
        (3, "0500", "-4000.00", None, ""),
        (4, "0600", "-1000.00", None, ""),
        (5, "8000", "-600.00", None, ""),
        (6, "4300", "200.00", None, ""),
    ]
    result = load(engine, tb(january), period="2025-01", name="us01-2025-01.csv")
    # Only January's movements: nothing on retained earnings, no 2024 P&L reversed.
    assert entry_lines(engine, result.entry_id) == {
        ("1100", None): Decimal("400.00"),
        ("8000", None): Decimal("-600.00"),
        ("4300", None): Decimal("200.00"),
    }
    assert {c.account for c in result.changes} == {"1100", "8000", "4300"}
    assert ledger(engine, date(2025, 1, 31), pl_from=date(2025, 1, 1)) == {
        ("1100", None): Decimal("5400.00"),
        ("0500", None): Decimal("-4000.00"),
        ("8000", None): Decimal("-600.00"),
        ("4300", None): Decimal("200.00"),
    }


def test_dry_run_lists_the_changes_and_writes_nothing(engine) -> None:
    before = counts(engine)
    result = load(engine, tb(MARCH), dry_run=True)
    assert result.dry_run and result.load_id is None and result.entry_id is None
    assert {(c.account, c.counterparty): c.difference for c in result.changes} == as_balances(MARCH)
    assert counts(engine) == before


def test_an_unmapped_account_is_refused_naming_it_and_nothing_is_written(engine) -> None:
    with session_scope(engine) as s:
        ledger_setup.create_account(
            session=s,
            user=user(s, "admin"),
            code="4410",
            name="Local licences",
            account_class="expense",
            reporting_category="other_expenses",
            division="US01",
        )
    rows = [*MARCH[:-1], (9, "4300", "500.00", None, ""), (10, "4410", "300.00", None, "")]
    before = counts(engine)
    with pytest.raises(ValidationError) as err:
        load(engine, tb(rows))
    assert str(err.value).startswith("Not mapped to the group chart: 4410 Local licences (row 10).")
    assert counts(engine) == before


def test_an_unbalanced_file_is_refused(engine) -> None:
    rows = [r if r[1] != "4300" else (9, "4300", "799.99", None, "") for r in MARCH]
    before = counts(engine)
    with pytest.raises(ValidationError) as err:
        load(engine, tb(rows))
    assert str(err.value) == (
        "The trial balance does not balance: debit 21400.49 and credit 21400.50 USD differ by "
        "0.01 USD."
    )
    assert counts(engine) == before


def test_a_closed_period_is_refused(engine) -> None:
    before = counts(engine)
    with pytest.raises(PeriodClosed) as err:
        load(engine, tb(MARCH), period="2024-12")
    assert "2024" in str(err.value) and "US01" in str(err.value) and "closed" in str(err.value)
    # A dry run says the same: the period cannot take the entry.
    with pytest.raises(PeriodClosed):
        load(engine, tb(MARCH), period="2024-12", dry_run=True)
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((3, "1399", "4200.50", None, ""), "Row 3: account 1399 does not exist in division US01."),
        (
            (3, "1300", "4200.505", None, ""),
            "Row 3: 4200.505 has more decimals than USD allows (2).",
        ),
        (
            (3, "1300", "4200.50", "XX99", ""),
            "Row 3: counterparty XX99 is not a division of the group.",
        ),
        (
            (3, "1300", "4200.50", "US01", ""),
            "Row 3: the counterparty US01 is the division itself; leave it empty.",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_it(engine, change, message) -> None:
    rows = [change if r[0] == change[0] else r for r in MARCH]
    before = counts(engine)
    with pytest.raises(ValidationError) as err:
        load(engine, tb(rows))
    assert str(err.value) == message
    assert counts(engine) == before


def test_period_and_rights_are_checked(engine) -> None:
    with pytest.raises(ValidationError) as err:
        load(engine, tb(MARCH), period="March 2025")
    assert str(err.value) == "Period must be written YYYY-MM, like 2025-03, not 'March 2025'."
    with pytest.raises(ValidationError) as err:
        load(engine, tb(MARCH), period="2031-01")
    assert "No fiscal period of division US01 covers 2031-01-31" in str(err.value)
    # Clerks post entries but do not consolidate; nothing is written for them.
    with pytest.raises(PermissionDenied):
        load(engine, tb(MARCH), who="clerk_us")
    with pytest.raises(ValidationError):
        load(engine, [], who="accountant")
    assert counts(engine)[2] == 0
