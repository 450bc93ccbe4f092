"""dbt run inside the refresh's own process, with the parsed project kept between runs.

The quick job (orchestration.quick_refresh) used to start dbt as a subprocess, like the
full job's ``@dbt_assets``. Each start paid about 2 s of Python and dbt imports, about
1-2 s of loading the parsed project (the partial-parse state) and the adapter's set-up,
before the first of its 38 nodes: at scale 1 the subprocess took 8.9 s where the nodes
themselves take 3.5 s (docs/performance.md, "Where it stands"). Here dbt's programmatic
entry point (``dbtRunner``) is called in-process: the imports are paid once per process,
and the parsed manifest is kept for the next run of the same models and warehouse file,
so a warm process (the dashboards' *Refresh warehouse now*, a dagster run worker of the
sensor) pays only for the nodes.

Two things differ from a subprocess and are handled here:

- dbt-duckdb keeps its DuckDB database open in a class-level environment after the
  command ends. DuckDB refuses a second connection to the same file with another
  configuration in the same process (the extract and the publish open it next), so the
  environment is closed after every command.
- dbt's global state (flags, the adapter registry, the event manager) is per process:
  runs are serialised with a lock.

A process's first run also pays the dbt imports and the parse (about 2.5 s at 10M journal
lines); :func:`prepare` does both in a background thread while the extract runs, so the
build finds the manifest ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.project import (
    dbt_environment,
    environment,
    erp_project,
    models_fingerprint,
    seed_parse_state,
)

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
# (models fingerprint, warehouse file) -> the manifest dbt parsed for them. The parse
# takes no --vars, so the ageing date a run passes does not change it.
_MANIFESTS: dict[tuple[str, str], Manifest] = {}


class DbtFailed(RuntimeError):
    """dbt could not run the command (not a failing node: those come as events)."""


def run(
    args: Sequence[str],
    *,
    warehouse: Path,
    target: Path,
    on_event: Callable[[dict[str, Any]], None],
) -> bool:
    """Run one dbt command (``args`` as on the command line, without the project, profile
    and target options) against ``warehouse``; ``on_event`` gets each node result as
    ``{"name": event name, "node": node_info, "message": text}``. True when dbt succeeded.
    """
    from dbt.cli.main import dbtRunner

    common = _common(target)

    def callback(event: Any) -> None:
        name = event.info.name
        if name in ("LogModelResult", "LogTestResult"):
            node = event.data.node_info
            on_event(
                {
                    "name": name,
                    "node": {"unique_id": node.unique_id, "node_status": node.node_status},
                    "message": event.info.msg,
                }
            )

    with _LOCK, environment(dbt_environment(warehouse)):
        try:
            manifest = _manifest(warehouse, common)
            result = dbtRunner(manifest=manifest, callbacks=[callback]).invoke([*args, *common])
        finally:
            _close_duckdb()
    if result.exception is not None:
        raise DbtFailed(f"dbt stopped: {result.exception}") from result.exception
    return bool(result.success)


def prepare(warehouse: Path, target: Path) -> threading.Thread:
    """Import dbt and parse the project for ``warehouse`` in a background thread (started,
    returned); a later :func:`run` with the same models and file finds it done. A failure
    here is only logged: that run then parses, and reports what goes wrong."""

    def work() -> None:
        try:
            seed_parse_state(target, warehouse)
            with _LOCK, environment(dbt_environment(warehouse)):
                _manifest(warehouse, _common(target))
        except Exception:  # noqa: BLE001 - the build step parses again and reports
            log.warning("preparing dbt in the background failed", exc_info=True)

    thread = threading.Thread(target=work, name="erp-dbt-prepare", daemon=True)
    thread.start()
    return thread


def _common(target: Path) -> list[str]:
    project = str(erp_project.project_dir)
    return ["--project-dir", project, "--profiles-dir", project, "--target-path", str(target)]


def _manifest(warehouse: Path, common: list[str]) -> Manifest:
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    key = (models_fingerprint(), str(warehouse))
    kept = _MANIFESTS.get(key)
    if kept is not None:
        return kept
    parsed = dbtRunner().invoke(["parse", "--quiet", "--no-write-json", *common])
    if not parsed.success or not isinstance(parsed.result, Manifest):
        raise DbtFailed(f"dbt could not parse the project: {parsed.exception}")
    # One project and one warehouse per process in practice: keep the latest only.
    _MANIFESTS.clear()
    _MANIFESTS[key] = parsed.result
    return parsed.result


def _close_duckdb() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            env.close()


def forget() -> None:
    """Drop the kept manifest (tests; a process that knows the models changed)."""
    with _LOCK:
        _MANIFESTS.clear()
