"""The dbt project (models/) as dagster sees it.

``@dbt_assets`` reads ``models/target/manifest.json`` when the definitions are imported.
Setup, CI and the test fixture run ``dbt parse`` first; when the manifest is missing
anyway (a fresh clone), was parsed from other models (an analyst's edit: the project's
fingerprint is kept beside it), or under ``dagster dev``, it is made here with one
``dbt parse`` (a few seconds); a refresh rebuilds its definitions on it
(``orchestration.definitions.current_definitions``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"

erp_project = DbtProject(project_dir=MODELS_DIR, profiles_dir=MODELS_DIR)


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def dbt_environment(warehouse_path: Path | None = None) -> dict[str, str]:
    """Environment variables every dbt run gets: the warehouse file, the log folder beside
    it, no telemetry."""
    env = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if warehouse_path is not None:
        env["ERP_WAREHOUSE_PATH"] = str(warehouse_path)
        # dbt's log with the warehouse's other logs (<dir>/logs/dbt for <dir>/build/x.duckdb),
        # not in models/logs whatever ERP_WAREHOUSE_DIR says.
        env["DBT_LOG_PATH"] = str(Path(warehouse_path).parent.parent / "logs" / "dbt")
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
    """Run ``dbt parse`` to (re)write the manifest, and record what it was parsed from.

    It parses against the warehouse path the refresh will use (unless ERP_WAREHOUSE_PATH
    names another): dbt's saved parse state depends on it, and a matching state lets the
    refresh's ``dbt build`` skip the full parse.
    """
    from orchestration.publish import build_path

    warehouse = Path(os.environ.get("ERP_WAREHOUSE_PATH") or build_path())
    # Taken before the parse: a file saved during it makes the next check parse again.
    fingerprint = project_fingerprint()
    with manifest_lock(exclusive=True):
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
        _write_atomically(_manifest_fingerprint_path(), f"{fingerprint}\n".encode())


@contextmanager
def manifest_lock(*, exclusive: bool) -> Iterator[None]:
    """Hold ``target/.manifest.lock``: exclusive while ``dbt parse`` rewrites the manifest
    (it writes the file in place), shared while it is read. Two processes on one project
    (the test suite's workers, the dashboards' server and ``erp refresh``) would otherwise
    parse over each other or read a half-written manifest."""
    path = _target_dir() / ".manifest.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _manifest_fingerprint_path() -> Path:
    return Path(erp_project.manifest_path).with_name(MANIFEST_FINGERPRINT_FILE)


def manifest_is_current() -> bool:
    """True when the manifest was parsed from the dbt project as it is now."""
    try:
        stored = _manifest_fingerprint_path().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False
    return Path(erp_project.manifest_path).is_file() and stored == project_fingerprint()


def ensure_manifest() -> Path:
    """The manifest path, parsing the project first when the manifest is missing or was
    parsed from other models (an analyst added, changed or deleted one: dagster would not
    know the new model, ``KeyError: 'model.erp.<name>'``), and always under dagster dev."""
    manifest = Path(erp_project.manifest_path)
    if not manifest_is_current() or erp_project.preparer.using_dagster_dev():
        parse_project()
    return manifest


# The manifest last read, by file identity: the quick refresh reads it every run (to name
# the assets it rebuilt), and reading 5 MB of JSON each time would cost a visible part.
_LOADED: dict[tuple[int, int], dict[str, Any]] = {}


def load_manifest() -> dict[str, Any]:
    """The current manifest (parsed first if needed, see :func:`ensure_manifest`); treat
    it as read-only (it is shared)."""
    path = ensure_manifest()
    stat = path.stat()
    identity = (stat.st_mtime_ns, stat.st_size)
    loaded = _LOADED.get(identity)
    if loaded is None:
        with manifest_lock(exclusive=False):
            loaded = json.loads(path.read_text(encoding="utf-8"))
        _LOADED.clear()
        _LOADED[identity] = loaded
    return loaded


def manifest_relations(manifest: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(schema, name) of every relation the project's models, seeds and snapshots make."""
    return {
        (str(node["schema"]).lower(), str(node.get("alias") or node["name"]).lower())
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in ("model", "seed", "snapshot")
    }


