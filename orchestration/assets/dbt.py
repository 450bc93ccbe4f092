"""The dbt models as assets: staging, intermediate and marts, built with ``dbt build``.

dbt's tests arrive as asset checks on their models. The dbt sources (the raw tables) are
all mapped to the extract asset, so the lineage reads extract -> staging -> marts; the
groups follow the folders (staging, intermediate, core, finance).
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

import fcntl
import json
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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

from orchestration import spark_engine
from orchestration.assets.extract import EXTRACT_KEY
from orchestration.build_lock import holding_build
from orchestration.project import (
    dbt_environment,
    drop_stale_relations,
    environment,
    erp_project,
    forget_build_fingerprint,
    keep_parse_state,
    manifest_relations,
    models_fingerprint,
    seed_parse_state,
    write_build_fingerprint,
)
from orchestration.resources import ErpWarehouse
from orchestration.stages import stage
from transactional import settings

MART_GROUPS = ("core", "finance", "wholesale", "consolidation", "manufacturing")
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


def build_dbt_assets(manifest: Mapping[str, Any]) -> dg.AssetsDefinition:
    """The dbt models of ``manifest`` as one multi-asset (tests as asset checks).

    Made from the manifest's contents, not its path: dagster-dbt caches what it read per
    path, and after a re-parse (a model added or deleted) the definitions must see the new
    manifest (orchestration.definitions.current_definitions).
    """
    expected = manifest_relations(manifest)

    @dbt_assets(manifest=manifest, project=erp_project, dagster_dbt_translator=translator)
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
        build = warehouse.build_path()
        # Every model built (not a subset): afterwards the quick refresh may rebuild only
        # the tables, since the views in the file are those of these models.
        complete = set(context.selected_asset_keys) == set(context.assets_def.keys)
        fingerprint = models_fingerprint(config.as_of_date)
        runs = erp_project.project_dir / erp_project.target_path / "runs"
        target = runs / context.run.run_id
        spark = settings.warehouse_engine() == "spark"
        env = dbt_environment(build)
        if spark:
            spark_engine.require_spark()
            args += ["--target", spark_engine.SPARK_TARGET]
            env.update(spark_engine.spark_environment(warehouse.spark_directory()))
        else:
            seed_parse_state(target, build)
        with holding_build(warehouse.directory(), on_wait=context.log.info):
            with stage("dbt build (models and their tests)" + (" on Spark" if spark else "")):
                try:
                    with environment(env), pruning_alongside(runs, target):
                        yield from dbt.cli(args, context=context, target_path=target).stream()
                finally:
                    # The parse state serves DuckDB runs on this file, not Spark's target.
                    if not spark:
                        keep_partial_parse(target, build)
            if spark:
                # The build file's marts are Spark's now, and it holds no DuckDB views
                # of these models: the next quick refresh must be a full one.
                forget_build_fingerprint(build)
                with stage("marts from Spark into the build file"):
                    counts = spark_engine.import_marts(build, warehouse.spark_directory(), manifest)
                context.log.info(f"Imported {len(counts)} marts from Spark")
            # A model deleted from the project leaves its table behind; no publication
            # may carry it (dbt has closed the file by now).
            dropped = drop_stale_relations(build, expected)
            if dropped:
                context.log.info(f"Dropped relations no model makes any more: {dropped}")
            if complete and not spark:
                write_build_fingerprint(build, fingerprint)

    return erp_dbt_models


def mart_keys(dbt_models: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The asset keys of the marts (what the dashboards read)."""
    groups = dbt_models.group_names_by_key
    return sorted((key for key, group in groups.items() if group in MART_GROUPS), key=str)


def keep_partial_parse(target: Path, build: Path) -> None:
    """Hand this run's dbt parse state on to the next run (orchestration.project)."""
    keep_parse_state(target, build)


@contextmanager
def pruning_alongside(runs: Path, current: Path) -> Iterator[None]:
    """Delete old run folders while dbt runs: some 900 files each (compiled and run SQL
    per node), which took seconds of a quick refresh when done after dbt. ``current``, the
    folder this run's dbt writes, is marked in use meanwhile: refreshes of other
    warehouses share ``runs`` and prune it too, and a Spark build outlasts many of theirs."""
    with _in_use(current):
        thread = threading.Thread(target=prune_targets, args=(runs,), name="erp-prune-dbt-runs")
        thread.start()
        try:
            yield
        finally:
            thread.join()


IN_USE = ".in-use"


@contextmanager
def _in_use(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / IN_USE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune_targets(runs: Path, *, keep: int = KEEP_TARGETS) -> None:
    """dbt writes its artifacts per run under target/runs/<run>; keep the newest few, and
    every folder a running dbt still writes (its in-use lock is held)."""
    if not runs.is_dir():
        return
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[:-keep]:
        marker = old / IN_USE
        if not marker.exists():
            shutil.rmtree(old, ignore_errors=True)
            continue
        try:
            with marker.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(old, ignore_errors=True)
        except (BlockingIOError, FileNotFoundError):
            continue  # in use by a running dbt (or gone already)
