"""The quick refresh: what ``erp refresh`` (without ``--full``) runs after new postings.

The full ``refresh`` job materialises every dbt model as an asset, runs every dbt test and
unit test as an asset check plus the GX suite, and dagster records an event for each
(about 1,400 per run, tens of milliseconds each). For the clerk waiting to see one invoice
that is all fixed cost. This job does the same work that matters for the published books,
as four plain ops with a handful of events:

1. ``extract``: new ledger rows by id, the small tables replaced (as the full job does);
2. ``build``: ``dbt build`` of the table and incremental models only, with the dbt tests
   tagged ``blocking`` (keys of fct_gl_lines, entries balance, the fact holds every line
   once). The views (staging, intermediate) are not rebuilt: they read the raw tables by
   name, so they already show the new rows. When the models changed since the last
   complete build (or there was none), every model is built instead;
3. ``blocking_checks``: the reconciliations that guard the books (trial balance,
   balance sheet, stock valuation against the ledger);
4. ``publish``: only when everything above passed, as a delta on the last full copy
   (``orchestration.publish.publish_delta``: the rebuilt marts and the new fact rows, not
   the 6 GB file at 10M lines); after a build of every model, as a full copy.

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
from orchestration.jobs import WAREHOUSE_TAG
from orchestration.project import (
    erp_project,
    models_fingerprint,
    read_build_fingerprint,
    seed_parse_state,
    write_build_fingerprint,
)
from orchestration.resources import ErpWarehouse

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
    ageing date (so the views in it are current and only the tables need rebuilding)."""
    if not build_path.is_file():
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
    failures: list[str] = []
    nodes = 0

    def note(event: dict[str, Any]) -> None:
        nonlocal nodes
        nodes += _note_result(event, failures)

    try:
        with pruning_alongside(runs):
            successful = dbt_in_process.run(
                args,
                warehouse=build_file,
                target=target,
                on_event=note,
            )
    except dbt_in_process.DbtFailed as exc:
        raise dg.Failure(description=str(exc)) from exc
    finally:
        keep_partial_parse(target, build_file)
    if failures or not successful:
        raise dg.Failure(
            description="dbt build failed: " + ("; ".join(failures[:10]) or "see dbt's log"),
        )
    if not complete:
        # Everything was built with the current models: later runs can be quick.
        write_build_fingerprint(build_file, fingerprint)
    return {
        "nodes": nodes,
        "models_only_tables": complete,
        "seconds": round(time.perf_counter() - started, 2),
    }


FAILED = {"error", "fail", "runtime error"}


def _note_result(event: dict[str, Any], failures: list[str]) -> int:
    """Count a finished node (1); add it to failures if it failed."""
    node = event["node"]
    if str(node.get("node_status", "")).lower() in FAILED:
        failures.append(f"{node.get('unique_id', '?')}: {str(event.get('message', ''))[:300]}")
    return 1


@dg.op
def blocking_checks(built: dict[str, Any], warehouse: ErpWarehouse) -> list[str]:
    """The reconciliations that guard the books; any failure stops the publish."""
    from orchestration.checks import BLOCKING_RECONCILIATIONS

    failures: list[str] = []
    passed: list[str] = []
    for name, check in BLOCKING_RECONCILIATIONS:
        result = check(warehouse=warehouse)
        assert isinstance(result, dg.AssetCheckResult)
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