def drop_stale_relations(build_path: Path, expected: set[tuple[str, str]]) -> list[str]:
    """Drop the tables and views in the build file's dbt schemas that no model makes any
    more (a model deleted or renamed), so no publication carries them; their names.

    Only schemas the models write to are looked at: raw (the extract's) stays untouched.
    """
    import duckdb

    schemas = {schema for schema, _ in expected}
    dropped: list[str] = []
    with duckdb.connect(str(build_path)) as connection:
        present = connection.execute(
            """
            select schema_name, table_name, 'table' from duckdb_tables()
            where database_name = current_database() and not temporary
            union all
            select schema_name, view_name, 'view' from duckdb_views()
            where database_name = current_database() and not internal and not temporary
            """
        ).fetchall()
        for schema, name, kind in present:
            if schema.lower() in schemas and (schema.lower(), name.lower()) not in expected:
                connection.execute(f'drop {kind} if exists "{schema}"."{name}"')
                dropped.append(f"{schema}.{name}")
    return sorted(dropped)


# --- what the build file was last completely built with ------------------------------------

# Beside the build file: the fingerprint of the models of its last complete, successful
# dbt build. The quick refresh rebuilds only the tables when it matches (the views in the
# file are then current); otherwise it builds every model.
FINGERPRINT_FILE = "dbt-models.fingerprint"
# Beside the manifest: the project fingerprint it was parsed from.
MANIFEST_FINGERPRINT_FILE = "manifest.fingerprint"
_FINGERPRINTED = ("models", "macros", "tests")


def append_only_marts() -> dict[str, str]:
    """The marts (``main`` schema) that only ever gain rows, each with its key column: the
    incremental models with a unique key, read from the manifest."""
    manifest = load_manifest()
    marts: dict[str, str] = {}
    for node in manifest.get("nodes", {}).values():
        config = node.get("config", {})
        key = config.get("unique_key")
        if (
            node.get("resource_type") == "model"
            and config.get("materialized") == "incremental"
            and node.get("schema") == "main"
            and isinstance(key, str)
        ):
            marts[node.get("alias") or node["name"]] = key
    return marts


def models_fingerprint(as_of_date: str | None = None) -> str:
    """A hash of the dbt project's SQL and YAML (models, macros, tests, dbt_project.yml) and
    of the ``as_of_date`` var, which views render into their SQL (a fixed date, else
    ``ERP_TODAY``, else ``current_date``: see ``models/macros/portable.sql``)."""
    rendered = as_of_date or os.environ.get("ERP_TODAY", "").strip()
    digest = hashlib.sha256(f"as_of_date={rendered}\0".encode())
    _digest_project_files(digest)
    return digest.hexdigest()


def project_fingerprint() -> str:
    """A hash of the dbt project's SQL and YAML alone: what the manifest is parsed from."""
    digest = hashlib.sha256(b"project\0")
    _digest_project_files(digest)
    return digest.hexdigest()


