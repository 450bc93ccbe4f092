"""The quick refresh: what ``erp refresh`` (without ``--full``) runs after new postings.

The full ``refresh`` job materialises every dbt model as an asset, runs every dbt test and
unit test as an asset check plus the GX suite, and dagster records an event for each
(about 1,400 per run, tens of milliseconds each). For the clerk waiting to see one invoice
that is all fixed cost. This job does the same work that matters for the published books,
as four plain ops:

1. ``extract``: new ledger rows by id, the small tables replaced (as the full job does);
2. ``build``: ``dbt build`` of the table and incremental models only, with the dbt tests
   tagged ``blocking`` (keys of fct_gl_lines, entries balance, the fact holds every line
   once, the trial balance's debits equal its credits, the balance sheet balances). The
   views (staging, intermediate) are not rebuilt: they read the raw tables by name, so
   they already show the new rows. When the models changed since the last complete
   build (or there was none), every model is built instead;
3. ``blocking_checks``: the Python check that guards the books (stock valuation against
   the ledger; quality/reconciliation.py);
4. ``publish``: only when everything above passed, as a delta on the last full copy
   (``orchestration.publish.publish_delta``: the rebuilt marts and the new fact rows, not
   the 6 GB file at 10M lines); after a build of every model, as a full copy.

Each run records what it did under the full job's asset keys: a materialisation per model
rebuilt and an asset check evaluation per test and check run, so the dagster UI shows
the marts and checks as the last run of either job left them.

The rest (all 340-odd dbt data tests, the unit tests, the GX suite on fct_gl_lines) runs
in the full job: ``erp refresh --full``, the hourly schedule, or the dagster UI.
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

import json
import time
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from orchestration import publish as publishing
from orchestration.build_lock import holding_build
from orchestration.jobs import WAREHOUSE_TAG
from orchestration.project import (
    drop_stale_relations,
    erp_project,
    load_manifest,
    manifest_relations,
    models_fingerprint,
    read_build_fingerprint,
    seed_parse_state,
    write_build_fingerprint,
)
from orchestration.resources import ErpWarehouse
from orchestration.stages import stage
from transactional import settings

# Tables and the incremental fact, plus the tests tagged blocking; nothing else is picked
# up indirectly (no other tests, no unit tests).
QUICK_SELECT = "config.materialized:table config.materialized:incremental tag:blocking"
FULL_SELECT = "resource_type:model tag:blocking"


class QuickBuildConfig(dg.Config):
    as_of_date: str | None = Field(
        default=None, description="Ageing date (YYYY-MM-DD) for the ageing marts; default today."
    )


def quick_build_possible(build_path: Path, as_of_date: str | None = None) -> bool:
    """True when the build file holds a complete build of the current models with the same
    ageing date (so the views in it are current and only the tables need rebuilding).
    Never on the Spark engine: its models run in Spark, not in the build file."""
    if not build_path.is_file() or settings.warehouse_engine() != "duckdb":
        return False
    stored = read_build_fingerprint(build_path)
    return stored is not None and stored == models_fingerprint(as_of_date)


@dg.op(tags={"kind": "python"})
def extract(context: dg.OpExecutionContext, warehouse: ErpWarehouse) -> dict[str, int]:
    """New ledger rows and the replaced master data into raw (ingestion.extract_load);
    meanwhile dbt is imported and the project parsed for the build step, in the background
    (orchestration.dbt_in_process.prepare: a no-op once the process has done it)."""
    from ingestion.extract_load import extract_load
    from orchestration import dbt_in_process

    with holding_build(warehouse.directory(), on_wait=context.log.info), stage("extract"):
        dbt_in_process.prepare(warehouse.build_path(), _run_target(context))
        return extract_load(warehouse.source_url(), warehouse.build_path(), full=False)


def _run_target(context: dg.OpExecutionContext) -> Path:
    """dbt's target folder for this run (pruned to the newest few by the build step)."""
    return erp_project.project_dir / erp_project.target_path / "runs" / context.run.run_id


