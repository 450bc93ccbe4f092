"""Shared fixtures: migrated transactional databases on SQLite and PostgreSQL.

PostgreSQL is a real part of the product: when the server at 127.0.0.1:5432 is missing
these fixtures fail (they never skip).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from importlib.machinery import ModuleSpec
from pathlib import Path

import psycopg
import pytest

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
