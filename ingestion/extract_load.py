"""Copy the transactional tables into the warehouse's ``raw`` schema (DuckDB).

Contract: docs/marts.md, "Raw layer". Every table of ``transactional.schema.metadata``
lands in ``raw.<table>`` with the same column names and exact types (money DECIMAL(19,4),
rates and quantities DECIMAL(19,8), DATE, TIMESTAMPTZ). The append-only tables (the ledger,
the posted invoices and payments with their lines, allocations and matches, and the audit
log: ``INCREMENTAL_TABLES``) load incrementally by ``id``; the rest is replaced on every
run.

The table metadata drives everything: which columns, and how each one is decoded. The
``ExactDecimal`` columns are never passed through a float: on SQLite they are the scaled
integers the type stores, turned into DECIMAL(p, s) by reinterpreting the integer with the
column's scale; on PostgreSQL ADBC hands NUMERIC over as its exact decimal text, which
Arrow parses into DECIMAL(p, s).

Speed: decoding every value through SQLAlchemy's result processors runs at well under
100k rows/s for the journal lines. So the rows are fetched in batches of about
``CHUNK_ROWS`` and inserted with ``INSERT ... SELECT`` from the registered Arrow table:

- SQLite database files are read through ADBC (``adbc-driver-sqlite``), straight into
  Arrow record batches in C: 3-4x faster than Python's sqlite3 (docs/performance-refresh.md,
  "Extract through ADBC"). The driver links its own copy of SQLite, and two copies of SQLite
  in one process must never open the same database: each copy's POSIX locks are dropped
  when the other closes a file, so a checkpoint can pull the pages from under a reader
  (seen as "database disk image is malformed" when a clerk posted during a test extract)
  or, with a writer on the other side, corrupt the file (sqlite.org/howtocorrupt.html,
  2.2.1). So ADBC runs in a small child process (``_AdbcReader``) that streams each result
  back as Arrow IPC; the process that runs the extract may keep its own SQLAlchemy
  connections to the same database. The driver infers each column's Arrow type from the
  values of the first batch, and a column that is all NULL there is taken for an integer
  (the read then fails on the first text). So every nullable column stored as text
  (strings, dates, timestamps) is selected as ``coalesce(col, '')`` plus the flag
  ``col is null``, and the NULLs are put back in Arrow from the flag: exact, whatever the
  first batch holds.
- Otherwise (in-memory SQLite, URI file names, ADBC not installed, or
  ``ERP_EXTRACT_READER=sqlite3``), SQLite rows come from the DBAPI cursor of the SQLAlchemy
  connection: plain tuples turned into Arrow in C.
- PostgreSQL is read through ADBC too (``adbc-driver-postgresql``): the driver runs each
  query as ``COPY (...) TO STDOUT (FORMAT binary)`` and decodes the binary rows into Arrow
  in C, every type from the server's own catalogue, NULL as NULL in every position (a
  hand-made CSV text lost the NULL of a last column: ``stock_lot.expiry_date`` failed
  every refresh, tests/warehouse/test_extract_postgres.py). It runs in this process: unlike
  SQLite, the driver's libpq shares no file locks with psycopg's, only a network socket.
  Without the driver installed, PostgreSQL falls back to the SQLAlchemy Core path below.

Any other dialect falls back to the SQLAlchemy Core path (``read_table_core``), which the
tests also use to prove the fast paths give identical values.

The whole read runs in one source transaction (a consistent snapshot: no lines without
their entry). Through ADBC on SQLite that is one deferred read transaction of the reader
process (see ``_AdbcReader``): in WAL mode clerks keep posting while the extract reads. On
PostgreSQL it is one REPEATABLE READ, READ ONLY transaction of the ADBC connection, which
holds no locks that writers wait for. The
write stages every table in ``raw.<table>__load``, committing chunk by
chunk, and then swaps the staged tables in (replaced tables) or appends them (the new
ledger rows) in one short DuckDB transaction: a failed load leaves the previous raw layer
as it was. Staging keeps memory flat: one DuckDB transaction holding the whole load kept
all of it in memory (2.2 GB for the 2M audit rows of scale 1, beyond any
``memory_limit``), which would not fit at 10M journal lines.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Boolean, Column, Connection, Date, DateTime, Integer, Table, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from transactional.database import make_engine, sqlite_file
from transactional.money import ExactDecimal
from transactional.schema import metadata
from transactional.settings import normalise_url

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
# Append-only in the source, loaded by increasing id: posted entries and the invoices,
# payments, allocations and matches posted with them are immutable in the database
# (triggers of migrations 0001 and 0007), and the audit log is only ever added to.
INCREMENTAL_TABLES = (
    "journal_entry",
    "journal_line",
    "audit_log",
    "invoice",
    "invoice_line",
    "payment",
    "payment_allocation",
    "invoice_match",
)
# Ids are handed out when a row is inserted, not when its transaction commits: on
# PostgreSQL a slow transaction can commit ids below ones already loaded. Re-reading a
# window of recent ids (and keeping only those not loaded yet) picks such rows up; it is
# read through the primary key, so it costs milliseconds. SQLite runs one write
# transaction at a time, so its ids commit in order and it needs no window (re-reading
# 10,000 audit rows of JSON cost 0.3 s of every quick refresh).
LOOKBACK_IDS = 10_000
# Two of DuckDB's row groups (122,880 rows): DuckDB writes the whole row groups of a large
# insert straight to the database file instead of logging them to the WAL first and
# copying them again at the checkpoint. 100,000 rows, under one row group, went through
# the WAL: audit_log at scale 1 took 7.5 s instead of 4.9 s; at 10M lines the whole
# extract gains only 4% (124.8 -> 119.6 s), compressing the audit text dominates there.
CHUNK_ROWS = 2 * 122_880

# How the SQLite source is read: "adbc" (the default where possible) or "sqlite3".
READER_ENV = "ERP_EXTRACT_READER"

Progress = Callable[[str, int], None]
# A table's rows (with ``id > after_id`` when given) as Arrow tables of the raw types.
Read = Callable[[Table, int | None], Iterator[pa.Table]]


@dataclass(frozen=True)
class Source:
    """The source database inside one read snapshot: rows, and a table's id summary."""

    read: Read
    # (row count, highest id, sum of ids) of a table, in the same snapshot as ``read``.
    ids: Callable[[Table], tuple[int, int, int]]
    # How many ids below the highest loaded one may still commit (LOOKBACK_IDS).
    lookback: int = LOOKBACK_IDS

    def __call__(self, table: Table, after_id: int | None) -> Iterator[pa.Table]:
        return self.read(table, after_id)


