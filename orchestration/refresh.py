"""Run a refresh in this process (the ``erp refresh`` command and the dashboards' *Refresh
warehouse now* call this): the quick job after new postings, the full job on ``--full``
or when the build file has no complete build of the current models."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

import dagster as dg


class RefreshFailed(RuntimeError):
    """The refresh did not publish a new warehouse; the message says which step or check,
    ``details`` holds the errors in full (tracebacks) for a log file."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def run_refresh(
    *,
    full: bool = False,
    reload: bool = False,
    as_of_date: str | None = None,
    log_level: str = "WARNING",
    on_wait: Callable[[str], None] | None = None,
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
    One refresh at a time works on a warehouse's build file: while another holds it
    (another process, the dagster UI's run), this one waits (``on_wait`` gets a message
    once) up to ``ERP_REFRESH_WAIT`` seconds (orchestration.build_lock).
    Runs are recorded in the instance of DAGSTER_HOME when set (visible in the UI), else in
    a throw-away one. dagster's own console log is kept to warnings: the outcome is the
    return or the error.
    """
    from orchestration.build_lock import BuildBusy, holding_build, wait_seconds
    from orchestration.publish import kept_versions
    from orchestration.stages import stage
    from transactional import settings

    # Bad settings and input are reported now, not after the whole build.
    if as_of_date is not None:
        try:
            date.fromisoformat(as_of_date)
        except ValueError:
            raise RefreshFailed(
                f"as-of date {as_of_date!r} is not a date; use YYYY-MM-DD."
            ) from None
    try:
        kept_versions()
        wait_seconds()
    except ValueError as exc:
        raise RefreshFailed(str(exc)) from exc
    _check_source(settings.database_url())
    # Re-parsed and rebuilt when a model was added, changed or deleted since the last run.
    with stage("load the dbt project"):
        from orchestration.definitions import current_definitions

        defs = current_definitions()
    try:
        with holding_build(settings.warehouse_dir(), on_wait=on_wait):
            # Chosen once the build file is ours: the refresh waited for may have changed it.
            return _run(defs, full=full, reload=reload, as_of_date=as_of_date, log_level=log_level)
    except BuildBusy as exc:
        raise RefreshFailed(str(exc)) from exc


def _run(
    defs: dg.Definitions, *, full: bool, reload: bool, as_of_date: str | None, log_level: str
) -> str:
    from orchestration.publish import build_path
    from orchestration.quick_refresh import quick_build_possible

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
        # A step skipped (its inputs never came, e.g. dbt's events could not be read) is
        # as much a failure as a failed one: nothing new was published.
        skipped = any(e.event_type == dg.DagsterEventType.STEP_SKIPPED for e in result.all_events)
        if not result.success or skipped:
            raise RefreshFailed(explain(result), details=error_details(result))
    return job.name


def _check_source(url: str) -> None:
    """An embedded database that is not there is named, not found deep in the extract."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and not os.path.isfile(path):
            raise RefreshFailed(
                f"there is no database at {path}; create it with `erp db upgrade` "
                "(and fill it with `erp generate`), or set ERP_DATABASE_URL."
            )


def _root_cause(error: Any) -> str:
    # Dagster wraps the op's exception; the innermost message says what went wrong.
    if error is None:
        return "failed"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = str(error.message).strip()
    return message[:800] or error.cls_name or "failed"


def error_details(result: dg.ExecuteInProcessResult) -> str:
    """Every failed step's error in full, with its traceback and causes (for a log file)."""
    parts = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            error = data.error if data else None
            parts.append(f"step {event.step_key}:\n{error.to_string() if error else 'failed'}")
    return "\n".join(parts)


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
