"""The Spark engine: dbt-spark builds the marts, the build DuckDB file receives them.

With ``ERP_WAREHOUSE_ENGINE=spark`` (or ``erp refresh --engine spark``) the refresh runs
the same assets and checks as with DuckDB; only the dbt step differs (docs/spark.md):

1. the extract loads ``raw`` of the build DuckDB file as always, then writes it out as
   Parquet for Spark (ingestion.raw_parquet);
2. ``dbt build --target spark`` runs the same models in one JVM (dbt-spark's
   ``method: session``): the raw tables are registered by an on-run-start hook, the
   marts land as Parquet tables in ``<spark dir>/warehouse/main.db``;
3. :func:`import_marts` copies those tables into the build file's ``main`` schema, typed
   by the marts' contracts, so the checks, the publish step and the dashboards read them
   exactly as they read DuckDB's own.

The JVM is started once per build (one dbt process) and not at all by the other steps.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

SPARK_TARGET = "spark"
MARTS_SCHEMA = "main"
CONF_DIR = Path(__file__).resolve().parent / "spark_conf"
MIN_JAVA = 17
SETUP_HINT = "bash .ci/setup --with-spark installs it (Debian's openjdk-17-jre-headless)"


class SparkUnavailable(RuntimeError):
    """This machine cannot run the Spark engine; the message says what is missing."""


def require_spark() -> None:
    """Java 17+ and pyspark with dbt-spark, or a one-line reason."""
    for module in ("pyspark", "dbt.adapters.spark"):
        if importlib.util.find_spec(module) is None:
            raise SparkUnavailable(
                f"the Spark engine needs the Python package {module.split('.')[-1]}; "
                "bash .ci/setup --with-spark installs it."
            )
    version = java_version()
    if version is None:
        raise SparkUnavailable(f"the Spark engine needs Java {MIN_JAVA} or newer; {SETUP_HINT}.")
    if version < MIN_JAVA:
        raise SparkUnavailable(
            f"the Spark engine needs Java {MIN_JAVA} or newer, this machine has Java "
            f"{version}; {SETUP_HINT}."
        )


def java_version() -> int | None:
    """The major version of the java that pyspark starts (JAVA_HOME's, else PATH's)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return None
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not found:
        return None
    major = int(found.group(1))
    # Java 8 and older call themselves 1.x.
    return int(found.group(2) or 0) if major == 1 else major


def spark_environment(spark_dir: Path) -> dict[str, str]:
    """What dbt's spark target reads (models/profiles.yml): its folder and Spark's config."""
    return {"ERP_SPARK_DIR": str(Path(spark_dir).resolve()), "SPARK_CONF_DIR": str(CONF_DIR)}


def tables_folder(spark_dir: Path) -> Path:
    """Where the session's managed tables live (``spark.sql.warehouse.dir``)."""
    return Path(spark_dir) / "warehouse"


def mart_contracts(manifest: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each mart (a model in the ``main`` schema) with its contract's columns and types,
    in contract order ([] for a mart without a contract)."""
    marts: dict[str, list[tuple[str, str]]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS_SCHEMA:
            continue
        columns = [
            (str(name), str(column["data_type"]))
            for name, column in node.get("columns", {}).items()
            if column.get("data_type")
        ]
        enforced = node.get("config", {}).get("contract", {}).get("enforced", False)
        marts[str(node.get("alias") or node["name"]).lower()] = columns if enforced else []
    return marts


def import_marts(build: Path, spark_dir: Path, manifest: Mapping[str, Any]) -> dict[str, int]:
    """Replace the marts in ``build`` by the tables Spark built; rows per mart.

    All marts change in one DuckDB transaction: a reader of the next publication never
    sees half of one engine's build and half of the other's.
    """
    folder = tables_folder(spark_dir) / f"{MARTS_SCHEMA}.db"
    counts: dict[str, int] = {}
    with duckdb.connect(str(build)) as target:
        target.execute(f"create schema if not exists {MARTS_SCHEMA}")
        target.execute("begin transaction")
        for mart, columns in sorted(mart_contracts(manifest).items()):
            files = folder / mart
            if not files.is_dir():
                raise FileNotFoundError(f"Spark built no table {MARTS_SCHEMA}.{mart} ({files})")
            parquet = sorted(str(p) for p in files.rglob("*.parquet"))
            name = f"{MARTS_SCHEMA}.{_identifier(mart)}"
            kind = target.execute(
                "select table_type from information_schema.tables"
                " where table_schema = ? and table_name = ?",
                [MARTS_SCHEMA, mart],
            ).fetchone()
            if kind is not None and kind[0] == "VIEW":
                target.execute(f"drop view {name}")
            if columns:
                target.execute(
                    f"create or replace table {name} ("
                    + ", ".join(f"{_identifier(c)} {t}" for c, t in columns)
                    + ")"
                )
                if parquet:
                    names = ", ".join(_identifier(c) for c, _ in columns)
                    target.execute(
                        f"insert into {name} ({names}) select {names} from read_parquet(?)",
                        [parquet],
                    )
            elif parquet:
                target.execute(
                    f"create or replace table {name} as select * from read_parquet(?)", [parquet]
                )
            else:
                raise FileNotFoundError(
                    f"Spark's table {MARTS_SCHEMA}.{mart} has no files and no contract to "
                    "type it by"
                )
            (count,) = target.execute(f"select count(*) from {name}").fetchone()  # type: ignore[misc]
            counts[mart] = int(count)
        target.execute("commit")
        target.execute("checkpoint")
    return counts


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
