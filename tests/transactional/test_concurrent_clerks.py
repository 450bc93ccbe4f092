"""Gap-free, unique numbering with eight clerks posting at once (threads, real databases)."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.finance.models import JournalEntry
from transactional.finance.posting import EntryDraft, LineDraft, post_entry

CLERKS = 8
ENTRIES_EACH = 12


class Abandon(Exception):
    """Raised inside a transaction after posting, so the posting rolls back."""


def test_eight_clerks_get_unique_gap_free_numbers(db_url: str) -> None:
    engine = make_engine(
        db_url, **({"pool_size": CLERKS} if db_url.startswith("postgresql") else {})
    )
    barrier = threading.Barrier(CLERKS)
    errors: list[BaseException] = []

    def clerk(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(ENTRIES_EACH):
                draft = EntryDraft(
                    division="HOLD",
                    journal="MEM",
                    entry_date="2025-05-02",
                    description=f"clerk {worker} entry {i}",
                    lines=[
                        LineDraft(account="4400", debit=f"{worker}.{i:02d}"),
                        LineDraft(account="1100", credit=f"{worker}.{i:02d}"),
                    ],
                )
                try:
                    with session_scope(engine) as s:
                        post_entry(session=s, user=user(s, "clerk"), entry=draft)
                        if i % 5 == 4:
                            # Numbers taken by a transaction that rolls back must be given back.
                            raise Abandon
                except Abandon:
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(w,)) for w in range(CLERKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    committed_per_clerk = ENTRIES_EACH - ENTRIES_EACH // 5
    with session_scope(engine) as s:
        from transactional.finance.models import Journal

        mem = s.exec(
            select(Journal.id).where(Journal.code == "MEM", Journal.division_id == 1)
        ).one()
        numbers = sorted(
            s.exec(select(JournalEntry.number).where(JournalEntry.journal_id == mem)).all()
        )
        journal_ids = set(s.exec(select(JournalEntry.journal_id)).all())
    engine.dispose()
    assert len(journal_ids) == 1
    assert numbers == list(range(1, CLERKS * committed_per_clerk + 1))


@pytest.mark.parametrize("dummy", [None])
def test_numbering_restarts_per_fiscal_year(db_url: str, dummy: None) -> None:
    engine = make_engine(db_url)
    from transactional.finance import ledger_setup

    with session_scope(engine) as s:
        ledger_setup.open_fiscal_year(
            session=s, user=user(s, "accountant"), division="HOLD", year=2026
        )
    docs = []
    for day in ("2025-12-31", "2026-01-01", "2025-12-30", "2026-01-02"):
        with session_scope(engine) as s:
            docs.append(
                post_entry(
                    session=s,
                    user=user(s, "clerk"),
                    entry=EntryDraft(
                        division="HOLD",
                        journal="MEM",
                        entry_date=day,
                        lines=[
                            LineDraft(account="4400", debit="1"),
                            LineDraft(account="1100", credit="1"),
                        ],
                    ),
                ).document_number
            )
    engine.dispose()
    assert docs == ["MEM2025-000001", "MEM2026-000001", "MEM2025-000002", "MEM2026-000002"]
