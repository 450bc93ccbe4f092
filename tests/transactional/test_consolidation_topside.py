"""Top-side consolidation entries, on SQLite and PostgreSQL (``db_url`` runs both):
balanced, in the group level's currency and columns, numbered per level, audited,
immutable (also in the database), corrected by a reversal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.consolidation.group_chart import (
    install_standard_group_chart,
    set_group_account_active,
)
from transactional.consolidation.models import ConsolidationEntry, ConsolidationLine
from transactional.consolidation.structure import set_membership
from transactional.consolidation.topside import (
    TopsideLine,
    post_consolidation_entry,
    reverse_consolidation_entry,
)
from transactional.database import make_engine, session_scope
from transactional.errors import (
    DomainError,
    ImmutableRecord,
    PermissionDenied,
    UnbalancedEntry,
    ValidationError,
)
from transactional.organisation import services as org


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        accountant = user(s, "accountant")
        install_standard_group_chart(session=s, user=accountant)
        admin = user(s, "admin")
        org.create_currency(session=s, user=admin, code="GBP", name="Pound")
        org.create_division(
            session=s, user=admin, code="UK01", name="UK Ltd", currency="GBP", country="GB"
        )
        org.grant_division(session=s, user=admin, target=accountant, division="UK01")
        set_membership(
            session=s,
            user=accountant,
            division="US01",
            parent="HOLD",
            ownership_pct="80",
            valid_from="2024-07-01",
        )
    yield eng
    eng.dispose()


def fair_value(amount: str = "250000.00", **kw) -> dict:
    """A fair-value uplift of the US subsidiary's buildings at acquisition, in EUR."""
    fields: dict = dict(
        group="HOLD",
        entry_date="2025-12-31",
        description="Fair value of US buildings",
        lines=[
            TopsideLine("US01", "G100", debit=amount),
            TopsideLine("US01", "G310", credit=amount),
        ],
    )
    fields.update(kw)
    return fields


def _counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        return (
            int(s.exec(select(func.count()).select_from(ConsolidationEntry)).one()),
            int(s.exec(select(func.count()).select_from(ConsolidationLine)).one()),
            int(s.exec(select(func.count()).select_from(AuditLog)).one()),
        )


def test_a_balanced_entry_is_posted_numbered_and_audited(engine) -> None:
    with session_scope(engine) as s:
        first = post_consolidation_entry(session=s, user=user(s, "accountant"), **fair_value())
        second = post_consolidation_entry(
            session=s,
            user=user(s, "accountant"),
            **fair_value(
                "10.5",
                lines=[
                    TopsideLine("HOLD", "G220", debit="10.5", counterparty="US01"),
                    TopsideLine("US01", "G220", credit="10.50", counterparty="HOLD"),
                ],
            ),
        )
        assert (first.number, second.number) == (1, 2)
        ids = (first.id, second.id)
    with session_scope(engine) as s:
        lines = s.exec(
            select(ConsolidationLine)
            .where(ConsolidationLine.entry_id == ids[0])
            .order_by(ConsolidationLine.line_number)  # type: ignore[arg-type]
        ).all()
        assert [ln.amount for ln in lines] == [Decimal("250000.00"), Decimal("-250000.00")]
        assert all(ln.description == "Fair value of US buildings" for ln in lines)
        ic = s.exec(select(ConsolidationLine).where(ConsolidationLine.entry_id == ids[1])).all()
        assert {ln.counterparty_division_id for ln in ic} == {ln.division_id for ln in ic}
        accountant = user(s, "accountant").id
        for table, key_count in (("consolidation_entry", 2), ("consolidation_line", 4)):
            rows = s.exec(select(AuditLog).where(AuditLog.table_name == table)).all()
            assert len(rows) == key_count
            assert {(r.user_id, r.action) for r in rows} == {(accountant, "insert")}


def test_numbers_are_per_group_level_and_a_refused_entry_takes_none(engine) -> None:
    with session_scope(engine) as s:
        set_membership(
            session=s,
            user=user(s, "accountant"),
            division="UK01",
            parent="US01",
            ownership_pct="60",
            valid_from="2025-01-01",
        )
    with pytest.raises(UnbalancedEntry), session_scope(engine) as s:
        post_consolidation_entry(
            session=s,
            user=user(s, "accountant"),
            **fair_value(
                lines=[
                    TopsideLine("US01", "G100", debit="1"),
                    TopsideLine("US01", "G310", credit="2"),
                ]
            ),
        )
    with session_scope(engine) as s:
        hold = post_consolidation_entry(session=s, user=user(s, "accountant"), **fair_value())
        sub = post_consolidation_entry(
            session=s,
            user=user(s, "accountant"),
            **fair_value(
                group="US01",
                lines=[
                    TopsideLine("UK01", "G100", debit="99.99"),
                    TopsideLine("US01", "G310", credit="99.99"),
                ],
            ),
        )
        assert (hold.number, sub.number) == (1, 1)


