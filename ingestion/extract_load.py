"""Copy the transactional tables into the warehouse's ``raw`` schema (DuckDB).

Contract: docs/marts.md, "Raw layer". Every table of ``transactional.schema.metadata``
lands in ``raw.<table>`` with the same column names and exact types (money DECIMAL(19,4),
rates and quantities DECIMAL(19,8), DATE, TIMESTAMPTZ). The append-only ledger tables
(``journal_entry``, ``journal_line``, ``audit_log``) load incrementally by ``id``; the rest
is replaced on every run.

The table metadata drives everything: which columns, and how each one is decoded. The
``ExactDecimal`` columns are never passed through a float: on SQLite they are the scaled
integers the type stores, turned into DECIMAL(p, s) by reinterpreting the integer with the
column's scale; on PostgreSQL NUMERIC arrives as text and is parsed as a decimal.

Speed: decoding every value through SQLAlchemy's result processors runs at well under
100k rows/s for the journal lines. So the rows are fetched in chunks from the DBAPI
cursor of the same SQLAlchemy connection (SQLite: plain tuples turned into Arrow in C;
PostgreSQL: each page rendered by the server as one CSV text and parsed by Arrow), then
inserted with ``INSERT ... SELECT`` from the registered Arrow table. Any other dialect falls back to
the SQLAlchemy Core path (``read_table_core``), which the tests also use to prove the fast
paths give identical values.

The whole read runs in one source transaction (a consistent snapshot: no lines without
their entry). The write stages every table in ``raw.<table>__load``, committing chunk by
chunk, and then swaps the staged tables in (replaced tables) or appends them (the new
ledger rows) in one short DuckDB transaction: a failed load leaves the previous raw layer
as it was. Staging keeps memory flat: one DuckDB transaction holding the whole load kept
all of it in memory (2.2 GB for the 2M audit rows of scale 1, beyond any
``memory_limit``), which would not fit at 10M journal lines.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Boolean, Column, Connection, Date, DateTime, Integer, Table, select
from sqlalchemy.types import TypeEngine

from transactional.database import make_engine
from transactional.money import ExactDecimal
from transactional.schema import metadata

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
# Append-only in the source (posted entries are immutable): loaded by increasing id.
INCREMENTAL_TABLES = ("journal_entry", "journal_line", "audit_log")
# Ids are handed out when a row is inserted, not when its transaction commits: on
# PostgreSQL a slow transaction can commit ids below ones already loaded. Re-reading a
# window of recent ids (and keeping only those not loaded yet) picks such rows up; it is
# read through the primary key, so it costs milliseconds.
LOOKBACK_IDS = 10_000
CHUNK_ROWS = 100_000

Progress = Callable[[str, int], None]


def extract_load(
    database_url: str,
    duckdb_path: Path,
    progress: Progress | None = None,
    *,
    full: bool = False,
) -> dict[str, int]:
    """Load every transactional table into ``raw`` of ``duckdb_path``; new rows per table.

    ``full`` reloads the incremental tables from scratch too. ``progress(table, rows)`` is
    called after each table.
    """
    duckdb_path = Path(duckdb_path)
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    loaded: dict[str, int] = {}
    started = time.perf_counter()
    try:
        with (
            _gc_paused(),
            _snapshot(engine.connect()) as source,
            duckdb.connect(str(duckdb_path), config=_duckdb_config()) as target,
        ):
            target.execute(f"create schema if not exists {RAW_SCHEMA}")
            swaps: list[str] = []
            try:
                for table in metadata.sorted_tables:
                    if table.name in INCREMENTAL_TABLES:
                        count, swap = _load_incremental(source, target, table, full=full)
                    else:
                        count, swap = _load_replace(source, target, table)
                    swaps.extend(swap)
                    loaded[table.name] = count
                    if progress is not None:
                        progress(table.name, count)
                # Every table staged: put them in place together.
                target.execute("begin transaction")
                for statement in swaps:
                    target.execute(statement)
                target.execute("commit")
            finally:
                _drop_staged(target)
            # Fold the WAL into the file now, so dbt and the publish copy see one file.
            target.execute("checkpoint")
    finally:
        engine.dispose()
    log.info("extract-load: %d rows in %.2fs", sum(loaded.values()), time.perf_counter() - started)
    return loaded


def _duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """The load's memory cap: the same as dbt's build (models/profiles.yml).

    The whole load is one DuckDB transaction; without a cap DuckDB holds it in memory up to
    80 % of RAM (2.7 GB at a million journal lines) instead of spilling to disk.
    """
    return {"memory_limit": os.environ.get("ERP_DUCKDB_MEMORY_LIMIT", "2.5GB")}


def read_table_core(connection: Connection, table: Table, after_id: int | None = None) -> pa.Table:
    """A table read through SQLAlchemy Core, every value decoded by its column type."""
    batches = list(_core_batches(connection, table, after_id))
    return pa.concat_tables(batches) if batches else _arrow_schema(table).empty_table()


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Millions of short-lived row tuples make the cyclic collector run constantly for
    # nothing (tuples of scalars hold no cycles): pausing it cuts the read time by a third.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _snapshot(connection: Connection) -> Iterator[Connection]:
    """One read transaction over all tables, so the copy is a consistent snapshot."""
    with connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        # On SQLite the engine's begin hook takes BEGIN IMMEDIATE: writers wait for the
        # (seconds-long) read, readers do not, and the snapshot is consistent.
        with connection.begin():
            yield connection


STAGED = "__load"


def _staged(table: Table) -> str:
    return f'{RAW_SCHEMA}."{table.name}{STAGED}"'


def _replace_swap(table: Table) -> list[str]:
    return [
        f"drop table if exists {_raw(table)}",
        f'alter table {_staged(table)} rename to "{table.name}"',
    ]


def _drop_staged(target: duckdb.DuckDBPyConnection) -> None:
    """Staged tables left by this load (after a swap) or by a failed one."""
    left = target.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_name like ?",
        [RAW_SCHEMA, f"%{STAGED}"],
    ).fetchall()
    for (name,) in left:
        target.execute(f'drop table if exists {RAW_SCHEMA}."{name}"')


def _load_replace(
    source: Connection, target: duckdb.DuckDBPyConnection, table: Table
) -> tuple[int, list[str]]:
    target.execute(f"create or replace table {_staged(table)} ({_ddl(table)})")
    count = _insert(target, table, _batches(source, table, None), high_water=None)
    return count, _replace_swap(table)


def _load_incremental(
    source: Connection, target: duckdb.DuckDBPyConnection, table: Table, *, full: bool
) -> tuple[int, list[str]]:
    existing = _existing_columns(target, table.name)
    target.execute(f"create or replace table {_staged(table)} ({_ddl(table)})")
    if full or existing != [c.name for c in table.columns]:
        # First load, forced reload, or the source schema changed: start over.
        count = _insert(target, table, _batches(source, table, 0), high_water=None)
        return count, _replace_swap(table)
    rows = target.execute(f"select max(id) from {_raw(table)}").fetchall()
    high = int(rows[0][0]) if rows and rows[0][0] is not None else 0
    low = max(high - LOOKBACK_IDS, 0)
    count = _insert(target, table, _batches(source, table, low), high_water=high)
    return count, [f"insert into {_raw(table)} select * from {_staged(table)}"]


def _insert(
    target: duckdb.DuckDBPyConnection,
    table: Table,
    batches: Iterator[pa.Table],
    high_water: int | None,
) -> int:
    """Append the batches to the table's staging table, one commit per batch."""
    statement = f"insert into {_staged(table)} select * from _chunk"
    if high_water is not None:
        # Rows up to the high-water mark were re-read for the lookback: keep the new ones.
        statement += (
            f" where _chunk.id > {int(high_water)} or not exists"
            f" (select 1 from {_raw(table)} r where r.id = _chunk.id)"
        )
    count = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        target.register("_chunk", batch)
        try:
            inserted = target.execute(statement).fetchall()
        finally:
            target.unregister("_chunk")
        count += int(inserted[0][0]) if inserted else 0
    return count


