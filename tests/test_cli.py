"""The `erp` command line: help everywhere, clear refusals of bad input."""

from __future__ import annotations

import subprocess
import sys
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


def erp(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
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
