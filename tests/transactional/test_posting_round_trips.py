"""Round trips of a posting on PostgreSQL, and what the shortcuts must not break.

A clerk's entry is checked against the master-data copy this process already holds and
the copy's token is compared in the statement that takes the number; entry, lines and
audit rows then go in with one statement. The pool does not ping a connection before
each transaction. These tests pin down what that must still guarantee.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import create_pg_database, drop_pg_database, pg_execute, pg_url
from tests.transactional.company import user
from tests.transactional.test_posting_batches import counts, memo
from transactional.database import make_engine, session_scope
from transactional.errors import PeriodClosed
from transactional.finance import ledger_setup, posting
from transactional.finance.posting import post_entry


@pytest.fixture
def pg_engine(pg_template: str):
    """PostgreSQL only: these are about its round trips and connections (and on SQLite a
    second writer would wait for the posting's lock)."""
    name = create_pg_database(pg_template)
    eng = make_engine(pg_url(name))
    yield eng
    eng.dispose()
    drop_pg_database(name)


def test_a_warm_posting_takes_two_statements(pg_engine) -> None:
    with session_scope(pg_engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo())  # fills the copy
    before = counts(pg_engine)
    statements: list[str] = []

    def seen(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(sql)

    with session_scope(pg_engine) as s:
        clerk = user(s, "clerk")
        event.listen(pg_engine, "before_cursor_execute", seen)
        try:
            entry = post_entry(session=s, user=clerk, entry=memo("20.00"))
        finally:
            event.remove(pg_engine, "before_cursor_execute", seen)
    assert entry.number == 2
    assert len(statements) == 2, statements  # number (with token check and id), write
    after = counts(pg_engine)
    assert after == (before[0] + 1, before[1] + 2, before[2] + 2, before[3] + 1)


def test_a_change_committed_while_an_entry_is_checked_is_seen(pg_engine, monkeypatch) -> None:
    with session_scope(pg_engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo())  # fills the copy
    before = counts(pg_engine)
    real_prepare = posting.check_entry
    closed: list[bool] = []

    def prepare_then_close(*args, **kwargs):  # type: ignore[no-untyped-def]
        prepared = real_prepare(*args, **kwargs)
        if not closed:
            closed.append(True)
            # The accountant closes the period after the check, before the number.
            with session_scope(pg_engine) as other:
                ledger_setup.set_period_status(
                    session=other,
                    user=user(other, "accountant"),
                    division="HOLD",
                    year=2025,
                    period=5,
                    status="closed",
                )
        return prepared

    monkeypatch.setattr(posting, "check_entry", prepare_then_close)
    with pytest.raises(PeriodClosed), session_scope(pg_engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo("30.00"))
    assert closed
    after = counts(pg_engine)
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])


def test_a_connection_dropped_in_the_pool_is_replaced_before_posting(pg_engine) -> None:
    with session_scope(pg_engine) as s:
        post_entry(session=s, user=user(s, "clerk"), entry=memo())
    before = counts(pg_engine)
    with pg_engine.connect() as conn:  # the one pooled connection
        pid = conn.exec_driver_sql("select pg_backend_pid()").scalar_one()
    pg_execute(f"select pg_terminate_backend({pid})")
    # After a restart or an idle timeout the clerk's next save goes through: the pool
    # notices the dead connection before the transaction starts and opens a new one.
    with session_scope(pg_engine) as s:
        assert post_entry(session=s, user=user(s, "clerk"), entry=memo("20.00")).number == 2
    assert counts(pg_engine)[0] == before[0] + 1