def extract_load(
    database_url: str,
    duckdb_path: Path,
    progress: Progress | None = None,
    *,
    full: bool = False,
    verify: bool = False,
) -> dict[str, int]:
    """Load every transactional table into ``raw`` of ``duckdb_path``; new rows per table.

    ``full`` reloads the incremental (append-only) tables from scratch too. ``verify``
    appends their new rows and then checks each against the source, in the same snapshot:
    row count, highest id and sum of ids; a table that differs (a source restored from a
    backup, a damaged raw layer) is reloaded from scratch. Re-reading tens of millions of
    immutable rows would prove no more and costs minutes at 10M journal lines.
    ``progress(table, rows)`` is called after each table.
    """
    duckdb_path = Path(duckdb_path)
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    loaded: dict[str, int] = {}
    started = time.perf_counter()
    with (
        _gc_paused(),
        _source(database_url) as source,
        duckdb.connect(str(duckdb_path), config=_duckdb_config()) as target,
    ):
        target.execute(f"create schema if not exists {RAW_SCHEMA}")
        swaps: list[str] = []
        try:
            for table in metadata.sorted_tables:
                if table.name in INCREMENTAL_TABLES:
                    count, swap = _load_incremental(source, target, table, full=full, verify=verify)
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
def _source(database_url: str) -> Iterator[Source]:
    """The reader of every table, inside one read transaction (a consistent snapshot)."""
    database_url = normalise_url(database_url)
    if _is_postgres(database_url) and _adbc_postgres_available():
        with _postgres_snapshot(database_url) as connection:
            yield Source(
                partial(_postgres_batches, connection),
                partial(_postgres_ids, connection),
                LOOKBACK_IDS,  # ids can commit out of order (a slow transaction)
            )
        return
    path = _sqlite_file(database_url)
    reader = os.environ.get(READER_ENV, "").strip().lower()
    if reader not in ("", "adbc", "sqlite3"):
        raise ValueError(f"{READER_ENV} must be 'adbc' or 'sqlite3', not {reader!r}")
    adbc = path is not None and reader != "sqlite3" and _adbc_available()
    if reader == "adbc" and not adbc:
        raise RuntimeError(
            f"{READER_ENV}=adbc needs adbc-driver-sqlite and an SQLite database file,"
            f" not {make_url(database_url).render_as_string(hide_password=True)}"
        )
    if adbc and path is not None:
        with _AdbcReader(os.path.abspath(path)) as child:
            yield Source(partial(_adbc_batches, child), partial(_adbc_ids, child), lookback=0)
        return
    engine = make_engine(database_url)
    lookback = 0 if engine.dialect.name == "sqlite" else LOOKBACK_IDS
    try:
        with _snapshot(engine.connect()) as connection:
            yield Source(
                partial(_batches, connection), partial(_connection_ids, connection), lookback
            )
    finally:
        engine.dispose()


