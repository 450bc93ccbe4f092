"""The published warehouse: which DuckDB file the dashboards read, and read-only queries.

The refresh builds a new DuckDB file and switches the pointer
``<ERP_WAREHOUSE_DIR>/published/CURRENT`` to it (docs/marts.md, "Publishing"). The app
reads the file named there, read-only. Opening a DuckDB file costs about 25 ms (more on a
busy machine) and a page runs a dozen queries, so the process keeps one read-only
connection per published file and runs each query on its own cursor (a cursor is DuckDB's
per-thread handle: Streamlit serves sessions from several threads). When the pointer moves
on, the connections to older files are closed the next time a newer file is opened, so an
old version is not pinned for long (the publisher may delete it: POSIX keeps an open file
readable). Query results are cached keyed on the file name, so a new publication is a new
cache key.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_OPEN: dict[Path, duckdb.DuckDBPyConnection] = {}
_OPENING = threading.Lock()


def _connection(path: Path) -> duckdb.DuckDBPyConnection:
    """The process's read-only connection to ``path``; older files' connections closed."""
    with _OPENING:
        con = _OPEN.get(path)
        if con is None:
            con = duckdb.connect(str(path), read_only=True)
            newer_than = path.stat().st_mtime
            for old in [p for p in _OPEN if _older(p, newer_than)]:
                _OPEN.pop(old).close()
            _OPEN[path] = con
        return con


def _older(path: Path, mtime: float) -> bool:
    try:
        return path.stat().st_mtime < mtime
    except FileNotFoundError:  # pruned by the publisher
        return True


@dataclass(frozen=True)
class PublishedWarehouse:
    """One published, immutable warehouse file."""

    path: Path

    @property
    def version(self) -> str:
        """The published file name, e.g. ``warehouse-20260101T120000Z.duckdb``."""
        return self.path.name

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one SELECT on its own cursor of the file's read-only connection."""
        # DuckDB refuses parameters the statement does not use: pass only the used ones.
        used = set(_PARAMETER.findall(sql))
        bound = {k: v for k, v in (params or {}).items() if k in used}
        cursor = _connection(self.path).cursor()
        try:
            return cursor.execute(sql, bound).df()
        finally:
            cursor.close()


def published_path() -> Path | None:
    """The file the pointer names, or None when nothing has been published yet."""
    # orchestration.publish holds both sides of the pointer and imports no dagster.
    from orchestration.publish import published_path as pointer_target

    return pointer_target()


def current() -> PublishedWarehouse | None:
    """The last published warehouse, or None when the first refresh has not run."""
    path = published_path()
    if path is None or not path.is_file():
        return None
    return PublishedWarehouse(path)
