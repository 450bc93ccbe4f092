"""Batch posting and the posting's master-data copy, on SQLite and PostgreSQL.

``post_entries`` validates a whole batch before it writes, numbers it gap-free also when
clerks post batches at once, and checks every entry against a copy of the master data
kept across transactions (``transactional.finance.master_data``): any change to that
data, by a service, by raw SQL, committed or still pending in the same transaction, must
be seen by the next posting exactly as a fresh query would see it.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import PeriodClosed, PermissionDenied, UnbalancedEntry, ValidationError
from transactional.finance import ledger_setup, master_data
from transactional.finance.models import DocumentSequence, JournalEntry, JournalLine
from transactional.finance.posting import EntryDraft, LineDraft, post_entries, post_entry
from transactional.organisation import services as org


def memo(amount: str = "10.00", *, day: str = "2025-05-02", **line: object) -> EntryDraft:
    return EntryDraft(
        division="HOLD",
        journal="MEM",
        entry_date=day,
        description=f"memo {amount}",
        lines=[
            LineDraft(account="4300", debit=amount, **line),  # type: ignore[arg-type]
            LineDraft(account="1100", credit=amount),
        ],
    )


def counts(engine) -> tuple[int, int, int, int]:
    with session_scope(engine) as s:
        return (
            s.exec(select(func.count()).select_from(JournalEntry)).one(),
            s.exec(select(func.count()).select_from(JournalLine)).one(),
            s.exec(select(func.count()).select_from(AuditLog)).one(),
            s.exec(select(func.coalesce(func.sum(DocumentSequence.last_number), 0))).one(),
        )


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def test_a_bad_entry_anywhere_in_a_batch_writes_nothing(engine) -> None:
    before = counts(engine)
    unbalanced = memo()
    unbalanced.lines[1] = LineDraft(account="1100", credit="9.99")
    for bad_at in (0, 3, 5):
        batch = [memo(f"{n + 1}.00") for n in range(6)]
        batch[bad_at] = unbalanced
        with pytest.raises(UnbalancedEntry), session_scope(engine) as s:
            post_entries(session=s, user=user(s, "clerk"), entries=batch)
        assert counts(engine) == before
    closed = memo(day="2024-03-01")
    with pytest.raises(PeriodClosed), session_scope(engine) as s:
        post_entries(session=s, user=user(s, "clerk"), entries=[memo(), memo(), closed])
    assert counts(engine) == before
    # The refused batches took no numbers: the next entry is number 1.
    with session_scope(engine) as s:
        assert post_entry(session=s, user=user(s, "clerk"), entry=memo()).number == 1


def test_a_batch_is_numbered_in_order_and_audited_per_entry(engine) -> None:
    before = counts(engine)
    with session_scope(engine) as s:
        posted = post_entries(
            session=s, user=user(s, "clerk"), entries=[memo(f"{n}.00") for n in range(1, 11)]
        )
        assert [e.number for e in posted] == list(range(1, 11))
        assert posted[-1].document_number == "MEM2025-000010"
    after = counts(engine)
    assert after[0] - before[0] == 10 and after[1] - before[1] == 20
    with session_scope(engine) as s:
        audited = dict(
            s.exec(
                select(AuditLog.table_name, func.count())
                .where(AuditLog.table_name.in_(["journal_entry", "journal_line"]))  # type: ignore[attr-defined]
                .group_by(AuditLog.table_name)
            ).all()
        )
    assert audited == {"journal_entry": 10, "journal_line": 10}


def test_clerks_posting_batches_at_once_get_gap_free_numbers(db_url: str) -> None:
    clerks, batches, size = 6, 5, 4
    engine = make_engine(
        db_url, **({"pool_size": clerks} if db_url.startswith("postgresql") else {})
    )
    barrier = threading.Barrier(clerks)
    errors: list[BaseException] = []

    def clerk(worker: int) -> None:
        try:
            barrier.wait()
            for b in range(batches):
                batch = [memo(f"{worker}.{b}{n}") for n in range(size)]
                if b == 2:  # a bad batch: refused as a whole, takes no numbers
                    batch[-1].lines[1] = LineDraft(account="1100", credit="0.01")
                try:
                    with session_scope(engine) as s:
                        post_entries(session=s, user=user(s, "clerk"), entries=batch)
                except UnbalancedEntry:
                    assert b == 2
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(w,)) for w in range(clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    with session_scope(engine) as s:
        numbers = sorted(s.exec(select(JournalEntry.number)).all())
    engine.dispose()
    assert numbers == list(range(1, clerks * (batches - 1) * size + 1))


def test_the_master_data_copy_sees_every_change(engine) -> None:
    with session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo())  # fills the copy
    # A new cost centre, committed by another session.
    with session_scope(engine) as s:
        ledger_setup.create_cost_centre(
            session=s, user=user(s, "accountant"), division="HOLD", code="NEW", name="New"
        )
    with session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo(cost_centre="NEW"))
    # A period closed by the accountant.
    with session_scope(engine) as s:
        ledger_setup.set_period_status(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            year=2025,
            period=5,
            status="closed",
        )
    with pytest.raises(PeriodClosed), session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo())
    # An account blocked behind the services' back.
    with engine.begin() as conn:
        conn.execute(text("update account set is_active = false where code = '4300'"))
    with pytest.raises(ValidationError, match="blocked"), session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo(day="2025-06-02"))
    with engine.begin() as conn:
        conn.execute(text("update account set is_active = true where code = '4300'"))
    # A clerk's rights in a division taken away.
    with engine.begin() as conn:
        conn.execute(
            text(
                "delete from user_division where user_id = "
                "(select id from app_user where username = 'clerk')"
            )
        )
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo(day="2025-06-02"))
    with session_scope(engine) as s:
        admin = user(s, "admin")
        org.grant_division(session=s, user=admin, target=user(s, "clerk"), division="HOLD")
    with session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo(day="2025-06-02"))


def test_changes_pending_or_rolled_back_in_a_transaction_are_respected(engine) -> None:
    class Abandon(Exception):
        pass

    # Closed and posted in one transaction: refused, as a query would see the close.
    with pytest.raises(PeriodClosed), session_scope(engine) as s:
        ledger_setup.set_period_status(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            year=2025,
            period=5,
            status="closed",
        )
        post_entry(session=s, user=user(s, "clerk"), entry=memo())
    # Created, used and rolled back: gone for the next posting.
    with pytest.raises(Abandon), session_scope(engine) as s:
        ledger_setup.create_cost_centre(
            session=s, user=user(s, "accountant"), division="HOLD", code="TEMP", name="Temp"
        )
        post_entry(session=s, user=user(s, "clerk"), entry=memo(cost_centre="TEMP"))
        raise Abandon
    with pytest.raises(ValidationError, match="Cost centre TEMP"), session_scope(engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo(cost_centre="TEMP"))
    with session_scope(engine) as s:
        assert post_entry(session=s, user=user(s, "clerk"), entry=memo()).number == 1


def test_every_master_data_table_renews_the_token(engine) -> None:
    with engine.connect() as conn:
        assert master_data._triggers_present(conn)
    with session_scope(engine) as s:
        first = master_data.current(s).token
    with session_scope(engine) as s:
        assert master_data.current(s).token == first  # nothing changed: the copy is kept
        org.set_exchange_rates(
            session=s, user=user(s, "admin"), rates=[("USD", "2025-07-01", "0.93")]
        )
        assert master_data.current(s).token != first
