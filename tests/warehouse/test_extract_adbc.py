"""The ADBC reader of SQLite gives exactly what SQLAlchemy Core reads, in one snapshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, Table
from sqlmodel import AutoString

from ingestion import extract_load as module
from ingestion.extract_load import extract_load, read_table_core
from tests.warehouse.test_extract_load import (
    assert_raw_is_the_source,
    post_documents,
    raw_table,
    source_table,
)
from transactional.database import make_engine
from transactional.money import Money, Rate
from transactional.schema import metadata

CHUNK = 3  # rows per batch: the four leading rows of NULLs fill the whole first batch

probe = Table(
    "probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("amount", Money(), nullable=False),
    Column("rate", Rate(), nullable=True),
    Column("posted", Boolean, nullable=False),
    Column("day", Date, nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=True),
    Column("note", AutoString, nullable=True),
    Column("code", AutoString(length=10), nullable=False),
    Column("ref_id", Integer, nullable=True),
)

NULLS = {"rate": None, "day": None, "changed_at": None, "note": None, "ref_id": None}
PROBE_ROWS: list[dict[str, Any]] = [
    # Every nullable column NULL in the whole first batch (ADBC infers from that batch).
    *(
        {"id": i, "amount": Decimal(i), "posted": i % 2 == 0, "code": f"N{i}", **NULLS}
        for i in range(1, 5)
    ),
    {
        "id": 5,
        "amount": Decimal("922337203685477.5807"),  # the largest scaled BIGINT
        "rate": Decimal("92233720368.54775807"),
        "posted": True,
        "day": date(2025, 2, 28),
        "changed_at": datetime(2025, 3, 3, 23, 59, 59, 999999, tzinfo=UTC),
        "note": "",  # empty, not NULL
        "code": "",
        "ref_id": 0,
    },
    {
        "id": 6,
        "amount": Decimal("-922337203685477.5808"),
        "rate": Decimal("-0.00000001"),
        "posted": False,
        "day": date(1900, 1, 1),
        "changed_at": datetime(1970, 1, 1, tzinfo=UTC),
        "note": "Zürich — “rent” 'March'\n,\"x\"",
        "code": "Ω",
        "ref_id": 9_223_372_036_854_775_807,
    },
    {"id": 7, "amount": Decimal("0.0001"), "posted": True, "code": "A", **NULLS},
    {
        "id": 8,
        "amount": Decimal("1234.5650"),
        "rate": Decimal("0.95"),
        "posted": False,
        "day": date(2099, 12, 31),
        "changed_at": datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=UTC),
        "note": "NULL",
        "code": "B",
        "ref_id": -1,
    },
    {"id": 9, "amount": Decimal("-0.0001"), "posted": True, "code": "C", **NULLS},
]


@pytest.fixture
def probe_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An SQLite file (WAL, as the engine sets it) holding the probe rows."""
    monkeypatch.setattr(module, "CHUNK_ROWS", CHUNK)
    url = f"sqlite:///{tmp_path / 'probe.db'}"
    engine = make_engine(url)
    try:
        probe.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(probe.insert(), PROBE_ROWS)
    finally:
        engine.dispose()
    yield url


