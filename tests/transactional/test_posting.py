"""The posting service's invariants, on SQLite and PostgreSQL (``db_url`` runs both)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import (
    ImmutableRecord,
    PeriodClosed,
    UnbalancedEntry,
    ValidationError,
)
from transactional.finance import ledger_setup
from transactional.finance.models import JournalEntry, JournalLine
from transactional.finance.posting import EntryDraft, LineDraft, post_entry, reverse_entry


def rent(amount: str = "1000.00", **overrides: object) -> EntryDraft:
    fields: dict = dict(
        division="HOLD",
        journal="MEM",
        entry_date="2025-03-15",
        description="March rent",
        lines=[
            LineDraft(account="4300", debit=amount, cost_centre="SALES"),
            LineDraft(account="1100", credit=amount),
        ],
    )
    fields.update(overrides)
    return EntryDraft(**fields)


def counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        return (
            s.exec(select(func.count()).select_from(JournalEntry)).one(),
            s.exec(select(func.count()).select_from(JournalLine)).one(),
            s.exec(select(func.count()).select_from(AuditLog)).one(),
        )


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def test_balanced_entry_is_posted_with_number_and_audit(engine) -> None:
    before = counts(engine)
    with session_scope(engine) as s:
        entry = post_entry(session=s, user=user(s, "clerk"), entry=rent())
        assert entry.document_number == "MEM2025-000001"
    with session_scope(engine) as s:
        lines = s.exec(select(JournalLine).where(JournalLine.entry_id == entry.id)).all()
        assert sorted(ln.amount_base for ln in lines) == [Decimal("-1000.00"), Decimal("1000.00")]
        assert all(isinstance(ln.amount_base, Decimal) for ln in lines)
        audit = s.exec(select(AuditLog).where(AuditLog.table_name == "journal_entry")).all()
        assert audit[-1].user_id == user(s, "clerk").id and audit[-1].action == "insert"
    after = counts(engine)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 2 and after[2] >= before[2] + 2


def test_unbalanced_entry_is_refused_and_nothing_written(engine) -> None:
    before = counts(engine)
    draft = rent(
        lines=[LineDraft(account="4300", debit="1000"), LineDraft(account="1100", credit="999.99")]
    )
    with pytest.raises(UnbalancedEntry) as err, session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=draft)
    assert "does not balance" in str(err.value) and "0.01" in str(err.value)
    assert counts(engine) == before


def test_foreign_currency_line_keeps_amount_rate_and_base(engine) -> None:
    draft = rent(
        lines=[
            LineDraft(account="4400", debit="100.00", currency="USD"),  # 0.90 EUR per USD
            LineDraft(account="1100", credit="90.00"),
        ]
    )
    with session_scope(engine) as s:
        entry = post_entry(session=s, user=user(s, "clerk"), entry=draft)
        line = s.exec(
            select(JournalLine).where(
                JournalLine.entry_id == entry.id, JournalLine.line_number == 1
            )
        ).one()
        assert (line.currency_code, line.amount_foreign, line.rate, line.amount_base) == (
            "USD",
            Decimal("100.00"),
            Decimal("0.90000000"),
            Decimal("90.00"),
        )


def test_amounts_in_the_currency_decimals_are_posted_and_the_base_is_rounded(engine) -> None:
    # JPY has no decimals: 1235 yen at 0.0062 is 7.657 EUR, COMPUTED, so rounded to 7.66.
    draft = rent(
        lines=[
            LineDraft(account="4400", debit="1235", currency="JPY"),
            LineDraft(account="1100", credit="7.66"),
        ]
    )
    with session_scope(engine) as s:
        entry = post_entry(session=s, user=user(s, "clerk"), entry=draft)
        line = s.exec(
            select(JournalLine).where(
                JournalLine.entry_id == entry.id, JournalLine.line_number == 1
            )
        ).one()
        assert line.amount_foreign == Decimal("1235") and line.amount_base == Decimal("7.66")


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        (
            [LineDraft(account="4300", debit="100.12"),
             LineDraft(account="1100", credit="100.123")],
            "lines.2.credit",
            "Line 2 credit: 100.123 has more decimals than EUR allows (2).",
        ),
        (
            [LineDraft(account="4300", debit="100,123"),
             LineDraft(account="1100", credit="100.12")],
            "lines.1.debit",
            "Line 1 debit: 100.123 has more decimals than EUR allows (2).",
        ),
        (
            [
                LineDraft(account="4400", debit="1234.6", currency="JPY"),
                LineDraft(account="1100", credit="7.65"),
            ],
            "lines.1.debit",
            "Line 1 debit: 1234.6 has more decimals than JPY allows (0).",
        ),
    ],
    ids=["eur-credit", "eur-debit-decimal-comma", "jpy"],
)
def test_more_decimals_than_the_currency_has_are_refused_not_rounded(
    engine, lines, field, message
) -> None:
    # Issue 13 (3.2): 100.123 EUR used to be posted as 100.12 without a word.
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=rent(lines=lines))
    assert err.value.message == message and err.value.field == field
    assert counts(engine) == before


def test_trailing_zeros_beyond_the_currency_decimals_are_accepted(engine) -> None:
    # "100.120" is exactly 100.12 EUR: nothing to refuse and nothing rounded.
    with session_scope(engine) as s:
        entry = post_entry(session=s, user=user(s, "clerk"), entry=rent(amount="100.120"))
    with session_scope(engine) as s:
        lines = s.exec(select(JournalLine).where(JournalLine.entry_id == entry.id)).all()
    assert sorted(ln.amount_foreign for ln in lines) == [Decimal("-100.12"), Decimal("100.12")]


def test_posted_entry_cannot_be_changed_or_deleted_through_the_orm(engine) -> None:
    with session_scope(engine) as s:
        entry_id = post_entry(session=s, user=user(s, "clerk"), entry=rent()).id
    with pytest.raises(ImmutableRecord), session_scope(engine) as s:
        e = s.get(JournalEntry, entry_id)
        e.description = "changed"
        s.add(e)
        s.flush()
    with pytest.raises(ImmutableRecord), session_scope(engine) as s:
        line = s.exec(select(JournalLine).where(JournalLine.entry_id == entry_id)).first()
        s.delete(line)
        s.flush()
    with session_scope(engine) as s:
        assert s.get(JournalEntry, entry_id).description == "March rent"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_line SET amount_base = 0",
        "DELETE FROM journal_line",
        "UPDATE journal_entry SET description = 'x'",
        "DELETE FROM journal_entry",
    ],
)
def test_database_refuses_raw_changes_to_posted_entries(engine, sql: str) -> None:
    with session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=rent())
    before = counts(engine)
    with pytest.raises(DatabaseError) as err, engine.begin() as conn:
        conn.execute(text(sql))
    assert "cannot be changed or deleted" in str(err.value)
    assert counts(engine) == before


def test_reversal_corrects_a_posted_entry(engine) -> None:
    with session_scope(engine) as s:
        original = post_entry(session=s, user=user(s, "clerk"), entry=rent())
    with session_scope(engine) as s:
        rev = reverse_entry(
            session=s, user=user(s, "accountant"), entry_id=original.id, reason="wrong month"
        )
        assert rev.reverses_entry_id == original.id and rev.document_number == "MEM2025-000002"
        total = s.exec(
            select(func.sum(JournalLine.amount_base)).where(
                JournalLine.entry_id.in_([original.id, rev.id]),
                JournalLine.account_id == _account_id(s, "4300"),
            )
        ).one()
        assert total == 0
    with pytest.raises(Exception, match="already reversed"), session_scope(engine) as s:
        reverse_entry(session=s, user=user(s, "accountant"), entry_id=original.id)


def _account_id(s, code: str) -> int:
    from transactional.finance.models import Account

    return s.exec(select(Account.id).where(Account.code == code)).one()


def test_no_posting_into_a_closed_period_or_year(engine) -> None:
    before = counts(engine)
    with (
        pytest.raises(PeriodClosed, match="Fiscal year 2024 .* is closed"),
        session_scope(engine) as s,
    ):
        post_entry(session=s, user=user(s, "clerk"), entry=rent(entry_date="2024-06-30"))
    with session_scope(engine) as s:
        ledger_setup.set_period_status(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            year=2025,
            period=2,
            status="closed",
        )
    after_close = counts(engine)
    with (
        pytest.raises(PeriodClosed, match="Period 2025-02 .* is closed"),
        session_scope(engine) as s,
    ):
        post_entry(session=s, user=user(s, "clerk"), entry=rent(entry_date="2025-02-10"))
    assert counts(engine) == after_close and after_close[0] == before[0]


def test_numbers_are_gap_free_per_journal_and_year_even_after_a_refusal(engine) -> None:
    numbers = []
    for i in range(5):
        draft = (
            rent()
            if i != 2
            else rent(
                lines=[LineDraft(account="4300", debit="1"), LineDraft(account="1100", credit="2")]
            )
        )
        try:
            with session_scope(engine) as s:
                numbers.append(post_entry(session=s, user=user(s, "clerk"), entry=draft).number)
        except UnbalancedEntry:
            pass
    assert numbers == [1, 2, 3, 4]
    with session_scope(engine) as s:
        # Another journal numbers on its own.
        other = post_entry(session=s, user=user(s, "clerk"), entry=rent(journal="VK"))
        assert other.number == 1


@pytest.mark.parametrize(
    ("draft", "field", "message"),
    [
        (
            rent(
                lines=[LineDraft(account="9999", debit="1"), LineDraft(account="1100", credit="1")]
            ),
            "lines.1.account",
            "Account 9999 does not exist",
        ),
        (
            rent(
                lines=[
                    LineDraft(account="4300", debit="twelve"),
                    LineDraft(account="1100", credit="12"),
                ]
            ),
            "lines.1.debit",
            "must be a number, not 'twelve'",
        ),
        (
            rent(lines=[LineDraft(account="4300"), LineDraft(account="1100", credit="12")]),
            "lines.1.debit",
            "enter a debit or a credit",
        ),
        (
            rent(
                lines=[
                    LineDraft(account="4300", debit="5", credit="5"),
                    LineDraft(account="1100", credit="5"),
                ]
            ),
            "lines.1.debit",
            "not both",
        ),
        (rent(entry_date="2031-05-01"), "entry_date", "No fiscal period"),
        (rent(entry_date=""), "entry_date", "Entry date is required"),
        (rent(entry_date="31/02/2025"), "entry_date", "is not a date"),
        (rent(journal="XX"), "journal", "Journal XX does not exist"),
        (rent(division="NOPE"), "division", "Division 'NOPE' does not exist"),
        (rent(lines=[LineDraft(account="4300", debit="1")]), "lines", "at least two lines"),
        (
            rent(
                lines=[LineDraft(account="1300", debit="1"), LineDraft(account="1100", credit="1")]
            ),
            "lines.1.account",
            "control account",
        ),
        (
            rent(
                lines=[
                    LineDraft(account="4300", debit="1", cost_centre="NOPE"),
                    LineDraft(account="1100", credit="1"),
                ]
            ),
            "lines.1.cost_centre",
            "Cost centre NOPE does not exist",
        ),
        (
            rent(
                lines=[
                    LineDraft(account="4300", debit="1", currency="XYZ"),
                    LineDraft(account="1100", credit="1"),
                ]
            ),
            "lines.1.currency",
            "Currency 'XYZ' is not known",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(engine, draft, field, message) -> None:
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=draft)
    assert message in err.value.message and err.value.field == field
    assert counts(engine) == before


def test_wrong_division_is_refused(engine) -> None:
    # The clerk may not act in US01, and US01's journal codes do not reach HOLD's books.
    from transactional.errors import PermissionDenied

    before = counts(engine)
    with (
        pytest.raises(PermissionDenied, match="no rights in division US01"),
        session_scope(engine) as s,
    ):
        post_entry(session=s, user=user(s, "clerk"), entry=rent(division="US01"))
    assert counts(engine) == before


def test_floats_never_reach_a_money_column(engine) -> None:
    from transactional.finance.models import Account

    with pytest.raises(Exception, match="floats are not accepted"), session_scope(engine) as s:
        s.execute(
            JournalLine.__table__.insert().values(
                entry_id=1,
                division_id=1,
                line_number=1,
                account_id=s.exec(select(Account.id)).first(),
                currency_code="EUR",
                amount_foreign=1.1,
                rate=Decimal(1),
                amount_base=Decimal("1.1"),
            )
        )


def test_decimal_comma_is_understood(engine) -> None:
    draft = rent(
        lines=[
            LineDraft(account="4300", debit="1234,56"),
            LineDraft(account="1100", credit="1234.56"),
        ]
    )
    with session_scope(engine) as s:
        entry = post_entry(session=s, user=user(s, "clerk"), entry=draft)
        assert s.exec(
            select(func.sum(JournalLine.amount_base)).where(
                JournalLine.entry_id == entry.id, JournalLine.amount_base > 0
            )
        ).one() == Decimal("1234.56")
