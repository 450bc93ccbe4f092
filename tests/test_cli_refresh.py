"""`erp refresh` and `erp dbt` on the command line: a failure is one readable cause on
screen with the traceback in a log under the warehouse folder, `--as-of-date` exists and
is checked, and the analyst's dbt command works on the configured warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import create_pg_database, drop_pg_database, pg_url

PROJECT = Path(__file__).resolve().parents[1]


def erp(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


def test_a_missing_database_is_one_line_and_the_log_is_under_the_warehouse(
    tmp_path: Path,
) -> None:
    env = {
        "ERP_DATABASE_URL": f"sqlite:///{tmp_path / 'nowhere' / 'erp.db'}",
        "ERP_WAREHOUSE_DIR": str(tmp_path / "wh"),
    }
    result = erp("refresh", env=env)
    assert result.returncode == 1
    assert f"there is no database at {tmp_path / 'nowhere' / 'erp.db'}" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4, result.stderr
    assert f"Details: {tmp_path / 'wh' / 'logs' / 'refresh.log'}" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_failing_step_is_one_cause_on_screen_and_its_traceback_in_the_log(
    tmp_path: Path,
) -> None:
    # A PostgreSQL database that is dropped: the extract cannot connect. dagster used to
    # print its error with every frame of the stack, hundreds of lines, before the cause.
    name = create_pg_database()
    drop_pg_database(name)
    warehouse = tmp_path / "wh"
    result = erp(
        "refresh", env={"ERP_DATABASE_URL": pg_url(name), "ERP_WAREHOUSE_DIR": str(warehouse)}
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 12, result.stderr
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr
    assert (
        "step erp_extract" in result.stderr and f'database "{name}" does not exist' in result.stderr
    )
    log = (warehouse / "logs" / "refresh.log").read_text(encoding="utf-8")
    assert 'File "' in log and f'database "{name}" does not exist' in log
    # dagster's instance and dbt's logs are under the warehouse folder too.
    assert (warehouse / "dagster_home" / "dagster.yaml").is_file()


def test_as_of_date_is_an_option_and_is_checked(tmp_path: Path) -> None:
    env = {"ERP_WAREHOUSE_DIR": str(tmp_path / "wh")}
    assert "--as-of-date" in erp("refresh", "--help", env=env).stdout
    bad = erp("refresh", "--as-of-date", "2026-13-45", env=env)
    assert bad.returncode == 1
    assert "--as-of-date '2026-13-45' is not a date" in bad.stderr


def test_engine_is_an_option_and_is_checked(tmp_path: Path) -> None:
    env = {"ERP_WAREHOUSE_DIR": str(tmp_path / "wh")}
    assert "--engine" in erp("refresh", "--help", env=env).stdout
    bad = erp("refresh", "--engine", "oracle", env=env)
    assert bad.returncode == 1
    assert "--engine 'oracle' is not an engine; use one of: duckdb, spark." in bad.stderr
    assert "Traceback" not in bad.stderr
    unset = erp("refresh", env={**env, "ERP_WAREHOUSE_ENGINE": "sparkle"})
    assert unset.returncode == 1
    assert "ERP_WAREHOUSE_ENGINE is 'sparkle'; it must be one of: duckdb, spark." in unset.stderr


def test_spark_without_java_says_what_to_install(tmp_path: Path) -> None:
    """A machine without Java 17: one line naming what is missing and how to get it,
    before anything is extracted or built."""
    env = {"ERP_WAREHOUSE_DIR": str(tmp_path / "wh"), "JAVA_HOME": str(tmp_path / "no-java")}
    result = erp("refresh", "--engine", "spark", env=env)
    assert result.returncode == 1
    assert "the Spark engine needs Java 17 or newer" in result.stderr
    assert "bash .ci/setup --with-spark" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "wh" / "build").exists()


def test_erp_dbt_works_on_the_configured_warehouse(tmp_path: Path) -> None:
    """The README's analyst command: dbt on models/, the build file and the logs under
    ERP_WAREHOUSE_DIR (the old command always used data/warehouse)."""
    warehouse = tmp_path / "wh"
    result = erp("dbt", "debug", env={"ERP_WAREHOUSE_DIR": str(warehouse)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"path: {warehouse / 'build' / 'warehouse.duckdb'}" in result.stdout
    assert (warehouse / "logs" / "dbt" / "dbt.log").is_file()
    assert erp("dbt", env={"ERP_WAREHOUSE_DIR": str(warehouse)}).returncode == 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_refresh_says_so_in_one_line(sig: signal.Signals, tmp_path: Path) -> None:
    """Stopped while it waits for the build file (held here, as a running refresh would):
    one line on screen, nothing published, the traceback in the log."""
    from orchestration.build_lock import holding_build

    database = tmp_path / "erp.db"
    database.touch()
    warehouse = tmp_path / "wh"
    env = {
        **os.environ,
        "ERP_DATABASE_URL": f"sqlite:///{database}",
        "ERP_WAREHOUSE_DIR": str(warehouse),
    }
    with holding_build(warehouse):
        command = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "refresh"],
            cwd=PROJECT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert command.stderr is not None
        try:
            # The project loaded (a stage line), then it waits for the build file.
            before = [command.stderr.readline() for _ in range(2)]
            assert "waiting for the running refresh" in before[-1], before
            command.send_signal(sig)
            _, rest = command.communicate(timeout=120)
        finally:
            if command.poll() is None:
                command.kill()
    assert command.returncode == 1
    assert "the refresh was stopped before it published" in rest
    assert "Traceback" not in rest and len(rest.strip().splitlines()) <= 3, rest
    assert "KeyboardInterrupt" in (warehouse / "logs" / "refresh.log").read_text()
    assert not (warehouse / "published").exists()
