"""extract_load copies every table exactly, on SQLite and PostgreSQL, and increments."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from ingestion.extract_load import INCREMENTAL_TABLES, extract_load, read_table_core
from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.finance import invoices, payments, posting
from transactional.schema import metadata


def post_documents(url: str, day: str = "2025-03-03") -> str:
    """A manual entry, a USD invoice with VAT and a part payment."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            accountant = user(s, "accountant")
            posting.post_entry(
                session=s,
                user=accountant,
                entry=posting.EntryDraft(
                    division="HOLD",
                    journal="MEM",
                    entry_date=day,
                    description="Rent 'March'\n",
                    lines=[
                        posting.LineDraft(account="4300", debit="1234.57", cost_centre="SALES"),
                        posting.LineDraft(account="1100", credit="1234.57"),
                    ],
                ),
            )
            invoice = invoices.post_invoice(
                session=s,
                user=accountant,
                invoice=invoices.InvoiceDraft(
                    division="HOLD",
                    invoice_type="sales",
                    relation="C2",
                    invoice_date=day,
                    lines=[
                        invoices.InvoiceLineDraft(
                            account="8000",
                            quantity="3",
                            unit_price="33.33",
                            vat_code="V21",
                        )
                    ],
                ),
            )
            payments.post_payment(
                session=s,
                user=accountant,
                payment=payments.PaymentDraft(
                    division="HOLD",
                    journal="BNK",
                    relation="C2",
                    payment_date=day,
                    amount="50",
                    currency="USD",
                    rate="0.95",
                    allocations=[
                        payments.AllocationDraft(invoice=invoice.document_number, amount="50")
                    ],
                ),
            )
            return invoice.document_number
    finally:
        engine.dispose()


def raw_table(path: Path, name: str) -> pa.Table:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql(f'select * from raw."{name}" order by all').to_arrow_table()


def source_table(url: str, name: str) -> pa.Table:
    """The table read through SQLAlchemy Core, every value decoded by its column type."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            table = read_table_core(connection, metadata.tables[name])
    finally:
        engine.dispose()
    with duckdb.connect() as connection:
        connection.register("t", table)
        return connection.sql("select * from t order by all").to_arrow_table()


def assert_raw_is_the_source(target: Path, url: str, names: Iterable[str]) -> None:
    """Each named raw table holds exactly the source table's rows."""
    for name in names:
        assert raw_table(target, name).equals(source_table(url, name)), f"raw.{name}"


def test_copies_every_table_exactly(db_url: str, tmp_path: Path) -> None:
    post_documents(db_url)
    target = tmp_path / "warehouse.duckdb"
    counts = extract_load(db_url, target)
    assert set(counts) == set(metadata.tables)
    for name in metadata.tables:
        copied, source = raw_table(target, name), source_table(db_url, name)
        assert copied.num_rows == counts[name], name
        assert copied.equals(source), f"raw.{name} differs from the source"
    with duckdb.connect(str(target), read_only=True) as connection:
        types = dict(
            connection.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'raw' and table_name = 'journal_line'"
            ).fetchall()
        )
        assert types["amount_base"] == "DECIMAL(19,4)"
        assert types["rate"] == "DECIMAL(19,8)"
        rent = connection.execute(
            "select amount_base from raw.journal_line where account_id ="
            " (select id from raw.account where code = '4300')"
        ).fetchall()
        assert rent == [(Decimal("1234.57"),)]
        created = connection.execute(
            "select data_type from information_schema.columns where table_schema = 'raw'"
            " and table_name = 'journal_entry' and column_name = 'created_at'"
        ).fetchall()
        assert created == [("TIMESTAMP WITH TIME ZONE",)]