def read(url: str, reader: str, table: Table, after_id: int | None) -> pa.Table:
    """The table as extract_load reads it with the given reader."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(module.READER_ENV, reader)
        with module._source(url) as source:
            batches = list(source(table, after_id))
    return pa.concat_tables(batches) if batches else module._arrow_schema(table).empty_table()


def core(url: str, table: Table, after_id: int | None) -> pa.Table:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return read_table_core(connection, table, after_id)
    finally:
        engine.dispose()


@pytest.mark.parametrize("after_id", [None, 0, 2, 4, 6, 9])
@pytest.mark.parametrize("reader", ["adbc", "sqlite3"])
def test_reader_gives_the_core_values(probe_url: str, reader: str, after_id: int | None) -> None:
    got, expected = read(probe_url, reader, probe, after_id), core(probe_url, probe, after_id)
    assert got.schema == expected.schema == module._arrow_schema(probe)
    assert got.equals(expected), f"{reader} differs from the core read:\n{got}\n{expected}"
    assert got.num_rows == len([r for r in PROBE_ROWS if r["id"] > (after_id or 0)])


def test_probe_covers_the_cases(probe_url: str) -> None:
    """The first batch has only NULLs where NULL is allowed, and the values round-trip."""
    values = read(probe_url, "adbc", probe, None).to_pylist()
    assert all(values[i][name] is None for i in range(CHUNK) for name in NULLS)
    assert values[4]["amount"] == Decimal("922337203685477.5807")
    assert values[4]["rate"] == Decimal("92233720368.54775807")
    assert values[4]["note"] == "" and values[6]["note"] is None and values[7]["note"] == "NULL"
    assert values[4]["changed_at"] == datetime(2025, 3, 3, 23, 59, 59, 999999, tzinfo=UTC)
    assert values[5]["day"] == date(1900, 1, 1)
    assert [v["posted"] for v in values[:2]] == [False, True]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("reader", ["adbc", "sqlite3"])
def test_small_batches_copy_the_company_exactly(
    db_url: str, reader: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table through many small batches (NULL-only first batches among them)."""
    post_documents(db_url)
    monkeypatch.setattr(module, "CHUNK_ROWS", 2)
    monkeypatch.setenv(module.READER_ENV, reader)
    target = tmp_path / "warehouse.duckdb"
    extract_load(db_url, target)
    assert_raw_is_the_source(target, db_url, metadata.tables)
    audit = core(db_url, metadata.tables["audit_log"], None).column("old_value").to_pylist()
    assert audit[:2] == [None, None] and any(v is not None for v in audit), "case not covered"

    post_documents(db_url, day="2025-04-07")
    added = extract_load(db_url, target)  # incremental: after the high-water id
    assert added["journal_line"] > 0
    assert_raw_is_the_source(target, db_url, module.INCREMENTAL_TABLES)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_read_is_one_snapshot_and_writers_go_on(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk posting during the extract is neither blocked nor half copied.

    The posting runs in this process, next to the reader: with ADBC's own SQLite in this
    process it read "database disk image is malformed" (two SQLite copies drop each other's
    locks); with the sqlite3 reader's BEGIN IMMEDIATE it would wait for the extract forever.
    """
    monkeypatch.setenv(module.READER_ENV, "adbc")
    post_documents(db_url)
    before = {name: source_table(db_url, name) for name in metadata.tables}
    posted: list[str] = []

    def post_while_reading(table: str, rows: int) -> None:
        if not posted:  # the first table is read: the snapshot is taken
            posted.append(post_documents(db_url, day="2025-04-07"))

    target = tmp_path / "warehouse.duckdb"
    extract_load(db_url, target, progress=post_while_reading)
    assert posted, "the posting did not run"
    for name in metadata.tables:
        assert raw_table(target, name).equals(before[name]), f"raw.{name} is not the snapshot"

    counts = extract_load(db_url, target)
    assert counts["journal_line"] > 0
    assert_raw_is_the_source(target, db_url, metadata.tables)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_without_adbc_the_sqlite3_reader_is_used(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(module.READER_ENV, raising=False)
    monkeypatch.setattr(module, "_adbc_available", lambda: False)
    monkeypatch.setattr(module, "_adbc_batches", None)  # would fail if called
    target = tmp_path / "warehouse.duckdb"
    extract_load(db_url, target)
    assert_raw_is_the_source(target, db_url, ("journal_line", "audit_log", "invoice"))


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/erp.db", "data/erp.db"),
        ("sqlite:////tmp/x/erp.db", "/tmp/x/erp.db"),
        ("sqlite+pysqlite:////tmp/erp.db", "/tmp/erp.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:erp?mode=memory&cache=shared&uri=true", None),
        ("sqlite:///erp.db?timeout=5", None),
        ("postgresql://postgres@127.0.0.1:5432/erp", None),
    ],
)
def test_only_database_files_go_through_adbc(url: str, path: str | None) -> None:
    assert module._sqlite_file(url) == path


def test_a_failed_read_says_why(probe_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(module.READER_ENV, "adbc")
    missing = Table("not_there", MetaData(), Column("id", Integer, primary_key=True))
    with module._source(probe_url) as source:
        with pytest.raises(RuntimeError, match="no such table: not_there"):
            list(source(missing, None))
        with pytest.raises(RuntimeError, match="ADBC"):  # the reader is gone: no more reads
            list(source(probe, None))


def test_a_result_left_half_read_ends_the_reader(
    probe_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load failing in mid-table must not wait for the reader blocked on the rest."""
    monkeypatch.setenv(module.READER_ENV, "adbc")
    started = time.perf_counter()
    with module._source(probe_url) as source:
        rows = source(probe, None)
        assert next(rows).num_rows == CHUNK
        with pytest.raises(RuntimeError, match="still sending"):
            list(source(probe, None))
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize("offset", [0, 3])
def test_nulls_are_put_back_from_the_flags(offset: int) -> None:
    text = pa.array(["a", "", "", "dé", "", "f", "", "h", "", "j"])[offset:]
    flags = pa.array([0, 1, 0, 0, 1, 0, 1, 0, 0, 1])[offset:]
    expected = ["a", None, "", "dé", None, "f", None, "h", "", None][offset:]
    assert module._with_nulls(text, flags).to_pylist() == expected
    assert module._with_nulls(text, pa.array([0] * len(text))) is text


def test_reader_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(module.READER_ENV, "adbc")
    with pytest.raises(RuntimeError, match="SQLite database file"), module._source("sqlite://"):
        pass
    monkeypatch.setenv(module.READER_ENV, "odbc")
    with pytest.raises(ValueError, match="adbc"), module._source("sqlite://"):
        pass