@dg.op(tags={"kind": "dbt"})
def build(
    context: dg.OpExecutionContext,
    loaded: dict[str, int],
    warehouse: ErpWarehouse,
    config: QuickBuildConfig,
) -> dict[str, Any]:
    """dbt build of the tables and the incremental fact with the blocking dbt tests, run in
    this process with the parsed project kept (orchestration.dbt_in_process)."""
    complete = quick_build_possible(warehouse.build_path(), config.as_of_date)
    name = "dbt build (tables, blocking tests)" if complete else "dbt build (every model)"
    with holding_build(warehouse.directory(), on_wait=context.log.info), stage(name):
        return _build(context, warehouse, config)


def _build(
    context: dg.OpExecutionContext, warehouse: ErpWarehouse, config: QuickBuildConfig
) -> dict[str, Any]:
    from orchestration import dbt_in_process
    from orchestration.assets.dbt import keep_partial_parse, pruning_alongside

    build_file = warehouse.build_path()
    fingerprint = models_fingerprint(config.as_of_date)
    complete = quick_build_possible(build_file, config.as_of_date)
    select = QUICK_SELECT if complete else FULL_SELECT
    args = [
        "build",
        "--select",
        select,
        "--exclude",
        "resource_type:unit_test",
        "--indirect-selection",
        "empty",
        # manifest.json and run_results.json (written twice, 2 MB each) and dbt's debug
        # file log cost seconds per run; the outcome comes from the events instead.
        "--no-write-json",
        "--log-level-file",
        "info",
        "--quiet",
    ]
    if config.as_of_date:
        args += ["--vars", json.dumps({"as_of_date": config.as_of_date})]
    target = _run_target(context)
    runs = target.parent
    started = time.perf_counter()
    seed_parse_state(target, build_file)
    results: list[dict[str, Any]] = []
    try:
        with pruning_alongside(runs, target):
            successful = dbt_in_process.run(
                args,
                warehouse=build_file,
                target=target,
                on_event=results.append,
            )
    except dbt_in_process.DbtFailed as exc:
        raise dg.Failure(description=str(exc)) from exc
    finally:
        keep_partial_parse(target, build_file)
    # Before any failure is raised: a failed test is a result the UI must show too.
    record_results(context, results)
    failures = [
        f"{r['node'].get('unique_id', '?')}: {str(r.get('message', ''))[:300]}"
        for r in results
        if _status(r) in FAILED
    ]
    nodes = len(results)
    if failures or not successful:
        raise dg.Failure(
            description="dbt build failed: " + ("; ".join(failures[:10]) or "see dbt's log"),
        )
    if not complete:
        # The models changed: drop what a deleted model left behind, so the full copy
        # published next does not carry it.
        dropped = drop_stale_relations(build_file, manifest_relations(load_manifest()))
        if dropped:
            context.log.info(f"Dropped relations no model makes any more: {', '.join(dropped)}")
        # Everything was built with the current models: later runs can be quick.
        write_build_fingerprint(build_file, fingerprint)
    return {
        "nodes": nodes,
        "models_only_tables": complete,
        "seconds": round(time.perf_counter() - started, 2),
    }


FAILED = {"error", "fail", "runtime error"}
BUILT = {"success"}
CHECKED = {"pass", "fail", "warn", "error", "runtime error"}


def _status(result: dict[str, Any]) -> str:
    return str(result["node"].get("node_status", "")).lower()


