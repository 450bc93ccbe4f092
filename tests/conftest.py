"""Shared fixtures: migrated transactional databases on SQLite and PostgreSQL.

PostgreSQL is a real part of the product: when the server at 127.0.0.1:5432 is missing
these fixtures fail (they never skip).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
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
