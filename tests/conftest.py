"""Shared fixtures: migrated transactional databases on SQLite and PostgreSQL.

PostgreSQL is a real part of the product: when the server at 127.0.0.1:5432 is missing
these fixtures fail (they never skip).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

if TYPE_CHECKING:
    from ingestion.demo import ControlTotals

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# The suite's "today" (transactional/clock.py; dbt's ageing date too), whatever the
# calendar says: the demo's books end on 2026-10-31 and its settlement leaves ageing
# interesting 23 days later (ingestion/demo/timeline.py, DAYS_FROM_END_TO_TODAY). Set, not
# defaulted, so a developer's own ERP_TODAY cannot change an outcome; the subprocesses
# the tests start (erp, streamlit) inherit it.
TODAY = "2026-11-23"
os.environ["ERP_TODAY"] = TODAY
os.environ["ERP_ADMIN_PASSWORD"] = "admin-test-password"  # the admin's, for sign-in tests
# A pytest-xdist worker's __main__ is execnet's bootstrap (python -c): no __spec__, no
# __file__. pyspark takes such a __main__ for its doctest runner and exits the process
# (pyspark.sql.connect.utils.check_dependencies: sys.exit(0)) when great_expectations
# imports it, so the quality check of every refresh failed with "SystemExit: 0" under
# xdist. Named "__main__", the spec is also one multiprocessing's spawn leaves alone.
if getattr(sys.modules["__main__"], "__spec__", None) is None and not hasattr(
    sys.modules["__main__"], "__file__"
):
    sys.modules["__main__"].__spec__ = ModuleSpec("__main__", None)

# Beside dbt's manifest (git ignores the folder): the locks of the tests that change the
# dbt project on disk, below.
PROJECT_LOCKS = Path(__file__).resolve().parents[1] / "models" / "target"
EDITS_DBT_PROJECT = "edits_dbt_project"

PG_ADMIN_URL = os.environ.get("ERP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{database}"


def pg_execute(sql: str) -> None:
    """Run an administrative statement (CREATE/DROP DATABASE) in autocommit mode."""
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:  # pragma: no cover - environment failure
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required and unreachable: {exc}")


def create_pg_database(template: str | None = None) -> str:
    name = f"erp_test_{uuid.uuid4().hex[:10]}"
    pg_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_pg_database(name: str) -> None:
    pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the test company, copied for every test."""
    from tests.transactional.company import build_company
    from transactional.migrate import upgrade

    path = tmp_path_factory.mktemp("tpl") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    build_company(url)
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    from tests.transactional.company import build_company
    from transactional.database import make_engine
    from transactional.migrate import upgrade

    name = create_pg_database()
    url = pg_url(name)
    upgrade(url)
    build_company(url)
    # A template database must have no open connections when it is copied.
    make_engine(url).dispose()
    yield name
    drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database holding the test company, on each engine in turn."""
    if request.param == "sqlite":
        target = tmp_path / "erp.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    name = create_pg_database(template)
    url = pg_url(name)
    yield url
    from transactional.database import engine_for

    engine_for.cache_clear()
    drop_pg_database(name)


# --- a set-up built once, copied for every test -----------------------------------------------
#
# Many modules add the same master data to the test company before each test (items, BOMs,
# stock bought in). database_with builds it once per engine and session and copies the
# result for each test, as db_url copies the test company.

_BUILT: dict[tuple[str, str], str] = {}  # (build function, engine) -> SQLite file / PG template


@pytest.fixture(scope="session")
def built_databases() -> Iterator[dict[tuple[str, str], str]]:
    yield _BUILT
    for (_build, engine), where in _BUILT.items():
        if engine == "postgresql":
            drop_pg_database(where)


@contextmanager
def database_with(
    request: pytest.FixtureRequest, tmp_path: Path, build: Callable[[str], None]
) -> Iterator[str]:
    """The URL of a fresh database holding the test company plus what ``build(url)`` adds
    to it, on the engine ``request.param`` names ("sqlite" or "postgresql"). ``build``
    runs once per engine and session and must leave no connection open (dispose its
    engine): later tests get a copy of its result."""
    engine = request.param
    built = request.getfixturevalue("built_databases")
    key = (f"{build.__module__}.{build.__qualname__}", engine)
    if key not in built:
        if engine == "sqlite":
            folder = request.getfixturevalue("tmp_path_factory").mktemp("built")
            path = folder / "built.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            build(f"sqlite:///{path}")
            built[key] = str(path)
        else:
            name = create_pg_database(request.getfixturevalue("pg_template"))
            try:
                build(pg_url(name))
            except BaseException:
                drop_pg_database(name)
                raise
            built[key] = name
    if engine == "sqlite":
        target = tmp_path / "erp.db"
        shutil.copy(built[key], target)
        yield f"sqlite:///{target}"
        return
    name = create_pg_database(built[key])
    try:
        yield pg_url(name)
    finally:
        from transactional.database import engine_for

        engine_for.cache_clear()
        drop_pg_database(name)


# --- a build shared by the pytest-xdist workers of one run ----------------------------------
#
# A session fixture is set up once per worker: with -n 2 the demo company and the stacks
# refreshed from it were generated twice, minutes each. built_once builds into a folder
# every worker of this run sees, under a lock (the pytest-xdist recipe); the first worker
# to ask builds it, the other waits for it. Consumers copy what they write to.


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every worker sees: the parent of a worker's basetemp
    (pytest-N/popen-gwK). Without xdist the basetemp itself: its parent holds every run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``build(folder)`` filled, built once per run whichever worker asks first.
    A build that failed leaves no mark: the next caller builds again (and fails alike)."""
    shared = run_folder(tmp_path_factory) / "built-once"
    folder = shared / name
    complete = shared / f"{name}.complete"  # beside it: copies of the folder stay clean
    with ExitStack() as held:
        _flock(held, shared / f"{name}.lock", fcntl.LOCK_EX)
        if not complete.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            complete.touch()
    return folder


