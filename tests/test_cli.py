"""The `erp` command line: help everywhere, clear refusals of bad input."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
COMMANDS = [
    [],
    ["db"],
    ["db", "upgrade"],
    ["db", "reset"],
    ["generate"],
    ["refresh"],
    ["dashboards"],
    ["ui"],
    ["demo"],
]


def erp(
    *args: str, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "erp")
def test_every_command_has_help(command: list[str]) -> None:
    result = erp(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "--help" in result.stdout


def test_bad_command_line_input_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        "ERP_DATABASE_URL": f"sqlite:///{tmp_path / 'erp.db'}",
        "ERP_WAREHOUSE_DIR": str(tmp_path / "wh"),
    }
    bad_date = erp("generate", "--end-date", "2026-13-45", env=env)
    assert bad_date.returncode == 1 and "is not a date" in bad_date.stderr
    bad_scale = erp("generate", "--scale", "-1", env=env)
    assert bad_scale.returncode == 2 and "--scale" in bad_scale.stderr
    no_confirm = erp("db", "reset", env=env)
    assert no_confirm.returncode == 1 and "--yes" in no_confirm.stderr
    assert erp("db", "upgrade", env=env).returncode == 0
    bad_setting = erp("refresh", env={**env, "ERP_PUBLISHED_VERSIONS": "all"})
    assert bad_setting.returncode == 1
    assert "ERP_PUBLISHED_VERSIONS must be a whole number" in bad_setting.stderr
    assert not (tmp_path / "wh" / "published").exists()
    assert not (tmp_path / "wh" / "build").exists()  # refused before any work


def test_generate_refuses_a_database_that_holds_data(tmp_path: Path) -> None:
    from tests.transactional.company import build_company
    from transactional.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'erp.db'}"
    upgrade(url)
    build_company(url)
    result = erp("generate", "--scale", "0.001", env={"ERP_DATABASE_URL": url})
    assert result.returncode == 1 and "already holds data" in result.stderr


def test_generate_names_the_through_option_in_its_refusal(tmp_path: Path) -> None:
    result = erp(
        "generate", "--through", "2027-02-30", env={"ERP_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
    )
    assert result.returncode == 1 and "--through '2027-02-30' is not a date" in result.stderr


@pytest.mark.pipeline
def test_demo_runs_through_the_last_complete_month_and_opens_on_it(tmp_path: Path) -> None:
    """`erp demo` on 2027-03-06 (ERP_TODAY): books through 2027-02-28, years 2025-2027,
    and the dashboards open on February 2027, the last period with postings."""
    from dashboards.queries import finance
    from dashboards.selection import default_period
    from dashboards.warehouse import PublishedWarehouse
    from orchestration.publish import current_publication

    env = {
        "ERP_TODAY": "2027-03-06",
        "ERP_DATABASE_URL": f"sqlite:///{tmp_path / 'erp.db'}",
        "ERP_WAREHOUSE_DIR": str(tmp_path / "wh"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
    }
    (tmp_path / "dagster").mkdir()
    # Generate and a full refresh (every dbt test and check): minutes on a busy machine.
    result = erp("demo", "--scale", "0.0005", "--no-serve", env=env, timeout=1500)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "through 2027-02-28" in result.stderr
    publication = current_publication(tmp_path / "wh")
    assert publication is not None
    wh = PublishedWarehouse(publication.base, publication.delta)
    last = finance.last_posting_date(wh)
    assert last is not None and date(2027, 2, 21) <= last <= date(2027, 2, 28)
    periods = finance.fiscal_periods(wh)
    assert {int(y) for y in periods["fiscal_year"]} == {2025, 2026, 2027}
    # Years later, still the demo's last month, never an empty one.
    assert default_period(periods, date(2027, 3, 6), last) == (2027, 2)
    assert default_period(periods, date(2031, 3, 1), last) == (2027, 2)
