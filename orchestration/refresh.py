"""Run a refresh in this process (the ``erp refresh`` command and the dashboards' *Refresh
warehouse now* call this): the quick job after new postings, the full job on ``--full``
or when the build file has no complete build of the current models."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg


class RefreshFailed(RuntimeError):
    """The refresh did not publish a new warehouse; the message says which step or check."""


def run_refresh(
    *,
    full: bool = False,
    reload: bool = False,
    as_of_date: str | None = None,
    log_level: str = "WARNING",
) -> str:
    """Extract, build, check and publish the warehouse; the name of the job that ran.

    Raises RefreshFailed on any failure (nothing is published then).

    Without ``full`` this is the ``quick_refresh`` job (orchestration.quick_refresh): new
    rows, the table models, the blocking checks, publish. It falls back to the full
    ``refresh`` job (every dbt test and unit test, the GX suite) when the build file holds
    no complete build of the current models and ageing date (first refresh, changed
    models, another ``as_of_date``: views render it into their SQL). ``full`` always runs
    the full job: the append-only raw tables (ledger, posted invoices and payments, audit
    log) get their new rows and are checked against the source (a table that differs is
    reloaded), and every model, the incremental fact too, is rebuilt from scratch.
    ``reload`` (implies ``full``) reads the append-only tables again from scratch.
    ``as_of_date`` (YYYY-MM-DD) sets the ageing date (default today).
    Runs are recorded in the instance of DAGSTER_HOME when set (visible in the UI), else in
    a throw-away one. dagster's own console log is kept to warnings: the outcome is the
    return or the error.
    """
    from orchestration.definitions import defs
    from orchestration.publish import build_path, kept_versions
    from orchestration.quick_refresh import quick_build_possible

    try:
        kept_versions()  # a bad setting is reported now, not after the whole build
    except ValueError as exc:
        raise RefreshFailed(str(exc)) from exc
    loggers = {"console": {"config": {"log_level": log_level}}}
    run_config: dict[str, Any]
    full = full or reload
    if not full and quick_build_possible(build_path(), as_of_date):
        job = defs.resolve_job_def("quick_refresh")
        run_config = {
            "ops": {"build": {"config": {"as_of_date": as_of_date}}},
            "loggers": loggers,
        }
    else:
        job = defs.resolve_job_def("refresh")
        run_config = {
            "ops": {
                "erp_extract": {"config": {"full_refresh": full, "reload_raw": reload}},
                "erp_dbt_models": {"config": {"full_refresh": full, "as_of_date": as_of_date}},
            },
            "loggers": loggers,
        }
    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    with instance:
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
        if not result.success:
            raise RefreshFailed(explain(result))
    return job.name


def _root_cause(error: Any) -> str:
    # Dagster wraps the op's exception; the innermost message says what went wrong.
    if error is None:
        return "failed"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = str(error.message).strip()
    return message[:800] or error.cls_name or "failed"


def explain(result: dg.ExecuteInProcessResult) -> str:
    """A clerk-readable account of what failed in a run."""
    problems: list[str] = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            problems.append(f"step {event.step_key}: {_root_cause(data.error if data else None)}")
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            description = evaluation.description or "failed"
            problems.append(
                f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name}: "
                f"{description[:500]}"
            )
    skipped = [
        e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_SKIPPED
    ]
    if skipped:
        problems.append(f"not run: {', '.join(sorted(set(filter(None, skipped))))}")
    detail = "\n  ".join(problems) or "the run did not succeed (no failed step reported)"
    return f"Warehouse refresh failed; the dashboards keep the last published version.\n  {detail}"
