"""Publishing the warehouse: both sides of the pointer (docs/marts.md, "Publishing").

The refresh builds ``<ERP_WAREHOUSE_DIR>/build/warehouse.duckdb``. DuckDB allows one
writer and no reader beside it, so dashboards never open the build file: :func:`publish`
copies it to ``published/warehouse-<UTC timestamp>.duckdb`` and then atomically replaces
the pointer file ``published/CURRENT``. A reader holding an older copy keeps reading it
undisturbed; the last few versions are kept so such a reader is never pulled from under it.

At 10M journal lines that copy is 6 GB and takes 12-22 s, longer than the whole quick
refresh may. So the quick refresh publishes a *delta* instead (:func:`publish_delta`): a
small ``delta-<UTC timestamp>.duckdb`` holding the marts (``main`` schema) as they are now,
except that an append-only mart (the incremental ``fct_gl_lines``) holds only the rows
added since the full copy. CURRENT then names the full copy and the delta; readers open
the pair with :func:`connect`, which presents each mart under its own name, the appended
ones as the full copy's rows followed by the delta's. Each delta holds everything since
its full copy, so a reader never needs more than two files; the next full refresh
publishes a full copy again.

No dagster import here: the dashboards use this module too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from transactional import settings

if TYPE_CHECKING:
    import duckdb

BUILD_DIR = "build"
BUILD_FILE = "warehouse.duckdb"
PUBLISHED_DIR = "published"
POINTER = "CURRENT"
PREFIX = "warehouse-"
DELTA_PREFIX = "delta-"
SUFFIX = ".duckdb"
KEEP_VERSIONS = 3  # default of ERP_PUBLISHED_VERSIONS
MARTS = "main"  # the schema the dashboards read (dbt's marts)
# In a delta file: which marts it holds and how each combines with the full copy.
LAYER_TABLE = "published_layer.marts"
APPEND, REPLACE = "append", "replace"
BASE_ALIAS, DELTA_ALIAS = "published_base", "published_delta"


@dataclass(frozen=True)
class Publication:
    """What CURRENT names: a full copy of the warehouse, and the delta on top of it if any."""

    base: Path
    delta: Path | None = None

    @property
    def version(self) -> str:
        """A name that changes with every publication (caches are keyed on it)."""
        return self.base.name if self.delta is None else f"{self.base.name}+{self.delta.name}"

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.base,) if self.delta is None else (self.base, self.delta)


def build_path(warehouse_dir: Path | None = None) -> Path:
    """The file dagster extracts into and dbt builds: ``<dir>/build/warehouse.duckdb``."""
    base = warehouse_dir if warehouse_dir is not None else settings.warehouse_dir()
    return Path(base) / BUILD_DIR / BUILD_FILE


def published_dir(warehouse_dir: Path | None = None) -> Path:
    base = warehouse_dir if warehouse_dir is not None else settings.warehouse_dir()
    return Path(base) / PUBLISHED_DIR


def publish(build: Path, warehouse_dir: Path | None = None) -> Path:
    """Copy the built warehouse to a new published version and point CURRENT at it."""
    build = Path(build)
    if not build.is_file():
        raise FileNotFoundError(f"No warehouse has been built at {build}; run the refresh first.")
    keep = kept_versions()
    _fold_wal(build)
    target_dir = published_dir(warehouse_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = _stamped(PREFIX)
    final = target_dir / name
    # Copy under a name no reader looks for, then rename: a version is complete or absent.
    partial = target_dir / f".{name}.partial"
    shutil.copyfile(build, partial)
    _fsync(partial)
    os.replace(partial, final)
    _write_pointer(target_dir, Publication(final))
    _prune(target_dir, keep=keep, current=Publication(final))
    return final


def publish_delta(
    build: Path, append_only: Mapping[str, str], warehouse_dir: Path | None = None
) -> Publication:
    """Publish the build's marts as a delta on the current full copy (see the module doc).

    ``append_only`` maps each mart that only ever gains rows (dbt's incremental models) to
    its key column. Falls back to a full copy (:func:`publish`) when there is no full copy
    yet or the build's marts no longer line up with it: a mart added, dropped or changed
    in its columns, or an append-only mart whose rows of the full copy are not all still
    there, first and unchanged in number and keys.
    """
    build = Path(build)
    if not build.is_file():
        raise FileNotFoundError(f"No warehouse has been built at {build}; run the refresh first.")
    keep = kept_versions()
    current = current_publication(warehouse_dir)
    if current is None:
        return Publication(publish(build, warehouse_dir))
    import duckdb

    target_dir = published_dir(warehouse_dir)
    name = _stamped(DELTA_PREFIX)
    partial = target_dir / f".{name}.partial"
    with duckdb.connect(str(build)) as connection:
        connection.execute(f"attach {_literal(current.base)} as {BASE_ALIAS} (read_only)")
        plan = _delta_plan(connection, append_only)
        if plan is not None:
            _write_delta(connection, partial, plan)
        connection.execute(f"detach {BASE_ALIAS}")
    if plan is None:
        return Publication(publish(build, warehouse_dir))
    _fsync(partial)
    final = target_dir / name
    os.replace(partial, final)
    publication = Publication(current.base, final)
    _write_pointer(target_dir, publication)
    _prune(target_dir, keep=keep, current=publication)
    return publication


def _write_delta(
    connection: duckdb.DuckDBPyConnection, path: Path, plan: Mapping[str, tuple[str, int]]
) -> None:
    schema = LAYER_TABLE.split(".")[0]
    connection.execute(f"attach {_literal(path)} as {DELTA_ALIAS}")
    connection.execute(f"create schema {DELTA_ALIAS}.{schema}")
    connection.execute(f"create table {DELTA_ALIAS}.{LAYER_TABLE} (name varchar, mode varchar)")
    for table, (mode, base_rows) in plan.items():
        rows = "" if mode == REPLACE else f" where rowid >= {base_rows}"
        connection.execute(
            f'create table {DELTA_ALIAS}.{MARTS}."{table}" as select * from {MARTS}."{table}"{rows}'
        )
        connection.execute(f"insert into {DELTA_ALIAS}.{LAYER_TABLE} values (?, ?)", [table, mode])
    # Everything into the file itself, no write-ahead log beside it: readers open one file.
    connection.execute(f"checkpoint {DELTA_ALIAS}")
    connection.execute(f"detach {DELTA_ALIAS}")


def _delta_plan(
    connection: duckdb.DuckDBPyConnection, append_only: Mapping[str, str]
) -> dict[str, tuple[str, int]] | None:
    """Each mart -> (append or replace, rows of the full copy); None when they do not line up."""
    build_marts = _columns(connection, "current_database()")
    base_marts = _columns(connection, f"'{BASE_ALIAS}'")
    if build_marts != base_marts:
        return None
    plan: dict[str, tuple[str, int]] = {}
    for table in build_marts:
        key = append_only.get(table)
        if key is None:
            plan[table] = (REPLACE, 0)
            continue
        # The full copy's rows must be the build's first rows, as they are while the
        # incremental model only appends (a row id is a row's place in the table): same
        # count and same keys below that place; otherwise the delta would repeat or
        # lose rows, and a full copy is published instead.
        base = connection.execute(
            f'select count(*), sum(hash("{key}")) from {BASE_ALIAS}.{MARTS}."{table}"'
        ).fetchone()
        assert base is not None
        head = connection.execute(
            f'select count(*), sum(hash("{key}")) from {MARTS}."{table}" where rowid < ?',
            [base[0]],
        ).fetchone()
        if head != base:
            return None
        plan[table] = (APPEND, int(base[0]))
    return plan


def _columns(connection: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple]]:
    rows = connection.execute(
        f"""
        select table_name, column_name, data_type from duckdb_columns()
        where database_name = {database} and schema_name = '{MARTS}'
            and table_name in (
                select table_name from duckdb_tables()
                where database_name = {database} and schema_name = '{MARTS}'
            )
        order by table_name, column_index
        """
    ).fetchall()
    columns: dict[str, list[tuple]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


# Marts without a division_id column that every user may read: the calendar and the
# shared chart's layout. Any other mart without one is left out of a scoped connection,
# so a new mart is hidden from scoped users until it carries its division (fail closed).
SHARED_MARTS = frozenset({"dim_accounts", "dim_dates", "dim_group_accounts"})
# The consolidation marts carry the group level they belong to (docs/consolidation.md,
# "Who sees consolidated figures"): a scoped connection shows a level's rows only when the
# scope holds every division ever in that level (dim_group_levels), since its group
# column and eliminations are made of all of them.
LEVEL_COLUMN = "group_division_id"
LEVELS_MART = "dim_group_levels"


def connect(
    publication: Publication, divisions: frozenset[int] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection showing the published marts under their own names.

    A full copy alone, for the whole group (``divisions`` None), is opened as it is.
    Otherwise an in-memory database attaches the file(s) read-only and holds one view
    per mart of the full copy: with a delta, the delta's table where it replaces the
    mart, the full copy's rows followed by the delta's where it appends; with
    ``divisions``, only those divisions' rows (rows of no division, such as the shared
    chart, stay), and a mart without a ``division_id`` column only when it is one of
    :data:`SHARED_MARTS`. The views live in the in-memory database, so every cursor of
    the connection sees them. Other schemas (raw, staging) are the full copy's, as
    ``published_base.*``. A mart with a ``group_division_id`` column (consolidation) keeps,
    under ``divisions``, only the group levels all of whose divisions are in the scope.
    """
    import duckdb

    if publication.delta is None and divisions is None:
        return duckdb.connect(str(publication.base), read_only=True)
    connection = duckdb.connect()
    try:
        connection.execute(f"attach {_literal(publication.base)} as {BASE_ALIAS} (read_only)")
        modes: dict[str, str] = {}
        if publication.delta is not None:
            connection.execute(
                f"attach {_literal(publication.delta)} as {DELTA_ALIAS} (read_only)"
            )
            modes = dict(
                connection.execute(
                    f"select name, mode from {DELTA_ALIAS}.{LAYER_TABLE}"
                ).fetchall()
            )
        marts = connection.execute(
            f"""
            select t.table_name, bool_or(c.column_name = 'division_id'),
                   bool_or(c.column_name = '{LEVEL_COLUMN}')
            from duckdb_tables() t
            join duckdb_columns() c
                on c.database_name = t.database_name and c.schema_name = t.schema_name
                and c.table_name = t.table_name
            where t.database_name = '{BASE_ALIAS}' and t.schema_name = '{MARTS}'
            group by t.table_name
            order by t.table_name
            """
        ).fetchall()
        def source_of(table: str) -> str:
            base = f'{BASE_ALIAS}.{MARTS}."{table}"'
            delta = f'{DELTA_ALIAS}.{MARTS}."{table}"'
            mode = modes.get(table)
            return (
                f"select * from {delta}"
                if mode == REPLACE
                else f"select * from {base} union all select * from {delta}"
                if mode == APPEND
                else f"select * from {base}"
            )

        levels = (
            _covered_levels(connection, source_of(LEVELS_MART), divisions)
            if divisions is not None and any(t == LEVELS_MART for t, *_ in marts)
            else None
        )
        for table, has_division, has_level in marts:
            source = source_of(table)
            if divisions is not None:
                if has_division:
                    source = f"select * from ({source}) where {_division_filter(divisions)}"
                elif table not in SHARED_MARTS:
                    continue
                if has_level:
                    source = f"select * from ({source}) where {_level_filter(levels or set())}"
            connection.execute(f'create view {MARTS}."{table}" as {source}')
    except BaseException:
        connection.close()
        raise
    return connection


def _division_filter(divisions: frozenset[int]) -> str:
    """``division_id in (...)`` for ids (ints, so safe to inline); none: no rows but the
    shared ones (division_id null)."""
    ids = ", ".join(str(int(d)) for d in sorted(divisions))
    return f"(division_id is null or division_id in ({ids}))" if ids else "division_id is null"


def _covered_levels(
    connection: duckdb.DuckDBPyConnection, levels_source: str, divisions: frozenset[int]
) -> set[int]:
    """The group levels every division of which is in ``divisions``."""
    inside = ", ".join(str(int(d)) for d in sorted(divisions)) or "null"
    rows = connection.execute(
        f"""
        select {LEVEL_COLUMN} from ({levels_source})
        group by {LEVEL_COLUMN}
        having bool_and(coalesce(division_id in ({inside}), false))
        """
    ).fetchall()
    return {int(r[0]) for r in rows}


def _level_filter(levels: set[int]) -> str:
    """``group_division_id in (...)`` for the covered levels (ints, so safe to inline)."""
    ids = ", ".join(str(int(level)) for level in sorted(levels))
    return f"{LEVEL_COLUMN} in ({ids})" if ids else "false"


def kept_versions() -> int:
    """How many published versions stay on disk (``ERP_PUBLISHED_VERSIONS``, default 3).

    At 10M journal lines a version is over 10 GB; 1 still never pulls a file from under a
    reader (it keeps its open file), it only stops new readers from choosing an old one.
    """
    raw = os.environ.get("ERP_PUBLISHED_VERSIONS", "").strip()
    if not raw:
        return KEEP_VERSIONS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(
            f"ERP_PUBLISHED_VERSIONS must be a whole number of at least 1, not {raw!r}"
        )
    return int(raw)


def current_publication(warehouse_dir: Path | None = None) -> Publication | None:
    """What readers should open (with :func:`connect`), or None before the first publish."""
    pointer = published_dir(warehouse_dir) / POINTER
    try:
        names = pointer.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None
    if not names:
        return None
    files = [pointer.parent / name for name in names[:2]]
    if not all(path.is_file() for path in files):
        return None
    return Publication(files[0], files[1] if len(files) > 1 else None)


def published_versions(warehouse_dir: Path | None = None) -> list[Path]:
    """Published full copies present, oldest first."""
    return _present(published_dir(warehouse_dir), PREFIX)


def published_deltas(warehouse_dir: Path | None = None) -> list[Path]:
    """Published deltas present, oldest first."""
    return _present(published_dir(warehouse_dir), DELTA_PREFIX)


def _present(folder: Path, prefix: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{prefix}*{SUFFIX}") if p.is_file())


def _stamped(prefix: str) -> str:
    return f"{prefix}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}{SUFFIX}"


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _fold_wal(build: Path) -> None:
    # dbt closes its connection (which checkpoints), but a crashed writer can leave a
    # write-ahead log beside the file; a copy of the main file alone must be complete.
    if build.with_name(build.name + ".wal").exists():
        import duckdb

        with duckdb.connect(str(build)) as connection:
            connection.execute("checkpoint")


def _write_pointer(folder: Path, publication: Publication) -> None:
    # One write of one small file, renamed into place: a reader sees both names or the old.
    temporary = folder / f".{POINTER}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{path.name}\n" for path in publication.files))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / POINTER)


def _prune(folder: Path, *, keep: int, current: Publication) -> None:
    # A reader that opened an old version keeps its open file (POSIX unlink semantics).
    in_use = {path.name for path in current.files}
    for prefix in (PREFIX, DELTA_PREFIX):
        versions = _present(folder, prefix)
        for old in versions[:-keep] if keep > 0 else versions:
            if old.name not in in_use:
                old.unlink(missing_ok=True)
    for stale in folder.glob(".*.partial"):
        stale.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