def test_an_unbalanced_entry_is_refused_and_nothing_written(engine) -> None:
    before = _counts(engine)
    with pytest.raises(UnbalancedEntry) as err, session_scope(engine) as s:
        post_consolidation_entry(
            session=s,
            user=user(s, "accountant"),
            **fair_value(
                lines=[
                    TopsideLine("US01", "G100", debit="1000"),
                    TopsideLine("US01", "G310", credit="999.99"),
                ]
            ),
        )
    assert str(err.value) == (
        "The entry does not balance: debit 1000.00 and credit 999.99 EUR differ by 0.01 EUR."
    )
    assert _counts(engine) == before


@pytest.mark.parametrize(
    ("lines", "error", "words"),
    [
        (
            [
                TopsideLine("US01", "G100", debit="100.001"),
                TopsideLine("US01", "G310", credit="100.001"),
            ],
            ValidationError,
            "Line 1 debit: 100.001 has more decimals than EUR allows (2).",
        ),
        (
            [TopsideLine("US01", "G100", debit="1", credit="1"), TopsideLine("US01", "G310")],
            ValidationError,
            "Line 1: enter either a debit or a credit amount, not both.",
        ),
        (
            [TopsideLine("US01", "G100", debit="1"), TopsideLine("US01", "G310")],
            ValidationError,
            "Line 2: enter a debit or a credit amount.",
        ),
        (
            [TopsideLine("US01", "G100", debit="1")],
            ValidationError,
            "An entry needs at least two lines.",
        ),
        (
            [TopsideLine("UK01", "G100", debit="1"), TopsideLine("US01", "G310", credit="1")],
            ValidationError,
            "Division UK01 is not in group HOLD on 2025-12-31.",
        ),
        (
            [TopsideLine("XX99", "G100", debit="1"), TopsideLine("US01", "G310", credit="1")],
            ValidationError,
            "Division 'XX99' does not exist.",
        ),
        (
            [TopsideLine("US01", "G777", debit="1"), TopsideLine("US01", "G310", credit="1")],
            ValidationError,
            "Group account G777 does not exist.",
        ),
        (
            [
                TopsideLine("US01", "G220", debit="1", counterparty="US01"),
                TopsideLine("HOLD", "G220", credit="1"),
            ],
            ValidationError,
            "Line 1: division US01 cannot be its own counterparty.",
        ),
        (
            [
                TopsideLine("US01", "G220", debit="1", counterparty="UK01"),
                TopsideLine("HOLD", "G220", credit="1"),
            ],
            ValidationError,
            "Division UK01 is not in group HOLD on 2025-12-31.",
        ),
        (
            [TopsideLine("US01", "G100", debit="0"), TopsideLine("US01", "G310", credit="0")],
            ValidationError,
            "The entry has no amounts.",
        ),
    ],
)
def test_bad_lines_are_refused_and_nothing_written(engine, lines, error, words) -> None:
    before = _counts(engine)
    with pytest.raises(error) as err, session_scope(engine) as s:
        post_consolidation_entry(session=s, user=user(s, "accountant"), **fair_value(lines=lines))
    assert str(err.value) == words
    assert _counts(engine) == before


def test_columns_are_the_divisions_of_the_level_on_the_entry_date(engine) -> None:
    # US01 joined on 2024-07-01: a top-side line in its column the day before is refused.
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        post_consolidation_entry(
            session=s, user=user(s, "accountant"), **fair_value(entry_date="2024-06-30")
        )
    assert str(err.value) == "Division US01 is not in group HOLD on 2024-06-30."
    # A division holding nothing is no group level.
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        post_consolidation_entry(session=s, user=user(s, "accountant"), **fair_value(group="UK01"))
    assert "UK01 holds no group companies" in str(err.value)


def test_an_inactive_group_account_is_refused(engine) -> None:
    with session_scope(engine) as s:
        set_group_account_active(session=s, user=user(s, "accountant"), code="G100", active=False)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        post_consolidation_entry(session=s, user=user(s, "accountant"), **fair_value())
    assert str(err.value) == (
        "Line 1: group account G100 (Property, plant and equipment) is no longer active."
    )


