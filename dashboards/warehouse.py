"""The published warehouse: which DuckDB file the dashboards read, and read-only queries.

The refresh builds a new DuckDB file and switches the pointer
``<ERP_WAREHOUSE_DIR>/published/CURRENT`` to it (docs/marts.md, "Publishing"). The app
reads the file named there, opening it read-only for every query and closing it again:
a connection held across reruns would pin an old version and keep a file handle on it.
Query results are cached keyed on the file name, so a new publication is a new cache key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class PublishedWarehouse:
    """One published, immutable warehouse file."""

    path: Path

    @property
    def version(self) -> str:
        """The published file name, e.g. ``warehouse-20260101T120000Z.duckdb``."""
        return self.path.name

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one SELECT on a fresh read-only connection and return the rows."""
        # DuckDB refuses parameters the statement does not use: pass only the used ones.
        used = set(_PARAMETER.findall(sql))
        bound = {k: v for k, v in (params or {}).items() if k in used}
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql, bound).df()
        finally:
            con.close()


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