def _batches(source: Connection, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    """The table's rows (with ``id > after_id`` when given) as Arrow tables of the raw types."""
    dialect = source.dialect.name
    if dialect == "sqlite":
        return _sqlite_batches(source, table, after_id)
    if dialect == "postgresql":
        return _postgres_batches(source, table, after_id)
    return _core_batches(source, table, after_id)


def _sqlite_batches(source: Connection, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    quote = source.dialect.identifier_preparer.quote
    sql = f"select {', '.join(quote(c.name) for c in table.columns)} from {quote(table.name)}"
    params: tuple[Any, ...] = ()
    if after_id is not None:
        sql += f" where {quote('id')} > ? order by {quote('id')}"
        params = (after_id,)
    # As stored: ExactDecimal, Integer and Boolean are integers, Date and DateTime text.
    stored = pa.struct([pa.field(c.name, _sqlite_stored_type(c.type)) for c in table.columns])
    cursor = source.connection.cursor()  # the DBAPI cursor, inside the snapshot transaction
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            raw = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(rows, stored))])
            yield pa.Table.from_arrays(
                [_decode_sqlite(raw.column(c.name), c) for c in table.columns],
                schema=_arrow_schema(table),
            )
    finally:
        cursor.close()


def _decode_sqlite(values: pa.ChunkedArray, column: Column[Any]) -> pa.Array:
    array = values.combine_chunks()
    kind = column.type
    if isinstance(kind, ExactDecimal):
        # The stored integer is the value times 10**scale: same digits, new scale. Exact.
        whole = array.cast(pa.decimal128(kind.precision, 0))
        return pa.Array.from_buffers(
            pa.decimal128(kind.precision, kind.scale),
            len(whole),
            whole.buffers(),
            null_count=whole.null_count,
            offset=whole.offset,
        )
    if isinstance(kind, DateTime):
        # SQLAlchemy stores naive ISO text on SQLite; the services write UTC.
        return array.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    return array.cast(_arrow_type(kind))


