"""The PostgreSQL reader (ADBC, binary COPY) gives back exactly the rows written, NULLs too.

The reader it replaced built one CSV text per page on the server: a NULL in a table's last
column (every ``stock_lot.expiry_date`` of the demo) came out as an empty last field that
Arrow could not parse as a date, so every PostgreSQL refresh failed. The probes below put
each nullable type in the last position, NULL in the first batch, in the middle and in the
last row, next to text that trips a hand-made CSV or COPY text format: separators, quotes,
newlines, backslashes, ``\\N``, unicode.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, Table
from sqlmodel import AutoString

from ingestion import extract_load as module
from tests.conftest import create_pg_database, drop_pg_database, pg_url
from transactional.database import make_engine
from transactional.money import Money, Rate

pytestmark = pytest.mark.postgres

CHUNK = 3  # rows per batch: NULL-only first batches, and pages cut inside the driver's

NULLABLE = ("rate", "fee", "flag", "day", "changed_at", "note", "ref_id")


def columns_with_last(last: str) -> list[Column[Any]]:
    """The probe's columns; ``last`` (a nullable one) at the end, after the text ``code``
    (as ``stock_lot`` ends: ``kind`` text, then ``expiry_date``)."""
    columns: list[Column[Any]] = [
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("amount", Money(), nullable=False),
        Column("rate", Rate(), nullable=True),
        Column("fee", Money(), nullable=True),
        Column("posted", Boolean, nullable=False),
        Column("flag", Boolean, nullable=True),
        Column("day", Date, nullable=True),
        Column("changed_at", DateTime(timezone=True), nullable=True),
        Column("note", AutoString, nullable=True),
        Column("code", AutoString(length=10), nullable=False),
        Column("ref_id", Integer, nullable=True),
    ]
    columns.sort(key=lambda c: (c.name == last, c.name == "code"))  # stable
    return columns


PROBES = MetaData()
TABLES = {last: Table(f"probe_{last}_last", PROBES, *columns_with_last(last)) for last in NULLABLE}

NULLS: dict[str, Any] = dict.fromkeys(NULLABLE)
TEXTS = [
    "a,b,,c",
    '"quoted", and ""doubled""',
    "line one\nline two\r\nline three\r",
    "back\\slash \\N \\\\N \\.",
    "\\N",
    "\\.",
    "tab\there",
    "Zürich — “rent” 'March' 😀",
    "",  # empty, not NULL
    "NULL",
    " ",
]
ROWS: list[dict[str, Any]] = [
    # Every nullable column NULL in the whole first batch.
    *(
        {"id": i, "amount": Decimal(i), "posted": i % 2 == 0, "code": f"N{i}", **NULLS}
        for i in range(1, 5)
    ),
    {
        "id": 5,
        "amount": Decimal("123456789012345.6789"),  # NUMERIC(19, 4) at full precision
        "rate": Decimal("12345678901.12345678"),
        "fee": Decimal("-0.0001"),
        "posted": True,
        "flag": False,
        "day": date(2025, 2, 28),
        "changed_at": datetime(2025, 3, 3, 23, 59, 59, 999999, tzinfo=UTC),
        "note": "",
        "code": "",
        "ref_id": 0,
    },
    *(
        {
            "id": 6 + n,
            "amount": Decimal(f"-{n}.0100"),
            "rate": Decimal("0.95"),
            "fee": None if n % 2 else Decimal("1234.5650"),
            "posted": n % 2 == 1,
            "flag": None if n % 3 == 0 else n % 3 == 1,
            "day": None if n % 2 == 0 else date(1900 + n, 1, 1),
            "changed_at": None if n % 3 == 1 else datetime(2024, 2, 29, 12, 0, n, 1, tzinfo=UTC),
            "note": text,
            "code": f"T{n}",
            "ref_id": None if n % 2 else -n,
        }
        for n, text in enumerate(TEXTS)
    ),
    # The last row: NULL in every nullable column, so in the table's last column too.
    {"id": 6 + len(TEXTS), "amount": Decimal("0.0001"), "posted": False, "code": "Ω", **NULLS},
]


@pytest.fixture(scope="module")
def probe_database() -> Iterator[str]:
    name = create_pg_database()
    url = pg_url(name)
    engine = make_engine(url)
    try:
        PROBES.create_all(engine)
        with engine.begin() as connection:
            for table in TABLES.values():
                connection.execute(table.insert(), ROWS)
    finally:
        engine.dispose()
    yield url
    drop_pg_database(name)


@pytest.fixture
def probe_url(probe_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(module, "CHUNK_ROWS", CHUNK)
    return probe_database


def read(url: str, table: Table, after_id: int | None) -> list[pa.Table]:
    with module._source(url) as source:
        return list(source(table, after_id))


def test_postgres_is_read_through_adbc(probe_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the SQLAlchemy fallback: the test below must prove the ADBC reader."""
    monkeypatch.setattr(module, "_core_batches", None)  # would fail if called
    assert read(probe_url, TABLES["day"], None)


