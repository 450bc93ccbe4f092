"""The scale-10 benchmark's ledger replication keeps the books whole.

The replicated database is what the benchmark measures at 10M lines, so it must be a
valid ERP database: foreign keys hold, every entry balances, stock and its ledger are
untouched, each copy mirrors its original line for line, and the services post into it
afterwards, continuing each journal's numbering.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from tests.warehouse.postings import post_sales_invoice
from transactional.migrate import upgrade

TIMES = 3


def _load_replicator():  # type: ignore[no-untyped-def]
    # tests/benchmarks is a folder of scripts, not a package.
    path = Path(__file__).with_name("replicate_ledger.py")
    spec = importlib.util.spec_from_file_location("replicate_ledger", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    from ingestion.demo import generate

    folder = tmp_path_factory.mktemp("replicate")
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


def test_the_copy_is_a_valid_database_with_balanced_entries(grown) -> None:  # type: ignore[no-untyped-def]
    source, target, counts = grown
    assert _rows(target, "pragma foreign_key_check") == []
    assert _rows(target, "pragma integrity_check") == [("ok",)]
    unbalanced = _rows(
        target,
        "select entry_id from journal_line group by entry_id"
        " having round(sum(cast(amount_base as real)), 4) <> 0",
    )
    assert unbalanced == []
    before = _rows(source, "select count(*) from journal_line")[0][0]
    after = _rows(target, "select count(*) from journal_line")[0][0]
    assert (counts["lines_before"], counts["lines_after"]) == (before, after)
    # Most of the ledger is finance documents: the copy is nearly TIMES as large.
    assert before * (TIMES - 0.5) < after <= before * TIMES


def test_stock_and_its_ledger_are_left_single(grown) -> None:  # type: ignore[no-untyped-def]
    source, target, _ = grown
    stock_ledger = (
        "select l.account_id, sum(cast(l.amount_base as decimal)) from journal_line l"
        " join journal_entry e on e.id = l.entry_id"
        " where e.source_type not in ('manual', 'sales_invoice', 'purchase_invoice', 'payment')"
        " group by l.account_id order by 1"
    )
    assert _rows(target, stock_ledger) == _rows(source, stock_ledger)
    for table in ("stock_movement", "stock_level", "stock_valuation", "delivery", "sales_order"):
        everything = f"select * from {table} order by 1, 2, 3"
        assert _rows(target, everything) == _rows(source, everything), table


def test_each_copy_mirrors_its_original_line_for_line(grown) -> None:  # type: ignore[no-untyped-def]
    source, target, counts = grown
    step = _rows(source, "select max(id) from journal_entry")[0][0]
    line_shape = (
        "select e.division_id, e.entry_date, e.journal_id, l.line_number, l.account_id,"
        " l.amount_base, l.relation_id"
        " from journal_line l join journal_entry e on e.id = l.entry_id"
    )
    originals = _rows(
        target,
        f"{line_shape} where e.id in (select id - {step} from journal_entry where id > {step}"
        f" and id <= {2 * step}) order by e.id, l.line_number",
    )
    for k in range(1, TIMES):
        copies = _rows(
            target,
            f"{line_shape} where e.id > {k * step} and e.id <= {(k + 1) * step}"
            " order by e.id, l.line_number",
        )
        assert copies == originals
    assert len({row[:4] for row in originals}) > 0
    assert counts["keep_invoice"] > 0 and counts["keep_payment"] > 0
    # Invoices and payments keep their allocations: the open amount of each copy equals its
    # original's.
    open_amounts = (
        "select i.id, i.amount_incl_vat - coalesce((select sum(amount) from payment_allocation a"
        " where a.invoice_id = i.id), 0) from invoice i order by i.id"
    )
    invoice_step = _rows(source, "select max(id) from invoice")[0][0]
    by_id = dict(_rows(target, open_amounts))
    copied = [i for i in by_id if i > invoice_step]
    assert copied
    assert all(by_id[i] == by_id[(i - 1) % invoice_step + 1] for i in copied)


def test_numbers_stay_unique_and_posting_continues_the_series(grown) -> None:  # type: ignore[no-untyped-def]
    _, target, _ = grown
    duplicates = _rows(
        target,
        "select division_id, document_number from journal_entry"
        " group by division_id, document_number having count(*) > 1",
    )
    assert duplicates == []
    last = _rows(
        target,
        "select max(e.number) from journal_entry e join journal j on j.id = e.journal_id"
        " join division d on d.id = e.division_id join fiscal_year y on y.id = e.fiscal_year_id"
        " where d.code = 'HOLD' and j.code = 'VK' and y.year = 2026",
    )[0][0]
    invoice_id, _ = post_sales_invoice(f"sqlite:///{target}", "123.45", on="2026-10-15")
    number = _rows(
        target,
        f"select e.number from invoice i join journal_entry e on e.id = i.entry_id"
        f" where i.id = {invoice_id}",
    )[0][0]
    assert number == last + 1


def test_a_line_target_picks_the_copies_that_come_closest(grown, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source, _, counts = grown
    before = counts["lines_before"]
    per_copy = (counts["lines_after"] - before) / (TIMES - 1)
    target_lines = round(before + 4.4 * per_copy)  # closest: 4 copies, 5 times in all
    result = _load_replicator().replicate(source, tmp_path / "five.db", target_lines=target_lines)
    assert result["times"] == 5
    assert result["lines_after"] == before + 4 * round(per_copy)
    with pytest.raises(ValueError, match="times or target_lines"):
        _load_replicator().replicate(source, tmp_path / "x.db", 3, target_lines=target_lines)
