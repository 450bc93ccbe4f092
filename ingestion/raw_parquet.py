"""The raw layer as Parquet files, for the Spark engine (docs/spark.md).

The extract (ingestion.extract_load) loads the transactional tables into ``raw`` of the
build DuckDB file, incrementally where it can. For Spark, that raw layer is then written
out as one Parquet folder per table under ``<spark dir>/raw/<table>``, which dbt-spark
registers as tables of its ``raw`` database before the models run
(models/macros/spark_raw.sql). The ledger (``journal_line``) is partitioned by division
and fiscal year (``division=<id>/fiscal_year=<year>``, two extra columns beside the
table's own), so a cluster reads one company's year without scanning the others.

The new files are written beside the old ones and swapped in folder by folder only when
every table is written: a failed export leaves the previous raw layer whole.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from ingestion.extract_load import RAW_SCHEMA

RAW_FOLDER = "raw"
# Table -> the SELECT written out, with its partition columns, for partitioned tables.
PARTITIONED = {
    "journal_line": (
        "select line.*, line.division_id as division, years.year as fiscal_year"
        " from raw.journal_line as line"
        " join raw.journal_entry as entry on entry.id = line.entry_id"
        " join raw.fiscal_year as years on years.id = entry.fiscal_year_id",
        ("division", "fiscal_year"),
    ),
}


def raw_folder(spark_dir: Path) -> Path:
    return Path(spark_dir) / RAW_FOLDER


def export_raw(
    build: Path, spark_dir: Path, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Write every table of ``raw`` in ``build`` as Parquet under ``<spark_dir>/raw``;
    rows per table."""
    final = raw_folder(spark_dir)
    staging = final.with_name(RAW_FOLDER + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    with duckdb.connect(str(build), read_only=True) as source:
        tables = [
            name
            for (name,) in source.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE'"
                " and not ends_with(table_name, '__load') order by table_name",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        for table in tables:
            folder = staging / table
            if table in PARTITIONED:
                query, columns = PARTITIONED[table]
                source.execute(
                    f"copy ({query}) to '{_quoted(folder)}'"
                    f" (format parquet, partition_by ({', '.join(columns)}))"
                )
                # An empty ledger writes no folder: Spark still needs the table's columns
                # and a partitioned layout (one empty partition).
                if not folder.exists():
                    empty = folder.joinpath(*(f"{column}=0" for column in columns))
                    empty.mkdir(parents=True)
                    kept = ", ".join(columns)
                    source.execute(
                        f"copy (select * exclude ({kept}) from ({query}) limit 0)"
                        f" to '{_quoted(empty / 'empty.parquet')}' (format parquet)"
                    )
            else:
                folder.mkdir()
                source.execute(
                    f"copy {RAW_SCHEMA}.{table} to '{_quoted(folder / 'part-0.parquet')}'"
                    " (format parquet)"
                )
            (count,) = source.execute(f"select count(*) from {RAW_SCHEMA}.{table}").fetchone()  # type: ignore[misc]
            counts[table] = int(count)
            if progress is not None:
                progress(table, counts[table])
    old = final.with_name(RAW_FOLDER + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return counts


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