def _ids_sql(table: Table, quote: Callable[[str], str]) -> str:
    return (
        f"select count(*), coalesce(max({quote('id')}), 0), coalesce(sum({quote('id')}), 0)"
        f" from {quote(table.name)}"
    )


def _adbc_ids(reader: _AdbcReader, table: Table) -> tuple[int, int, int]:
    batches = list(reader.query(_ids_sql(table, _SQLITE_QUOTE), 1))
    row = pa.Table.from_batches(batches).to_pylist()[0]
    return tuple(int(v) for v in row.values())  # type: ignore[return-value]


def _connection_ids(connection: Connection, table: Table) -> tuple[int, int, int]:
    quote = connection.dialect.identifier_preparer.quote
    row = connection.exec_driver_sql(_ids_sql(table, quote)).one()
    return (int(row[0]), int(row[1]), int(row[2]))


def _sqlite_file(database_url: str) -> str | None:
    """The path of an SQLite database file, or None for anything an ADBC open could mistake.

    In-memory databases are private to their connection (the ADBC one would be a new, empty
    database), and URI file names or driver options are left to the SQLAlchemy path.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.get_driver_name() != "pysqlite" or url.query:
        return None
    return sqlite_file(url)


def _is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


def _adbc_postgres_available() -> bool:
    return importlib.util.find_spec("adbc_driver_postgresql") is not None


def _libpq_uri(database_url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (``postgresql://``, password percent-encoded)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextmanager
def _postgres_snapshot(database_url: str) -> Iterator[Any]:
    """An ADBC connection inside one REPEATABLE READ, READ ONLY transaction.

    The snapshot is taken at the first read, so every table and every id summary sees the
    same committed state; read only, it blocks no clerk. It is rolled back at the end
    (nothing to commit), also after a read left half done.
    """
    import adbc_driver_postgresql.dbapi as adbc_postgres

    connection = adbc_postgres.connect(_libpq_uri(database_url))  # autocommit off: BEGIN
    try:
        with connection.cursor() as cursor:
            cursor.execute("set transaction isolation level repeatable read, read only")
        yield connection
    finally:
        try:
            with suppress(Exception):  # the connection may be gone; nothing was written
                connection.rollback()
        finally:
            connection.close()


def _postgres_ids(connection: Any, table: Table) -> tuple[int, int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_ids_sql(table, _POSTGRES_QUOTE))
        row = cursor.fetchone()
    return (int(row[0]), int(row[1]), int(row[2]))


def _adbc_available() -> bool:
    """Whether the reader process can import the ADBC SQLite driver (this one does not)."""
    return bool(sys.executable) and all(
        importlib.util.find_spec(name) is not None
        for name in ("adbc_driver_manager", "adbc_driver_sqlite")
    )


# The reader process: one ADBC connection, one read transaction, and for each request
# line (JSON: sql, batch_rows) on stdin one Arrow IPC stream of the result on stdout. It
# imports only pyarrow and the driver (a quarter of a second), not this package.
_ADBC_READER = """
import json, os, sys
import adbc_driver_manager, adbc_driver_sqlite
import pyarrow as pa

out = os.fdopen(os.dup(1), "wb")  # the results; anything printed goes to stderr
os.dup2(2, 1)
database = adbc_driver_sqlite.connect(sys.argv[1])
connection = adbc_driver_manager.AdbcConnection(database)