@pytest.mark.parametrize("last", NULLABLE)
@pytest.mark.parametrize("after_id", [None, 0, 4, 9, 6 + len(TEXTS) - 1])
def test_every_value_and_null_comes_back_as_written(
    probe_url: str, last: str, after_id: int | None
) -> None:
    table = TABLES[last]
    batches = read(probe_url, table, after_id)
    expected = [row for row in ROWS if row["id"] > (after_id or 0)]
    assert [b.num_rows for b in batches][:-1] == [CHUNK] * (len(batches) - 1)
    assert all(b.schema == module._arrow_schema(table) for b in batches)
    got = pa.concat_tables(batches).to_pylist() if batches else []
    assert [row["id"] for row in got] == [row["id"] for row in expected]  # id order
    for written, back in zip(expected, got, strict=True):
        for name, value in written.items():
            assert back[name] == value, (written["id"], name)
            # Decimal("1") == Decimal("1.0000"): the scale must be the column's too.
            if isinstance(value, Decimal):
                scale = module._arrow_type(table.c[name].type).scale
                assert back[name].as_tuple().exponent == -scale, (written["id"], name)
    assert got[-1][last] is None  # the case that failed every refresh


def test_the_read_is_one_snapshot_and_blocks_no_writer(probe_url: str) -> None:
    """Rows committed after the first read are in neither the rows nor the id summary of
    the same extract; the writer commits at once while the extract's transaction is open."""
    table = TABLES["note"]
    engine = make_engine(probe_url)
    new_id = 1_000
    try:
        with module._source(probe_url) as source:
            first = list(source(TABLES["day"], None))  # the snapshot is taken here
            assert first
            committed = threading.Event()

            def write() -> None:
                with engine.begin() as connection:
                    connection.execute(table.insert(), [{**ROWS[0], "id": new_id}])
                committed.set()

            writer = threading.Thread(target=write)
            writer.start()
            writer.join(timeout=30)
            assert committed.is_set(), "a clerk waited for the extract"
            ids = pa.concat_tables(source(table, None)).column("id").to_pylist()
            assert new_id not in ids
            assert source.ids(table) == (len(ROWS), ROWS[-1]["id"], sum(r["id"] for r in ROWS))
        # The next extract sees it.
        with module._source(probe_url) as source:
            assert source.ids(table)[1] == new_id
    finally:
        with engine.begin() as connection:
            connection.execute(table.delete().where(table.c.id == new_id))
        engine.dispose()


def test_a_result_left_half_read_does_not_hang_the_extract(probe_url: str) -> None:
    """A load failing in mid-table abandons the reader (_prefetched closes it)."""
    started = time.perf_counter()
    with module._source(probe_url) as source:
        rows = source(TABLES["ref_id"], None)
        assert next(rows).num_rows == CHUNK
        rows.close()  # type: ignore[attr-defined]
        # The connection is free again for the next table.
        assert sum(b.num_rows for b in source(TABLES["day"], None)) == len(ROWS)
        left_open = source(TABLES["note"], None)
        assert next(left_open).num_rows == CHUNK  # and never closed: the source ends anyway
    assert time.perf_counter() - started < 30