@dataclass(frozen=True)
class GeneratedLedger:
    """A migrated SQLite ledger the demo generator filled; copy it before writing to it."""

    path: Path
    totals: ControlTotals
    stages: list[tuple[str, int, int]]  # the progress the generator reported, in order


def generated_ledger(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    seed: int,
    scale: float,
    end_date: date | None = None,
) -> GeneratedLedger:
    """``ingestion.demo.generate`` on a fresh SQLite ledger, once per run for the same
    arguments (the generator is deterministic: tests/ingestion/test_demo_company.py)."""

    def build(folder: Path) -> None:
        from ingestion.demo import generate
        from transactional.migrate import upgrade

        url = f"sqlite:///{folder / 'erp.db'}"
        upgrade(url)
        stages: list[tuple[str, int, int]] = []
        totals = generate(
            url,
            seed=seed,
            scale=scale,
            progress=lambda stage, done, total: stages.append((stage, done, total)),
            **({} if end_date is None else {"end_date": end_date}),
        )
        # Pickled, not the product's JSON: the tests of that format compare against these.
        (folder / "generated.pickle").write_bytes(pickle.dumps((totals, stages)))

    folder = built_once(tmp_path_factory, f"ledger-seed{seed}-scale{scale}-end{end_date}", build)
    totals, stages = pickle.loads((folder / "generated.pickle").read_bytes())
    return GeneratedLedger(path=folder / "erp.db", totals=totals, stages=stages)


DEMO_SEED = 42
DEMO_SCALE = 0.002  # about 10k journal lines: every mart has content, in seconds


def refreshed_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real pipeline once per run: the demo group (``DEMO_SEED``, ``DEMO_SCALE``) in
    ``erp.db`` and the warehouse the first refresh published from it in ``warehouse/``
    (dagster's ephemeral instance). Shared: copy what a test writes to."""

    def build(folder: Path) -> None:
        from orchestration.refresh import run_refresh

        ledger = generated_ledger(tmp_path_factory, seed=DEMO_SEED, scale=DEMO_SCALE)
        shutil.copy(ledger.path, folder / "erp.db")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("ERP_DATABASE_URL", f"sqlite:///{folder / 'erp.db'}")
            env.setenv("ERP_WAREHOUSE_DIR", str(folder / "warehouse"))
            env.delenv("DAGSTER_HOME", raising=False)  # an ephemeral dagster instance
            run_refresh()

    return built_once(tmp_path_factory, "refreshed-demo", build)


# --- a test that changes the dbt project runs alone ------------------------------------------
#
# A test marked edits_dbt_project writes a model file into models/ (the analyst's loop of
# adding a model); while it exists every other process on this checkout sees another
# project: its refresh would re-parse and build that model, its fingerprints would differ.
# The suite runs on two pytest-xdist workers (.ci/test), and developers may run pytest
# beside it, so each test holds a shared lock on the project for its whole run (the
# fixtures it sets up and tears down included) and such a test an exclusive one. It
# enters through a turnstile first: the other worker's next test waits behind it, rather
# than the lock passing from one shared holder to the next and never coming free.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{EDITS_DBT_PROJECT}: writes into models/ (the dbt project): runs while no other "
        "test of this checkout runs",
    )


def _flock(stack: ExitStack, path: Path, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    stack.callback(os.close, descriptor)  # closing releases the lock
    fcntl.flock(descriptor, mode)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    alone = item.get_closest_marker(EDITS_DBT_PROJECT) is not None
    with ExitStack() as held:
        with ExitStack() as turnstile:
            _flock(turnstile, PROJECT_LOCKS / ".tests-turnstile.lock", fcntl.LOCK_EX)
            _flock(
                held,
                PROJECT_LOCKS / ".tests-project.lock",
                fcntl.LOCK_EX if alone else fcntl.LOCK_SH,
            )
            if alone:
                held.push(turnstile.pop_all())  # nobody enters until it is done
        return (yield)


# --- the order two pytest-xdist workers take the modules in ----------------------------------
#
# With -n 2 --dist loadfile every module goes whole to one worker, so its module fixtures
# (a warehouse built by dbt, Spark's build) are built once. (--dist loadgroup cannot group
# across modules here: pytest 9.2's structured node ids ignore xdist 3.8's group suffix,
# pytest-xdist#1386, so it degrades to per-test distribution.) The heaviest modules go
# first (Spark, the browser, whatever runs the pipeline), so the many quick modules fill in
# at the end instead of one worker finishing a long module alone; with
# --no-loadscope-reorder, otherwise xdist starts with the modules of the most tests.


def _weight(item: pytest.Item) -> int:
    for rank, marker in enumerate(("spark", "browser", "pipeline")):
        if item.get_closest_marker(marker) is not None:
            return rank
    return 3


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    weights: dict[str, int] = {}  # module -> its heaviest test's weight
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        weights[module] = min(weights.get(module, 3), _weight(item))
    items.sort(
        key=lambda item: weights[item.nodeid.split("::", 1)[0]]
    )  # stable: modules stay whole
