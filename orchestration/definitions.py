"""The dagster code location: ``dagster dev -m orchestration.definitions`` (or plain
``dagster dev`` in the project folder, through ``[tool.dagster]`` in pyproject.toml).

The dbt assets are made from the manifest, which follows the dbt project: an in-process
refresh asks :func:`current_definitions`, which re-parses the project and rebuilds the
definitions when a model was added, changed or deleted since they were made (a process
that lives long, the dashboards' server, sees an analyst's edit without a restart).
"""

from __future__ import annotations

import threading

import dagster as dg

from orchestration.assets.dbt import build_dbt_assets, mart_keys
from orchestration.assets.extract import erp_extract
from orchestration.assets.published import build_published_warehouse
from orchestration.checks import all_checks
from orchestration.jobs import refresh_job
from orchestration.project import load_manifest, project_fingerprint
from orchestration.quick_refresh import quick_refresh_job
from orchestration.resources import build_resources
from orchestration.schedules import hourly_refresh
from orchestration.sensors import new_postings_sensor


def build_definitions() -> dg.Definitions:
    """The definitions for the dbt project as it is now (parsed first if it changed)."""
    dbt_models = build_dbt_assets(load_manifest())
    return dg.Definitions(
        assets=[erp_extract, dbt_models, build_published_warehouse(mart_keys(dbt_models))],
        asset_checks=all_checks,
        jobs=[refresh_job, quick_refresh_job],
        schedules=[hourly_refresh],
        sensors=[new_postings_sensor],
        resources=build_resources(),
    )


_LOCK = threading.Lock()
_CURRENT: dict[str, dg.Definitions] = {}  # project fingerprint -> its definitions


def current_definitions() -> dg.Definitions:
    """The definitions of the dbt project as it is on disk now: the ones made at import
    while the models are unchanged, else made again on a fresh parse."""
    with _LOCK:
        fingerprint = project_fingerprint()
        made = _CURRENT.get(fingerprint)
        if made is None:
            made = build_definitions()
            _CURRENT.clear()
            _CURRENT[fingerprint] = made
        return made


defs = current_definitions()
