"""Fixtures for the warehouse tests: a generated demo company, a warehouse folder, dagster.

The dagster definitions read the dbt manifest at import, so ``dbt parse`` runs once per
session before anything imports ``orchestration.definitions``; it parses against the
session's warehouse path, so every later ``dbt build`` of the session parses partially.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DEMO_SCALE, DEMO_SEED, generated_ledger
from transactional.migrate import upgrade


@dataclass
class DemoCompany:
    url: str
    totals: object  # ingestion.demo.ControlTotals


@pytest.fixture(scope="session")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's ERP_WAREHOUSE_DIR (build/ and published/ live here)."""
    path = tmp_path_factory.mktemp("warehouse")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERP_WAREHOUSE_DIR", str(path))
        patch.setenv("DO_NOT_TRACK", "1")
        patch.setenv("GX_ANALYTICS_ENABLED", "false")
        patch.delenv("DAGSTER_HOME", raising=False)
        yield path


@pytest.fixture(scope="session")
def dbt_parsed(warehouse_dir: Path) -> None:
    """``dbt parse`` once, against this session's warehouse path."""
    from orchestration.project import environment, parse_project
    from orchestration.publish import build_path

    with environment({"ERP_WAREHOUSE_PATH": str(build_path(warehouse_dir))}):
        parse_project()


@pytest.fixture(scope="session")
def definitions(dbt_parsed: None):  # type: ignore[no-untyped-def]
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="session")
def demo_company(
    tmp_path_factory: pytest.TempPathFactory, warehouse_dir: Path
) -> Iterator[DemoCompany]:
    """A generated demo group on SQLite, the session's ERP_DATABASE_URL: this worker's
    copy of the run's (tests post to it)."""
    ledger = generated_ledger(tmp_path_factory, seed=DEMO_SEED, scale=DEMO_SCALE)
    path = tmp_path_factory.mktemp("demo") / "erp.db"
    shutil.copy(ledger.path, path)
    url = f"sqlite:///{path}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERP_DATABASE_URL", url)
        yield DemoCompany(url=url, totals=ledger.totals)


@pytest.fixture(scope="session")
def demo_company_pg() -> Iterator[DemoCompany]:
    """The same demo group generated on PostgreSQL, in a database of its own.

    The server is a real part of the product: without it this fails, it never skips.
    """
    from ingestion.demo import generate
    from tests.conftest import create_pg_database, drop_pg_database, pg_url
    from transactional.database import engine_for

    name = create_pg_database()
    try:
        url = pg_url(name)
        upgrade(url)
        totals = generate(url, seed=DEMO_SEED, scale=DEMO_SCALE)
        yield DemoCompany(url=url, totals=totals)
    finally:
        engine_for.cache_clear()
        drop_pg_database(name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Keep DO_NOT_TRACK on for any dbt the tests start, whatever the caller's shell says.
    os.environ.setdefault("DO_NOT_TRACK", "1")
