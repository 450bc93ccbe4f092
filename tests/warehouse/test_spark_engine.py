"""The second engine: the same dbt project built on Apache Spark gives the same marts.

The tiny demo company is refreshed twice, into two warehouse folders: once on DuckDB (the
run's refreshed demo, tests/conftest.py refreshed_demo, which the dashboard tests read too)
and once, from a copy of the same ledger, with ``ERP_WAREHOUSE_ENGINE=spark`` (dbt-spark,
``method: session``, one JVM). Both publish a DuckDB file; every mart of the two is
compared row for row after casting to the contract's types. Java 17 is a real part of this
engine: without it these tests fail with the reason (``bash .ci/setup --with-spark``
installs it), they never skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.publish import Publication, current_publication
from tests.conftest import TODAY, refreshed_demo

# Two full refreshes (one on Spark) in the module fixture: under a second worker's load
# they can outlast the suite's 15 minutes per test.
pytestmark = [pytest.mark.pipeline, pytest.mark.spark, pytest.mark.timeout(2400)]

# The ageing date is an input, the same on both engines: the DuckDB side's refresh took
# the suite's fixed ERP_TODAY (tests/conftest.py), so Spark's is given that date.
AS_OF = TODAY


@dataclass(frozen=True)
class Built:
    duckdb: Publication
    spark: Publication
    spark_dir: Path


def _refresh(engine: str, warehouse: Path, patch: pytest.MonkeyPatch) -> Publication:
    from orchestration.refresh import run_refresh

    patch.setenv("ERP_WAREHOUSE_DIR", str(warehouse))
    patch.setenv("ERP_WAREHOUSE_ENGINE", engine)
    assert run_refresh(full=True, as_of_date=AS_OF) == "refresh"
    publication = current_publication(warehouse)
    assert publication is not None, f"the {engine} refresh published nothing"
    return publication


@pytest.fixture(scope="module")
def built(definitions: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from orchestration.spark_engine import require_spark

    require_spark()  # a missing Java fails here with what to install
    demo = refreshed_demo(tmp_path_factory)  # read only: other modules copy it
    duck = current_publication(demo / "warehouse")
    assert duck is not None, "the DuckDB refresh published nothing"
    folder = tmp_path_factory.mktemp("engine_spark")
    shutil.copy(demo / "erp.db", folder / "erp.db")  # its own: the run's is shared
    spark_dir = folder / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERP_DATABASE_URL", f"sqlite:///{folder / 'erp.db'}")
        # The tiny company's tables fit one task each: fewer partitions, fewer tasks.
        patch.setenv("ERP_SPARK_SHUFFLE_PARTITIONS", "1")
        spark = _refresh("spark", spark_dir, patch)
    yield Built(duck, spark, spark_dir / "spark")


def contracts() -> dict[str, list[tuple[str, str]]]:
    """Mart -> its contract's (column, data_type), from the session's manifest."""
    from orchestration.project import erp_project
    from orchestration.spark_engine import mart_contracts

    manifest = json.loads(erp_project.manifest_path.read_text(encoding="utf-8"))
    return mart_contracts(manifest)


def first_difference(
    connection: duckdb.DuckDBPyConnection, mart: str, columns: list[tuple[str, str]]
) -> str | None:
    """None when the mart holds the same rows in both files (as multisets); else the first
    row (in sort order) that one engine has and the other has not."""
    typed = ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns)
    order = ", ".join(str(i + 1) for i in range(len(columns)))
    for this, other in (("duck", "spark"), ("spark", "duck")):
        row = connection.execute(
            f"select * from (select {typed} from {this}.main.{mart}"
            f" except all select {typed} from {other}.main.{mart}) order by {order} limit 1"
        ).fetchone()
        if row is not None:
            names = [name for name, _ in columns]
            return f"{mart}: only on {this}: {dict(zip(names, row, strict=True))}"
    return None


def test_every_mart_is_the_same_on_both_engines(built: Built) -> None:
    marts = contracts()
    assert {"fct_gl_lines", "mart_trial_balance", "mart_abc_items"} <= marts.keys()
    connection = duckdb.connect()
    connection.execute(f"attach '{built.duckdb.base}' as duck (read_only)")
    connection.execute(f"attach '{built.spark.base}' as spark (read_only)")
    compared = 0
    for mart, contract in sorted(marts.items()):
        # A mart without a contract (dim_dates) is compared in DuckDB's build's types.
        columns = (
            contract
            or connection.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_catalog = 'duck' and table_schema = 'main' and table_name = ?"
                " order by ordinal_position",
                [mart],
            ).fetchall()
        )
        assert columns, f"{mart} is not in the DuckDB build"
        counts = [
            connection.execute(f"select count(*) from {db}.main.{mart}").fetchone()[0]  # type: ignore[index]
            for db in ("duck", "spark")
        ]
        assert counts[0] == counts[1], f"{mart}: {counts[0]} rows on DuckDB, {counts[1]} on Spark"
        difference = first_difference(connection, mart, columns)
        assert difference is None, difference
        compared += counts[0]
    # The comparison compared something: the demo's ledger alone has thousands of lines.
    assert compared > 10_000


def test_spark_tables_are_partitioned_parquet(built: Built) -> None:
    """The raw ledger Spark read is split by division and fiscal year; the marts it built
    are Parquet tables of the session's warehouse folder."""
    ledger = built.spark_dir / "raw" / "journal_line"
    partitions = {p.relative_to(ledger).as_posix() for p in ledger.glob("division=*/fiscal_year=*")}
    assert partitions, "the raw ledger was not partitioned"
    assert all(p.split("/")[1].removeprefix("fiscal_year=").isdigit() for p in partitions)
    assert len({p.split("/")[0] for p in partitions}) == 5  # the demo group's five divisions
    marts = built.spark_dir / "warehouse" / "main.db"
    assert list((marts / "fct_gl_lines").glob("*.parquet"))


