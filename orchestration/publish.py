"""Publishing the warehouse: both sides of the pointer (docs/marts.md, "Publishing").

The refresh builds ``<ERP_WAREHOUSE_DIR>/build/warehouse.duckdb``. DuckDB allows one
writer and no reader beside it, so dashboards never open the build file: :func:`publish`
copies it to ``published/warehouse-<UTC timestamp>.duckdb`` and then atomically replaces
the pointer file ``published/CURRENT``; :func:`published_path` is what readers open.
A reader holding an older copy keeps reading it undisturbed; the last few versions are
kept so such a reader is never pulled from under it.

No dagster import here: the dashboards use this module too.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from transactional import settings

BUILD_DIR = "build"
BUILD_FILE = "warehouse.duckdb"
PUBLISHED_DIR = "published"
POINTER = "CURRENT"
PREFIX = "warehouse-"
SUFFIX = ".duckdb"
KEEP_VERSIONS = 3  # default of ERP_PUBLISHED_VERSIONS


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
    _fold_wal(build)
    target_dir = published_dir(warehouse_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}{SUFFIX}"
    final = target_dir / name
    # Copy under a name no reader looks for, then rename: a version is complete or absent.
    partial = target_dir / f".{name}.partial"
    shutil.copyfile(build, partial)
    _fsync(partial)
    os.replace(partial, final)
    _write_pointer(target_dir, name)
    _prune(target_dir, keep=kept_versions(), current=name)
    return final


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


def published_path(warehouse_dir: Path | None = None) -> Path | None:
    """The published warehouse readers should open (read-only), or None before the first."""
    pointer = published_dir(warehouse_dir) / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = pointer.parent / name
    return path if name and path.is_file() else None


def published_versions(warehouse_dir: Path | None = None) -> list[Path]:
    """Published versions present, oldest first."""
    folder = published_dir(warehouse_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def _fold_wal(build: Path) -> None:
    # dbt closes its connection (which checkpoints), but a crashed writer can leave a
    # write-ahead log beside the file; a copy of the main file alone must be complete.
    if build.with_name(build.name + ".wal").exists():
        import duckdb

        with duckdb.connect(str(build)) as connection:
            connection.execute("checkpoint")


def _write_pointer(folder: Path, name: str) -> None:
    temporary = folder / f".{POINTER}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / POINTER)


def _prune(folder: Path, *, keep: int, current: str) -> None:
    versions = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    # A reader that opened an old version keeps its open file (POSIX unlink semantics).
    for old in versions[:-keep] if keep > 0 else versions:
        if old.name != current:
            old.unlink(missing_ok=True)
    for stale in folder.glob(f".{PREFIX}*.partial"):
        stale.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