def _digest_project_files(digest: Any) -> None:
    # Names and contents: an added, renamed or deleted file changes the hash too.
    files = [MODELS_DIR / "dbt_project.yml"]
    for folder in _FINGERPRINTED:
        files += sorted(p for p in (MODELS_DIR / folder).rglob("*") if p.suffix in (".sql", ".yml"))
    for path in files:
        digest.update(str(path.relative_to(MODELS_DIR)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def read_build_fingerprint(build_path: Path) -> str | None:
    try:
        return (build_path.parent / FINGERPRINT_FILE).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def write_build_fingerprint(build_path: Path, fingerprint: str | None = None) -> None:
    """Record that ``build_path`` now holds a complete build of the current models."""
    path = build_path.parent / FINGERPRINT_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text((fingerprint or models_fingerprint()) + "\n", encoding="utf-8")
    partial.replace(path)


def forget_build_fingerprint(build_path: Path) -> None:
    (build_path.parent / FINGERPRINT_FILE).unlink(missing_ok=True)


# --- one dbt parse state for every warehouse path ---------------------------------------------
#
# dbt keeps its parsed project in partial_parse.msgpack and throws it away when the profile
# changed, and the profile holds the warehouse path: every new ERP_WAREHOUSE_PATH (a test
# session's temporary folder, a benchmark's work folder) used to cost a full re-parse of
# some 440 nodes (about 10 s), and alternating paths paid it every time. The parsed nodes
# do not depend on the path (the database name is the file's stem, ``warehouse``), only
# the state's ``profile_hash`` does. So each run's target folder is seeded with a state
# for its own path: the one kept from the last run on that path, else the newest state
# with the profile hash recomputed for this path (as dbt computes it). If that hash were
# ever wrong, dbt would re-parse fully, which is the old behaviour.

PARTIAL_PARSE = "partial_parse.msgpack"
PARSE_STATES_DIR = "parse-states"
KEEP_PARSE_STATES = 8


def _target_dir() -> Path:
    return Path(erp_project.project_dir) / erp_project.target_path


def _state_for(warehouse_path: Path) -> Path:
    key = hashlib.sha256(str(warehouse_path).encode()).hexdigest()[:16]
    return _target_dir() / PARSE_STATES_DIR / f"{key}.msgpack"


def seed_parse_state(target: Path, warehouse_path: Path) -> None:
    """Put a parse state valid for ``warehouse_path`` into a run's ``target`` folder."""
    destination = target / PARTIAL_PARSE
    if destination.exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    kept = _state_for(warehouse_path)
    if kept.exists():
        _copy_atomically(kept, destination)
        os.utime(kept)
        return
    shared = _target_dir() / PARTIAL_PARSE
    if not shared.exists():
        return
    try:
        state = retarget_parse_state(shared.read_bytes(), warehouse_path)
    except Exception:  # noqa: BLE001 - an unreadable state only costs a full parse
        return
    if state is not None:
        _write_atomically(destination, state)


def keep_parse_state(target: Path, warehouse_path: Path) -> None:
    """After a dbt run: keep its parse state for the next run on the same path (and as the
    project's shared state, which ``dbt parse`` and new paths start from)."""
    state = target / PARTIAL_PARSE
    if not state.exists():
        return
    kept = _state_for(warehouse_path)
    kept.parent.mkdir(parents=True, exist_ok=True)
    _copy_atomically(state, kept)
    _copy_atomically(state, _target_dir() / PARTIAL_PARSE)
    states = sorted(kept.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime)
    for old in states[:-KEEP_PARSE_STATES]:
        old.unlink(missing_ok=True)


def retarget_parse_state(state: bytes, warehouse_path: Path) -> bytes | None:
    """The parse state with its profile hash recomputed for ``warehouse_path``; None when
    the state cannot serve that path (another database name)."""
    import msgpack

    manifest = msgpack.unpackb(state, ext_hook=msgpack.ExtType, raw=False, strict_map_key=False)
    database, profile_hash = profile_identity(warehouse_path)
    databases = {
        node.get("database")
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
    }
    if databases != {database}:
        return None
    manifest["state_check"]["profile_hash"] = {"name": "sha256", "checksum": profile_hash}
    packed: bytes = msgpack.packb(manifest, use_bin_type=True)
    return packed


def profile_identity(warehouse_path: Path) -> tuple[str, str]:
    """The profile's database name and dbt's ``profile_hash`` for ``warehouse_path``,
    computed the way dbt's ManifestLoader.build_manifest_state_check does."""
    import pprint

    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context({**os.environ, **dbt_environment(warehouse_path)})
    raw = read_profile(str(MODELS_DIR))
    name = erp_project.profile or "erp"
    target, data = Profile.render_profile(raw[name], name, erp_project.target, ProfileRenderer({}))
    credentials = Profile._credentials_from_profile(data, name, target)
    keys = sorted(credentials.connection_info())
    digest = hashlib.sha256(pprint.pformat(keys).encode("utf-8")).hexdigest()
    return str(credentials.database), digest


def _copy_atomically(source: Path, destination: Path) -> None:
    _write_atomically(destination, source.read_bytes())


def _write_atomically(destination: Path, data: bytes) -> None:
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(destination)