def record_results(context: dg.OpExecutionContext, results: list[dict[str, Any]]) -> None:
    """Record in dagster what dbt rebuilt and checked: a materialisation of the model's
    asset for each model built, and an asset check evaluation for each test, under the
    keys the full job's dbt assets use. So the UI shows the marts as this run left them
    (a quick refresh after a failed full run turns them green again) and the checks'
    latest outcome."""
    from dagster_dbt.asset_utils import get_asset_check_key_for_test

    from orchestration.assets.dbt import translator

    manifest = load_manifest()
    nodes = manifest.get("nodes", {})
    for result in results:
        unique_id = str(result["node"].get("unique_id", ""))
        status = _status(result)
        if unique_id not in nodes:
            continue
        if unique_id.startswith("model.") and status in BUILT:
            key = translator.get_asset_spec(manifest, unique_id, erp_project).key
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=key,
                    description="Rebuilt by the quick refresh.",
                    metadata={"unique_id": unique_id, "job": context.job_name},
                )
            )
        elif unique_id.startswith("test.") and status in CHECKED:
            check = get_asset_check_key_for_test(manifest, translator, unique_id, erp_project)
            if check is None:
                continue
            # log_event records an AssetCheckEvaluation too; its annotation omits it.
            context.log_event(
                dg.AssetCheckEvaluation(  # type: ignore[arg-type]
                    asset_key=check.asset_key,
                    check_name=check.name,
                    passed=status == "pass",
                    severity=(
                        dg.AssetCheckSeverity.WARN
                        if status == "warn"
                        else dg.AssetCheckSeverity.ERROR
                    ),
                    description=str(result.get("message", ""))[:1000] or None,
                    metadata={"status": status, "unique_id": unique_id},
                )
            )


@dg.op
def blocking_checks(
    context: dg.OpExecutionContext, built: dict[str, Any], warehouse: ErpWarehouse
) -> list[str]:
    """The reconciliations that guard the books; any failure stops the publish. Each
    outcome is recorded as an evaluation of the same asset check the full job runs."""
    from orchestration.checks import BLOCKING_RECONCILIATIONS

    failures: list[str] = []
    passed: list[str] = []
    # Each check marks its stage and holds the build file itself (orchestration.checks).
    for asset_key, check in BLOCKING_RECONCILIATIONS:
        result = check(warehouse=warehouse)
        assert isinstance(result, dg.AssetCheckResult)
        check_name = next(iter(check.check_keys)).name
        name = f"{asset_key.to_user_string()}:{check_name}"
        context.log_event(
            dg.AssetCheckEvaluation(  # type: ignore[arg-type]  # recorded, see record_results
                asset_key=asset_key,
                check_name=check_name,
                passed=bool(result.passed),
                severity=result.severity,
                description=result.description,
                metadata=result.metadata,
            )
        )
        if result.passed:
            passed.append(name)
        else:
            failures.append(f"check {name}: {(result.description or 'failed')[:500]}")
    if failures:
        raise dg.Failure(description="; ".join(failures))
    return passed


@dg.op
def publish(
    context: dg.OpExecutionContext,
    checked: list[str],
    built: dict[str, Any],
    warehouse: ErpWarehouse,
) -> dg.Output[str]:
    """Publish the marts as a delta on the last full copy and switch CURRENT to the pair;
    after a build of every model (the models changed), a full copy."""
    from orchestration.project import append_only_marts

    with holding_build(warehouse.directory(), on_wait=context.log.info), stage("publish"):
        if built["models_only_tables"]:
            publication = publishing.publish_delta(
                warehouse.build_path(), append_only_marts(), warehouse.directory()
            )
        else:
            full = publishing.publish(warehouse.build_path(), warehouse.directory())
            publication = publishing.Publication(full)
    context.log_event(
        dg.AssetMaterialization(
            asset_key="published_warehouse",
            metadata={
                "published": dg.MetadataValue.path(str(publication.base)),
                "delta": dg.MetadataValue.text(str(publication.delta or "none")),
                "version": publication.version,
                "checks_passed": len(checked),
            },
        )
    )
    return dg.Output(publication.version)


@dg.job(
    name="quick_refresh",
    tags=WAREHOUSE_TAG,
    description=(
        "After new postings: extract new rows, rebuild the marts (tables), run the dbt "
        "tests tagged blocking and the reconciliations, publish. All other checks run in "
        "the `refresh` job."
    ),
)
def quick_refresh_job() -> None:
    built = build(extract())
    publish(blocking_checks(built), built)
