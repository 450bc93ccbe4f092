"""The scale-10 manufacturing benchmark's replication keeps the books whole.

The grown database is what the Manufacturing page is measured on, so it must be a valid
ERP database that the refresh publishes: foreign keys hold, every entry balances, WIP from
the production transactions equals the WIP account and the stock movements equal the
inventory accounts (both blocking checks of the refresh), each copy mirrors its original,
and the other divisions are untouched.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from transactional.migrate import upgrade

TIMES = 3


def _load_replicator():  # type: ignore[no-untyped-def]
    # tests/benchmarks is a folder of scripts, not a package.
    path = Path(__file__).with_name("replicate_manufacturing.py")
    spec = importlib.util.spec_from_file_location("replicate_manufacturing", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    from ingestion.demo import generate

    folder = tmp_path_factory.mktemp("replicate_manufacturing")
    source = folder / "source.db"
    upgrade(f"sqlite:///{source}")
    generate(f"sqlite:///{source}", seed=11, scale=0.002)
    target = folder / "grown.db"
    counts = _load_replicator().replicate(source, target, TIMES)
    return source, target, counts


def _rows(path: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _one(path: Path, sql: str) -> int:
    return int(_rows(path, sql)[0][0] or 0)


MF01 = "(select id from division where code = 'MF01')"


def test_the_copy_is_a_valid_database_with_balanced_entries(grown) -> None:  # type: ignore[no-untyped-def]
    _source, target, _counts = grown
    assert _rows(target, "pragma foreign_key_check") == []
    assert _rows(target, "pragma integrity_check") == [("ok",)]
    assert (
        _rows(
            target,
            "select entry_id from journal_line group by entry_id having sum(amount_base) <> 0",
        )
        == []
    )


def test_production_is_times_the_source(grown) -> None:  # type: ignore[no-untyped-def]
    source, target, counts = grown
    for table in ("production_order", "production_order_material", "production_transaction"):
        before = _one(source, f"select count(*) from {table}")
        assert before > 0
        assert _one(target, f"select count(*) from {table}") == TIMES * before
        assert counts[f"{table} after"] == TIMES * before
    # The value of the production, and its WIP, are TIMES the source's.
    value = "select sum(value) from production_transaction where kind = 'completion'"
    assert _one(target, value) == TIMES * _one(source, value)
    # Copy k of an order is numbered after it.
    numbers = {r[0] for r in _rows(target, "select number from production_order")}
    for (number,) in _rows(source, "select number from production_order"):
        assert {f"{number}.{k}" for k in range(1, TIMES)} <= numbers


def test_wip_and_stock_still_reconcile_with_the_ledger(grown) -> None:  # type: ignore[no-untyped-def]
    source, target, _counts = grown
    wip_transactions = f"select sum(value) from production_transaction where division_id = {MF01}"
    wip_ledger = (
        "select sum(l.amount_base) from journal_line l join account a on a.id = l.account_id"
        f" where a.code = '3100' and l.division_id = {MF01}"
    )
    stock = f"select sum(value) from stock_movement where division_id = {MF01}"
    inventory = (
        "select sum(l.amount_base) from journal_line l join account a on a.id = l.account_id"
        f" where a.reporting_category = 'inventory' and l.division_id = {MF01}"
    )
    for db in (source, target):
        # Money columns hold 10^-4 units (transactional.money); compare them as stored.
        assert _one(db, wip_transactions) == _one(db, wip_ledger)
        assert _one(db, stock) == _one(db, inventory)
    assert _one(target, wip_ledger) == TIMES * _one(source, wip_ledger)


def test_other_divisions_are_untouched(grown) -> None:  # type: ignore[no-untyped-def]
    source, target, _counts = grown
    others = (
        "select division_id, count(*), sum(abs(amount_base)) from journal_line"
        f" where division_id <> {MF01} group by division_id order by division_id"
    )
    assert _rows(target, others) == _rows(source, others)
    # Journal numbers stay unique per journal and fiscal year (the table's constraint),
    # and the sequences continue after the copies.
    assert (
        _rows(
            target,
            "select journal_id, fiscal_year_id from journal_entry"
            " group by journal_id, fiscal_year_id, number having count(*) > 1",
        )
        == []
    )
    assert (
        _rows(
            target,
            "select s.journal_id from document_sequence s join journal_entry e"
            " on e.journal_id = s.journal_id and e.fiscal_year_id = s.fiscal_year_id"
            " group by s.journal_id, s.fiscal_year_id, s.last_number"
            " having max(e.number) > s.last_number",
        )
        == []
    )