def test_loads_ledger_tables_incrementally(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    post_documents(db_url)
    first = extract_load(db_url, target)
    again = extract_load(db_url, target)
    for name in INCREMENTAL_TABLES:
        assert again[name] == 0, f"{name} reloaded rows it already had"
    assert again["account"] == first["account"]  # replaced tables are copied in full

    post_documents(db_url, day="2025-04-07")
    third = extract_load(db_url, target, progress=lambda table, rows: None)
    for name in INCREMENTAL_TABLES:
        # post_documents matches no purchase order: invoice_match only has to stay equal.
        assert third[name] > 0 or name == "invoice_match", name
        copied, source = raw_table(target, name), source_table(db_url, name)
        assert copied.equals(source), f"raw.{name} after the increment differs from the source"

    # A full reload ends in the same place.
    extract_load(db_url, target, full=True)
    assert_raw_is_the_source(target, db_url, INCREMENTAL_TABLES)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_failed_load_keeps_previous_raw_layer(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion import extract_load as module

    target = tmp_path / "warehouse.duckdb"
    post_documents(db_url)
    extract_load(db_url, target)
    before = {name: raw_table(target, name) for name in ("journal_line", "invoice", "account")}
    post_documents(db_url, day="2025-04-07")

    # Fail on the last table, when every other one (the new ledger lines too) is staged.
    last = [t.name for t in metadata.sorted_tables if t.name not in INCREMENTAL_TABLES][-1]
    original = module._load_replace

    def broken(source: Any, target: Any, table: Any) -> Any:
        if table.name == last:
            raise RuntimeError("source went away")
        return original(source, target, table)

    monkeypatch.setattr(module, "_load_replace", broken)
    with pytest.raises(RuntimeError, match="source went away"):
        extract_load(db_url, target)
    for name, rows in before.items():
        assert raw_table(target, name).equals(rows), f"raw.{name} changed by a failed load"
    with duckdb.connect(str(target), read_only=True) as con:
        names = con.execute("select table_name from information_schema.tables").fetchall()
    # (Not LIKE '%__load': its underscores are wildcards and match trial_balance_load.)
    staged = [name for (name,) in names if name.endswith(module.STAGED)]
    assert staged == [], "a failed load left staging tables behind"

    # The next load puts everything in place.
    monkeypatch.setattr(module, "_load_replace", original)
    extract_load(db_url, target)
    assert_raw_is_the_source(target, db_url, before)


def test_prefetch_keeps_order_raises_reader_errors_and_closes_an_abandoned_reader() -> None:
    from ingestion.extract_load import _prefetched

    closed: list[str] = []

    def numbers(fail_at: int | None = None) -> Iterator[int]:
        try:
            for n in range(50):
                if n == fail_at:
                    raise ValueError(f"source broke at {n}")
                yield n
        finally:
            closed.append("closed")

    assert list(_prefetched(numbers(), depth=2)) == list(range(50))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="source broke at 7"):
        list(_prefetched(numbers(fail_at=7), depth=2))  # type: ignore[arg-type]
    # The caller stops after three batches (its insert failed): the reader is closed.
    closed.clear()
    consumer = _prefetched(numbers(), depth=2)  # type: ignore[arg-type]
    assert [next(consumer) for _ in range(3)] == [0, 1, 2]
    consumer.close()
    assert closed == ["closed"]


def test_verify_reloads_only_a_raw_table_that_differs_from_the_source(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion import extract_load as module

    # Rows older than the lookback window, as at scale (the window re-reads recent ids).
    monkeypatch.setattr(module, "LOOKBACK_IDS", 0)
    target = tmp_path / "warehouse.duckdb"
    post_documents(db_url)
    post_documents(db_url, day="2025-04-07")  # two of each: the oldest is not the newest
    extract_load(db_url, target)
    # Nothing differs: the check reads no rows again.
    clean = extract_load(db_url, target, verify=True)
    assert all(clean[name] == 0 for name in INCREMENTAL_TABLES)

    # The raw copy loses a line and an invoice (a damaged file, a source restored from an
    # older backup): a plain incremental load does not notice...
    with duckdb.connect(str(target)) as con:
        con.execute(
            "delete from raw.journal_line where id = (select min(id) from raw.journal_line)"
        )
        con.execute("delete from raw.invoice where id = (select min(id) from raw.invoice)")
    extract_load(db_url, target)
    assert not raw_table(target, "journal_line").equals(source_table(db_url, "journal_line"))

    # ...the check does, and reloads just those two tables.
    checked = extract_load(db_url, target, verify=True)
    assert_raw_is_the_source(target, db_url, INCREMENTAL_TABLES)
    reloaded = {name for name in INCREMENTAL_TABLES if checked[name] > 0}
    assert reloaded == {"journal_line", "invoice"}
    assert checked["journal_line"] == len(source_table(db_url, "journal_line"))


def test_rows_committed_late_are_picked_up_where_ids_can_commit_out_of_order(
    db_url: str, tmp_path: Path
) -> None:
    """PostgreSQL hands out ids before commit, so a slow transaction can commit a line
    below ids already loaded: the quick extract re-reads a window of recent ids. SQLite
    runs one write transaction at a time, so its ids commit in order and nothing below
    the highest loaded id is re-read."""
    from ingestion.extract_load import LOOKBACK_IDS, _source

    target = tmp_path / "warehouse.duckdb"
    post_documents(db_url)
    post_documents(db_url, day="2025-04-07")
    extract_load(db_url, target)
    with _source(db_url) as source:
        postgres = source.lookback == LOOKBACK_IDS
        assert source.lookback == (LOOKBACK_IDS if db_url.startswith("postgresql") else 0)
    # As if the second-newest line had not committed when the last extract read.
    with duckdb.connect(str(target)) as con:
        (late,) = con.execute(
            "select max(id) from raw.journal_line where id < (select max(id) from raw.journal_line)"
        ).fetchone() or (None,)
        con.execute("delete from raw.journal_line where id = ?", [late])
    loaded = extract_load(db_url, target)
    ids = {int(i) for i in raw_table(target, "journal_line")["id"].to_pylist()}
    assert (late in ids) is postgres
    assert loaded["journal_line"] == (1 if postgres else 0)