def test_only_group_accountants_post_top_side_entries(engine) -> None:
    for username in ("clerk", "manager", "analyst"):
        with pytest.raises(PermissionDenied), session_scope(engine) as s:
            post_consolidation_entry(session=s, user=user(s, username), **fair_value())
    with session_scope(engine) as s:
        admin = user(s, "admin")
        other = org.create_user(
            session=s,
            user=admin,
            username="us_accountant",
            full_name="US accountant",
            role="accountant",
            divisions=["US01"],
        )
        assert other.id is not None
    # An accountant without rights in the group's division may not post in its level.
    with pytest.raises(PermissionDenied) as err, session_scope(engine) as s:
        post_consolidation_entry(session=s, user=user(s, "us_accountant"), **fair_value())
    assert "no rights in division HOLD" in str(err.value)


def test_posted_entries_are_immutable_in_the_orm_and_the_database(engine) -> None:
    with session_scope(engine) as s:
        entry_id = post_consolidation_entry(
            session=s, user=user(s, "accountant"), **fair_value()
        ).id
    with pytest.raises(ImmutableRecord), session_scope(engine) as s:
        user(s, "accountant")  # names the actor
        entry = s.get(ConsolidationEntry, entry_id)
        assert entry is not None
        entry.description = "changed"
        s.add(entry)
        s.flush()
    with pytest.raises(ImmutableRecord), session_scope(engine) as s:
        line = s.exec(
            select(ConsolidationLine).where(ConsolidationLine.entry_id == entry_id)
        ).first()
        s.delete(line)
        s.flush()
    for sql in (
        "UPDATE consolidation_entry SET description = 'x'",
        "DELETE FROM consolidation_entry",
        "UPDATE consolidation_line SET amount = 0",
        "DELETE FROM consolidation_line",
    ):
        with pytest.raises(DatabaseError) as err, engine.begin() as conn:
            conn.execute(text(sql))
        assert "cannot be changed or deleted" in str(err.value)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text("TRUNCATE consolidation_line"))
    with session_scope(engine) as s:
        lines = s.exec(
            select(ConsolidationLine).where(ConsolidationLine.entry_id == entry_id)
        ).all()
        assert sorted(ln.amount for ln in lines) == [Decimal("-250000.00"), Decimal("250000.00")]


def test_a_reversal_mirrors_the_entry_once(engine) -> None:
    with session_scope(engine) as s:
        original = post_consolidation_entry(
            session=s,
            user=user(s, "accountant"),
            **fair_value(
                lines=[
                    TopsideLine("HOLD", "G220", debit="40", counterparty="US01"),
                    TopsideLine("US01", "G100", debit="210000"),
                    TopsideLine("US01", "G310", credit="210040", description="uplift"),
                ]
            ),
        )
        original_id = original.id
    # Closing an account since does not stop the reversal of what was accepted.
    with session_scope(engine) as s:
        set_group_account_active(session=s, user=user(s, "accountant"), code="G100", active=False)
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        reverse_consolidation_entry(session=s, user=user(s, "clerk"), entry_id=original_id or 0)
    with session_scope(engine) as s:
        reversal = reverse_consolidation_entry(
            session=s, user=user(s, "accountant"), entry_id=original_id or 0, on="2026-01-31"
        )
        assert reversal.number == 2 and reversal.reverses_entry_id == original_id
        assert reversal.entry_date.isoformat() == "2026-01-31"
        assert reversal.description == "Reversal of 1: Fair value of US buildings"
        reversal_id = reversal.id
    with session_scope(engine) as s:

        def lines(entry_id):
            return [
                (ln.division_id, ln.group_account_id, ln.counterparty_division_id, ln.amount)
                for ln in s.exec(
                    select(ConsolidationLine)
                    .where(ConsolidationLine.entry_id == entry_id)
                    .order_by(ConsolidationLine.line_number)  # type: ignore[arg-type]
                ).all()
            ]

        assert lines(reversal_id) == [(d, g, c, -a) for d, g, c, a in lines(original_id)]
    with pytest.raises(DomainError) as err, session_scope(engine) as s:
        reverse_consolidation_entry(
            session=s, user=user(s, "accountant"), entry_id=original_id or 0
        )
    assert str(err.value) == "Consolidation entry 1 of HOLD was already reversed by 2."
    with pytest.raises(ValidationError), session_scope(engine) as s:
        reverse_consolidation_entry(session=s, user=user(s, "accountant"), entry_id=999)