def query(sql, batch_rows, sink):
    statement = adbc_driver_manager.AdbcStatement(connection)
    try:
        statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        statement.set_sql_query(sql)
        stream, _ = statement.execute_query()
        reader = pa.RecordBatchReader._import_from_c(stream.address)
        try:
            if sink is None:
                reader.read_all()
                return
            with pa.ipc.new_stream(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        finally:
            reader.close()
        sink.flush()
    finally:
        statement.close()


try:
    # A reader can meet SQLITE_BUSY in WAL mode too (while another connection recovers the
    # WAL index, say): wait as long as the engine's connections do (60 s).
    query("pragma busy_timeout = 60000", 1, None)
    connection.set_autocommit(False)  # BEGIN (deferred): the snapshot is the first read's
    for line in sys.stdin:
        request = json.loads(line)
        query(request["sql"], request["batch_rows"], out)
finally:
    try:
        if connection.get_option("adbc.connection.autocommit") != "true":
            connection.rollback()  # read only: nothing to commit
    finally:
        connection.close()
        database.close()
"""


class _AdbcReader:
    """ADBC reads of an SQLite file, in a child process, inside one read transaction.

    The child's connection turns autocommit off, so the driver issues BEGIN (deferred):
    the transaction takes its snapshot at the first read, of the first table, and every
    later table is read in the same transaction, so the copy is consistent (no lines
    without their entry). Unlike the SQLAlchemy path it takes no BEGIN IMMEDIATE:
    excluding writers is not needed for a consistent snapshot in WAL mode (the database's
    mode, transactional.database), and would make clerks' postings wait for the whole read,
    past the 60 s busy timeout at 10M journal lines. Rows committed during the read are
    simply not in this snapshot; the next incremental load reads them (on SQLite writers
    are serialised, so ids are committed in order). The price is a WAL that cannot be
    checkpointed past the snapshot until the read ends. Were the file in rollback-journal
    mode, the read transaction's shared lock would hold writers off until it ends: just as
    consistent.

    The child's SQLite is the driver's own copy: see the module docstring for why it must
    not share a process with Python's sqlite3.
    """

    def __init__(self, path: str) -> None:
        # The child's messages: a file, as a pipe nobody reads could fill and stall it.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._process = subprocess.Popen(
            [sys.executable, "-c", _ADBC_READER, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        self._stdin: IO[bytes] = self._process.stdin  # type: ignore[assignment]
        self._stdout: IO[bytes] = self._process.stdout  # type: ignore[assignment]
        self._reading = False

    def __enter__(self) -> _AdbcReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The result of ``sql``, streamed in batches of ``batch_rows`` rows."""
        if self._reading:
            # A result left half read leaves the rest of it in the pipe.
            raise RuntimeError("the ADBC reader is still sending an earlier result")
        self._reading = True
        request = json.dumps({"sql": sql, "batch_rows": batch_rows}) + "\n"
        try:
            self._stdin.write(request.encode())
            self._stdin.flush()
            reader = pa.ipc.open_stream(self._stdout)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                yield batch
        except (OSError, pa.ArrowException) as error:
            raise self._failure() from error
        self._reading = False

    def close(self) -> None:
        """End the read transaction and the process."""
        if self._reading:
            # A result left half read (the load failed): the child may be blocked writing
            # the rest of it, and nothing it holds is needed.
            self._process.kill()
        with suppress(OSError):  # it may have gone already
            self._stdin.close()  # the child's loop ends, it rolls back and exits
        code = self._wait(timeout=60)
        self._stdout.close()
        if code != 0 and not self._reading:
            # Every result arrived whole: the copy is good, only the ending failed.
            log.warning("the ADBC reader ended with exit code %d: %s", code, self._stderr())
        self._errors.close()

    def _wait(self, timeout: float) -> int:
        """The reader's exit code, killing it if it has not ended within ``timeout``."""
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()

    def _failure(self) -> RuntimeError:
        code = self._wait(timeout=10)
        return RuntimeError(f"the ADBC SQLite reader failed (exit code {code}): {self._stderr()}")

    def _stderr(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return "\n".join(lines[-20:]) or "no message"


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
    # The suffix is compared in Python: in LIKE, its underscores are wildcards, and
    # '%__load' also matched the real table trial_balance_load.
    left = target.execute(
        "select table_name from information_schema.tables where table_schema = ?",
        [RAW_SCHEMA],
    ).fetchall()
    for (name,) in left:
        if name.endswith(STAGED):
            target.execute(f'drop table if exists {RAW_SCHEMA}."{name}"')


def _load_replace(
    source: Read, target: duckdb.DuckDBPyConnection, table: Table
) -> tuple[int, list[str]]:
    target.execute(f"create or replace table {_staged(table)} ({_ddl(table)})")
    count = _insert(target, table, source(table, None), high_water=None)
    return count, _replace_swap(table)


def _load_incremental(
    source: Source,
    target: duckdb.DuckDBPyConnection,
    table: Table,
    *,
    full: bool,
    verify: bool = False,
) -> tuple[int, list[str]]:
    existing = _existing_columns(target, table.name)
    target.execute(f"create or replace table {_staged(table)} ({_ddl(table)})")
    if full or existing != [c.name for c in table.columns]:
        # First load, forced reload, or the source schema changed: start over.
        count = _insert(target, table, source(table, 0), high_water=None)
        return count, _replace_swap(table)
    rows = target.execute(f"select max(id) from {_raw(table)}").fetchall()
    high = int(rows[0][0]) if rows and rows[0][0] is not None else 0
    low = max(high - source.lookback, 0)
    count = _insert(
        target, table, source(table, low), high_water=high if source.lookback else None, low=low
    )
    if verify:
        loaded = target.execute(
            f"select count(*), coalesce(max(id), 0), coalesce(sum(id), 0) from"
            f" (select id from {_raw(table)} union all select id from {_staged(table)})"
        ).fetchall()[0]
        expected = source.ids(table)
        if tuple(int(v) for v in loaded) != expected:
            log.warning(
                "raw.%s differs from the source (rows, highest id, sum of ids: %s, not %s):"
                " reloading it",
                table.name,
                tuple(loaded),
                expected,
            )
            target.execute(f"create or replace table {_staged(table)} ({_ddl(table)})")
            count = _insert(target, table, source(table, 0), high_water=None)
            return count, _replace_swap(table)
    return count, [f"insert into {_raw(table)} select * from {_staged(table)}"]


def _insert(
    target: duckdb.DuckDBPyConnection,
    table: Table,
    batches: Iterator[pa.Table],
    high_water: int | None,
    low: int = 0,
) -> int:
    """Append the batches to the table's staging table, one commit per batch; with a
    ``high_water`` mark, only the rows of ids from ``low`` to it that raw does not hold."""
    statement = f"insert into {_staged(table)} select * from _chunk"
    if high_water is not None:
        # Rows up to the high-water mark were re-read for the lookback: keep the new ones.
        # Only the lookback window of the raw table is compared (its ids are in load
        # order, so DuckDB skips the other row groups): anti-joining all 15M audit rows
        # took a second of every quick refresh at 10M journal lines.
        statement += (
            f" where _chunk.id > {int(high_water)} or not exists"
            f" (select 1 from {_raw(table)} r where r.id = _chunk.id and r.id > {low})"
        )
    count = 0
    for batch in _prefetched(batches):
        if batch.num_rows == 0:
            continue
        target.register("_chunk", batch)
        try:
            inserted = target.execute(statement).fetchall()
        finally:
            target.unregister("_chunk")
        count += int(inserted[0][0]) if inserted else 0
    return count


PREFETCH_BATCHES = 2
_DONE = object()


def _prefetched(batches: Iterator[pa.Table], depth: int = PREFETCH_BATCHES) -> Iterator[pa.Table]:
    """The batches, read and decoded in a thread while the caller inserts the last ones.

    Reading (the ADBC child, the pipe, Arrow decoding; or the database driver) and
    DuckDB's insert both release the GIL, so on two cores they overlap instead of taking
    turns. At most ``depth`` batches wait in between, so memory stays flat. An error in the
    reader is raised here; when the caller stops early, the reader is abandoned and closed.
    """
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        """Queue ``item`` unless the caller has stopped; whether it was queued."""
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand_over(batch):
                    return
            item: Any = _DONE
        except BaseException as error:  # handed to the caller, raised there
            item = error
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # in this thread, where the generator ran
        hand_over(item)

    reader = threading.Thread(target=read, name="extract-prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=60)


def _batches(source: Connection, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    """The table's rows (with ``id > after_id`` when given) as Arrow tables of the raw types."""
    dialect = source.dialect.name
    if dialect == "sqlite":
        return _sqlite_batches(source, table, after_id)
    return _core_batches(source, table, after_id)  # PostgreSQL without its ADBC driver


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


def _adbc_batches(reader: _AdbcReader, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    """The table's rows read through ADBC, in the reader's one read transaction."""
    quote = _SQLITE_QUOTE
    selected: list[str] = []
    # Per column: where its values are in the result and, if it can be NULL text, its flag.
    plan: list[tuple[Column[Any], int, int | None]] = []
    for c in table.columns:
        name = quote(c.name)
        if c.nullable and _sqlite_stored_type(c.type) == pa.string():
            # Never NULL, so never taken for an integer when NULL fills the first batch.
            plan.append((c, len(selected), len(selected) + 1))
            selected += [f"coalesce({name}, '')", f"{name} is null"]
        else:
            plan.append((c, len(selected), None))
            selected.append(name)
    sql = f"select {', '.join(selected)} from {quote(table.name)}"
    if after_id is not None:
        sql += f" where {quote('id')} > {int(after_id)} order by {quote('id')}"
    schema = _arrow_schema(table)
    for batch in reader.query(sql, CHUNK_ROWS):  # streamed: one batch at a time
        if batch.num_rows == 0:
            continue
        arrays = []
        for column, at, flag in plan:
            values = batch.column(at)
            if flag is not None:
                values = _with_nulls(values, batch.column(flag))
            # As the sqlite3 path has them; an all-NULL integer column stays int64.
            values = values.cast(_sqlite_stored_type(column.type))
            arrays.append(_decode_sqlite(values, column))
        yield pa.Table.from_arrays(arrays, schema=schema)


def _with_nulls(values: pa.Array, is_null: pa.Array) -> pa.Array:
    """``values`` (never NULL) with NULL where the flag ``is_null`` is 1."""
    if pc.max(is_null).as_py() != 1:
        return values
    valid = pc.equal(is_null, 0)
    if values.offset == 0 and valid.offset == 0 and valid.null_count == 0:
        # The flags' bitmap becomes the validity bitmap: the text is not copied (the
        # strings of audit_log are 0.8 GB at scale 1).
        return pa.Array.from_buffers(
            values.type, len(values), [valid.buffers()[1], *values.buffers()[1:]]
        )
    return pc.if_else(valid, values, pa.scalar(None, values.type))


def _decode_sqlite(values: pa.ChunkedArray | pa.Array, column: Column[Any]) -> pa.Array:
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
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


def _postgres_batches(connection: Any, table: Table, after_id: int | None) -> Iterator[pa.Table]:
    """The table's rows read through ADBC (binary COPY), in batches of ``CHUNK_ROWS`` rows."""
    quote = _POSTGRES_QUOTE
    sql = f"select {', '.join(quote(c.name) for c in table.columns)} from {quote(table.name)}"
    if after_id is not None:
        sql += f" where {quote('id')} > {int(after_id)} order by {quote('id')}"
    schema = _arrow_schema(table)
    pending: pa.Table | None = None
    with connection.cursor() as cursor:
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        try:
            # The driver cuts batches by size (16 MB); DuckDB wants CHUNK_ROWS rows each.
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                decoded = _decode_postgres(batch, table, schema)
                pending = decoded if pending is None else pa.concat_tables([pending, decoded])
                while pending.num_rows >= CHUNK_ROWS:
                    yield pending.slice(0, CHUNK_ROWS)
                    pending = pending.slice(CHUNK_ROWS)
        finally:
            reader.close()  # a result abandoned half read is cancelled, not left open
    if pending is not None and pending.num_rows:
        yield pending


def _decode_postgres(batch: pa.RecordBatch, table: Table, schema: pa.Schema) -> pa.Table:
    arrays = []
    for column, field in zip(table.columns, schema, strict=True):
        values = batch.column(column.name)
        if isinstance(values, pa.ExtensionArray):
            values = values.storage  # NUMERIC: the driver's exact decimal text
        # int4 -> int64, NUMERIC text -> DECIMAL(p, s) (exact; a value with more
        # decimals than the column's scale would raise, never round), the rest as is.
        arrays.append(values.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


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


_SQLITE_QUOTE = sqlite.dialect().identifier_preparer.quote
_POSTGRES_QUOTE = postgresql.dialect().identifier_preparer.quote


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
