"""The dbt project (models/) as dagster sees it.

``@dbt_assets`` reads ``models/target/manifest.json`` when the definitions are imported.
Setup, CI and the test fixture run ``dbt parse`` first; when the manifest is missing
anyway (a fresh clone), or under ``dagster dev`` (to pick up model edits), it is made
here with one ``dbt parse`` (a few seconds).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtProject

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"

erp_project = DbtProject(project_dir=MODELS_DIR, profiles_dir=MODELS_DIR)


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def dbt_environment(warehouse_path: Path | None = None) -> dict[str, str]:
    """Environment variables every dbt subprocess gets: the warehouse file, no telemetry."""
    env = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if warehouse_path is not None:
        env["ERP_WAREHOUSE_PATH"] = str(warehouse_path)
    return env


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (dbt subprocesses inherit them)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def parse_project() -> None:
    """Run ``dbt parse`` to (re)write the manifest.

    It parses against the warehouse path the refresh will use (unless ERP_WAREHOUSE_PATH
    names another): dbt's saved parse state depends on it, and a matching state lets the
    refresh's ``dbt build`` skip the full parse.
    """
    from orchestration.publish import build_path

    warehouse = Path(os.environ.get("ERP_WAREHOUSE_PATH") or build_path())
    subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(MODELS_DIR),
            "--profiles-dir",
            str(MODELS_DIR),
        ],
        check=True,
        cwd=MODELS_DIR,
        env={**os.environ, **dbt_environment(warehouse)},
    )


def ensure_manifest() -> Path:
    """The manifest path, parsing the project first if there is none (or under dagster dev)."""
    manifest = erp_project.manifest_path
    if not manifest.exists() or erp_project.preparer.using_dagster_dev():
        parse_project()
    return manifest
