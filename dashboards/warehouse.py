"""The published warehouse: which DuckDB file the dashboards read, and read-only queries.

The refresh builds a new DuckDB file and switches the pointer
``<ERP_WAREHOUSE_DIR>/published/CURRENT`` to it (docs/marts.md, "Publishing"). The app
reads what is named there, read-only: a full copy of the warehouse, or after a quick
refresh that copy with a small delta on top (``orchestration.publish.connect`` presents
the pair as one set of marts). Opening a DuckDB file costs about 25 ms (more on a
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

# orchestration.publish holds both sides of the pointer and imports no dagster.
from orchestration.publish import Publication, connect, current_publication

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_OPEN: dict[tuple[Publication, frozenset[int] | None], duckdb.DuckDBPyConnection] = {}
_OPENING = threading.Lock()


def _connection(
    publication: Publication, divisions: frozenset[int] | None
) -> duckdb.DuckDBPyConnection:
    """The process's read-only connection to a publication for one division scope; older
    publications' connections closed."""
    with _OPENING:
        con = _OPEN.get((publication, divisions))
        if con is None:
            con = connect(publication, divisions)
            newer_than = _newest(publication)
            for old in [k for k in _OPEN if _newest(k[0]) < newer_than]:
                _OPEN.pop(old).close()
            _OPEN[(publication, divisions)] = con
        return con


def _newest(publication: Publication) -> float:
    try:
        return max(path.stat().st_mtime for path in publication.files)
    except FileNotFoundError:  # pruned by the publisher
        return 0.0


@dataclass(frozen=True)
class PublishedWarehouse:
    """One publication (an immutable full copy of the warehouse and its delta, if any) as
    one user may read it: ``divisions`` are the division ids of their scope, None for the
    whole group. Every read of the published marts goes through :meth:`query` or
    :meth:`connection`, whose connection holds only those divisions' rows
    (``orchestration.publish.connect``), so no page can show another division's figure.
    The scope is part of the object, hence of every cached query's key."""

    path: Path
    delta: Path | None = None
    divisions: frozenset[int] | None = None

    @property
    def publication(self) -> Publication:
        return Publication(self.path, self.delta)

    @property
    def version(self) -> str:
        """The published file name(s), e.g. ``warehouse-20260101T120000Z.duckdb``."""
        return self.publication.version

    def connection(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the process's read-only connection (close it after use)."""
        return _connection(self.publication, self.divisions).cursor()

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one SELECT on its own cursor of the file's read-only connection."""
        # DuckDB refuses parameters the statement does not use: pass only the used ones.
        used = set(_PARAMETER.findall(sql))
        bound = {k: v for k, v in (params or {}).items() if k in used}
        cursor = self.connection()
        try:
            return cursor.execute(sql, bound).df()
        finally:
            cursor.close()


def current(divisions: frozenset[int] | None) -> PublishedWarehouse | None:
    """The last published warehouse as a user with the scope ``divisions`` (None: the
    whole group) reads it, or None when the first refresh has not run."""
    publication = current_publication()
    if publication is None:
        return None
    return PublishedWarehouse(publication.base, publication.delta, divisions)