def _dbt_show(sql: str, spark_dir: Path) -> tuple[list[dict[str, Any]] | None, str]:
    """``dbt show --inline`` on the Spark target (in the folder the refresh used): the
    rows, or None when the query failed, and dbt's messages."""
    import os

    from orchestration.project import MODELS_DIR, dbt_environment, dbt_executable
    from orchestration.spark_engine import spark_environment

    env = {**os.environ, **dbt_environment(), **spark_environment(spark_dir)}
    command = [
        dbt_executable(), "show", "--target", "spark", "--output", "json",
        "--log-format", "json", "--inline", sql,
        "--project-dir", str(MODELS_DIR), "--profiles-dir", str(MODELS_DIR),
        "--target-path", str(spark_dir / "show-target"), "--log-path", str(spark_dir / "logs"),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=MODELS_DIR, timeout=600
    )
    messages = []
    for line in done.stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        messages.append(event["info"]["msg"])
        if event["info"]["name"] == "ShowNode" and done.returncode == 0:
            return json.loads(event["data"]["preview"]), "\n".join(messages)
    return None, "\n".join(messages)


def test_a_value_that_does_not_fit_stops_spark_as_it_stops_duckdb(built: Built) -> None:
    """dbt-spark turns ANSI mode off: a plain cast that overflows gives NULL there (an
    amount silently gone from every sum), where DuckDB raises. The marts' casts go through
    ``money()`` (``checked_cast``), which raises on Spark too."""
    too_big = "cast(12345678901234567.5 as decimal(19, 1))"  # 17 digits before the point
    with pytest.raises(duckdb.ConversionException):
        duckdb.sql(f"select cast({too_big} as decimal(18, 2))").fetchall()
    rows, messages = _dbt_show(
        f"select cast({too_big} as decimal(18, 2)) as plain, {{{{ money('12.345') }}}} as fits",
        built.spark_dir,
    )
    # The hazard: Spark's plain cast gives NULL; a value that fits is rounded half up.
    assert rows == [{"plain": None, "fits": 12.35}], messages[-2000:]
    rows, messages = _dbt_show(f"select {{{{ money('{too_big}') }}}} as amount", built.spark_dir)
    assert rows is None, rows
    assert "does not fit decimal(18, 2)" in messages, messages[-2000:]