def _postgres_batches(source: Connection, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    quote = source.dialect.identifier_preparer.quote
    # The server renders each page as ONE CSV text (string_agg): fetching row by row (or
    # COPY, one message per row) costs Python time per row; this costs it per page.
    fields = []
    for c in table.columns:
        name = quote(c.name)
        if _is_text(c.type):
            fields.append(
                f"""case when {name} is null then '' else '"' || """
                f"""replace({name}, '"', '""') || '"' end"""
            )
        elif isinstance(c.type, DateTime):
            # Naive UTC text parses exactly in Arrow; the zone is put back after parsing.
            fields.append(f"coalesce(({name} at time zone 'UTC')::text, '')")
        else:
            fields.append(f"coalesce({name}::text, '')")  # NUMERIC as exact digits
    line = f"concat_ws(',', {', '.join(fields)})"
    parsed = pa.schema(
        [
            pa.field(c.name, pa.timestamp("us") if isinstance(c.type, DateTime) else t)
            for c, t in zip(table.columns, _arrow_schema(table).types, strict=True)
        ]
    )
    read = pa_csv.ReadOptions(column_names=parsed.names)
    parse = pa_csv.ParseOptions(newlines_in_values=True)
    convert = pa_csv.ConvertOptions(
        column_types=parsed,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,  # "" is an empty string, a bare empty field NULL
        true_values=["true"],
        false_values=["false"],
    )
    psycopg_connection = source.connection.driver_connection
    assert psycopg_connection is not None
    with psycopg_connection.cursor() as cursor:
        cursor.execute("set local datestyle to 'ISO, YMD'")
        last = after_id
        while True:
            if last is None:
                query = f"select string_agg({line}, E'\\n') from {quote(table.name)}"
            else:
                # Keyset pages of at most CHUNK_ROWS rows, in id order.
                id_ = quote("id")
                query = (
                    f"select string_agg(line, E'\\n' order by {id_}) from"
                    f" (select {id_}, {line} as line from {quote(table.name)}"
                    f" where {id_} > {int(last)} order by {id_} limit {CHUNK_ROWS}) as page"
                )
            cursor.execute(query)  # type: ignore[arg-type]
            row = cursor.fetchone()
            text = row[0] if row else None
            if not text:
                return
            batch = pa_csv.read_csv(
                io.BytesIO(text.encode("utf-8")),
                read_options=read,
                parse_options=parse,
                convert_options=convert,
            )
            columns = [batch.column(c.name).cast(_arrow_type(c.type)) for c in table.columns]
            yield pa.Table.from_arrays(columns, schema=_arrow_schema(table))
            if last is None or batch.num_rows < CHUNK_ROWS:
                return
            last = int(batch.column("id")[-1].as_py())


def _core_batches(source: Connection, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    query = select(table)
    if after_id is not None:
        query = query.where(table.c.id > after_id).order_by(table.c.id)
    schema = _arrow_schema(table)
    result = source.execution_options(yield_per=CHUNK_ROWS).execute(query)
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        yield pa.Table.from_arrays(
            [pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)],
            schema=schema,
        )


def _existing_columns(target: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    rows = target.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [RAW_SCHEMA, name],
    ).fetchall()
    return [r[0] for r in rows]


def _raw(table: Table) -> str:
    return f'{RAW_SCHEMA}."{table.name}"'


def _ddl(table: Table) -> str:
    return ", ".join(f'"{c.name}" {_duckdb_type(c.type)}' for c in table.columns)


def _is_text(kind: TypeEngine[Any]) -> bool:
    return not isinstance(kind, ExactDecimal | Boolean | DateTime | Date | Integer)


def _sqlite_stored_type(kind: TypeEngine[Any]) -> pa.DataType:
    """How SQLAlchemy stores the type on SQLite (before decoding)."""
    if isinstance(kind, ExactDecimal | Boolean | Integer):
        return pa.int64()
    return pa.string()  # text, and Date / DateTime as ISO text


def _duckdb_type(kind: TypeEngine[Any]) -> str:
    if isinstance(kind, ExactDecimal):
        return f"decimal({kind.precision}, {kind.scale})"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, DateTime):
        return "timestamptz"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Integer):
        return "bigint"
    return "varchar"


def _arrow_type(kind: TypeEngine[Any]) -> pa.DataType:
    if isinstance(kind, ExactDecimal):
        return pa.decimal128(kind.precision, kind.scale)
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, Date):
        return pa.date32()
    if isinstance(kind, Integer):
        return pa.int64()
    return pa.string()


def _arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _arrow_type(c.type)) for c in table.columns])
