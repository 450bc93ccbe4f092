"""One gap-free numbering module for every numbered document (transactional.numbering):
journal entries per journal and fiscal year, wholesale documents per division, kind and
year; concurrent clerks queue, a rolled-back document gives its number back. SQLite and
PostgreSQL."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlmodel import select

from transactional import numbering
from transactional.database import make_engine, session_scope
from transactional.finance.models import FiscalYear, Journal
from transactional.organisation.models import Division

ROOT = Path(__file__).resolve().parents[2]
CLERKS = 6
DOCUMENTS_EACH = 10


class Abandon(Exception):
    """Raised inside a transaction after taking a number, so it rolls back."""


def test_only_the_numbering_module_writes_the_counters() -> None:
    """The counter tables are named in the models, the migrations and numbering.py only."""
    writers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "transactional").rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "models.py"
        and re.search(
            r"document_counter|document_sequence|DocumentCounter|DocumentSequence",
            path.read_text(),
        )
    )
    assert writers == ["transactional/numbering.py"]


def test_clerks_at_once_get_gap_free_wholesale_numbers(db_url: str) -> None:
    engine = make_engine(
        db_url, **({"pool_size": CLERKS} if db_url.startswith("postgresql") else {})
    )
    with session_scope(engine) as s:
        hold = s.exec(select(Division).where(Division.code == "HOLD")).one()
    assert hold.id is not None
    barrier = threading.Barrier(CLERKS)
    kept: list[str] = []
    errors: list[BaseException] = []

    def clerk(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(DOCUMENTS_EACH):
                try:
                    with session_scope(engine) as s:
                        number = numbering.next_number(s, hold.id or 0, "sales_order", 2025)
                        if (worker + i) % 4 == 3:
                            raise Abandon
                    kept.append(number)
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
    # 60 attempts, of which 14 abandoned ((worker + i) % 4 == 3): their numbers come back.
    assert len(kept) == 46
    assert sorted(kept) == [f"SO2025-{n:05d}" for n in range(1, 47)]
    with session_scope(engine) as s:
        # Another kind, another year: their own series.
        assert numbering.next_number(s, hold.id, "delivery", 2025) == "DL2025-00001"
        assert numbering.next_number(s, hold.id, "sales_order", 2026) == "SO2026-00001"
    engine.dispose()


def test_entry_numbers_follow_each_journal_and_year_and_come_back_on_rollback(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        hold = s.exec(select(Division).where(Division.code == "HOLD")).one()
        mem = s.exec(
            select(Journal).where(Journal.division_id == hold.id, Journal.code == "MEM")
        ).one()
        bank = s.exec(
            select(Journal).where(Journal.division_id == hold.id, Journal.code == "BNK")
        ).one()
        fy = s.exec(
            select(FiscalYear).where(FiscalYear.division_id == hold.id, FiscalYear.year == 2025)
        ).one()
    assert mem.id is not None and bank.id is not None and fy.id is not None
    series = [(mem.id, fy.id), (bank.id, fy.id), (mem.id, fy.id)]
    try:
        with session_scope(engine) as s:
            assert numbering.allocate_entry_numbers(s, series)[0] == [1, 1, 2]
            raise Abandon
    except Abandon:
        pass
    with session_scope(engine) as s:
        assert numbering.allocate_entry_numbers(s, series)[0] == [1, 1, 2]
    with session_scope(engine) as s:
        assert numbering.allocate_entry_numbers(s, series[:1])[0] == [3]
    assert numbering.entry_document_number("MEM", 2025, 3) == "MEM2025-000003"
    engine.dispose()
