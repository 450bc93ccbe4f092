"""The dbt models as assets: staging, intermediate and marts, built with ``dbt build``.

dbt's tests arrive as asset checks on their models. The dbt sources (the raw tables) are
all mapped to the extract asset, so the lineage reads extract -> staging -> marts; the
groups follow the folders (staging, intermediate, core, finance).
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from pydantic import Field

from orchestration.assets.extract import EXTRACT_KEY
from orchestration.project import dbt_environment, ensure_manifest, environment, erp_project
from orchestration.resources import ErpWarehouse

MART_GROUPS = ("core", "finance", "wholesale")
# dbt writes its artifacts per invocation under target/runs/<run>; keep the newest few.
KEEP_TARGETS = 5


class ErpDbtTranslator(DagsterDbtTranslator):
    """Sources -> the extract asset; groups from the model's folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return EXTRACT_KEY
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "extract"
        # fqn: ['erp', 'staging', 'erp', 'stg_erp__x'] or ['erp', 'marts', 'finance', 'fct_x']
        fqn = list(dbt_resource_props.get("fqn", []))
        if len(fqn) >= 4 and fqn[1] == "marts":
            return str(fqn[2])
        return str(fqn[1]) if len(fqn) >= 3 else "dbt"


translator = ErpDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
)


class DbtBuildConfig(dg.Config):
    full_refresh: bool = Field(
        default=False, description="Rebuild the incremental fact from scratch."
    )
    as_of_date: str | None = Field(
        default=None, description="Ageing date (YYYY-MM-DD) for the ageing marts; default today."
    )


@dbt_assets(manifest=ensure_manifest(), project=erp_project, dagster_dbt_translator=translator)
def erp_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: ErpWarehouse,
    config: DbtBuildConfig,
) -> Iterator[Any]:
    args = ["build"]
    if config.full_refresh:
        args.append("--full-refresh")
    if config.as_of_date:
        args += ["--vars", json.dumps({"as_of_date": config.as_of_date})]
    runs = erp_project.project_dir / erp_project.target_path / "runs"
    target = runs / context.run.run_id
    with environment(dbt_environment(warehouse.build_path())):
        yield from dbt.cli(args, context=context, target_path=target).stream()
    _keep_partial_parse(target)
    _prune_targets(runs, keep=KEEP_TARGETS)


def mart_keys() -> list[dg.AssetKey]:
    """The asset keys of the marts (what the dashboards read)."""
    groups = erp_dbt_models.group_names_by_key
    return sorted((key for key, group in groups.items() if group in MART_GROUPS), key=str)


def _keep_partial_parse(target: Path) -> None:
    # dagster-dbt seeds each run's target folder from target/partial_parse.msgpack. The
    # parse state depends on the warehouse path, so hand this run's state on to the next
    # run (same path): it then skips the full re-parse.
    state = target / "partial_parse.msgpack"
    if state.exists():
        shared = erp_project.project_dir / erp_project.target_path / "partial_parse.msgpack"
        partial = shared.with_suffix(".tmp")
        shutil.copyfile(state, partial)
        partial.replace(shared)


def _prune_targets(runs: Path, *, keep: int) -> None:
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
