"""Fixtures for the dashboard tests.

- ``contract_wh``: a small warehouse shaped like docs/marts.md with known numbers, for the
  query unit tests (fast, exact).
- ``demo_stack``: the real thing, once per session: a migrated SQLite ledger filled by
  the demo generator, refreshed by the real pipeline (extract, dbt build, checks,
  publish). The AppTests read its published warehouse and post to copies of its ledger.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dashboards.warehouse import PublishedWarehouse
from tests.conftest import refreshed_demo
from tests.dashboards import contract_warehouse

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


@dataclass
class Company:
    """A ledger the forms post to, and the master data the tests type into them."""

    url: str
    division: str
    clerk: str
    manager: str
    open_date: dt.date
    closed_date: dt.date
    expense_account: str
    bank_account: str
    revenue_account: str
    customer: str
    supplier: str
    _users: dict[str, int] = field(default_factory=dict)

    def user(self, username: str) -> int:
        if username not in self._users:
            from tests.dashboards.apptest_helpers import user_id

            self._users[username] = user_id(self.url, username)
        return self._users[username]


@pytest.fixture(scope="session")
def contract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse dir whose published version is the contract fixture."""
    path = tmp_path_factory.mktemp("contract_wh")
    contract_warehouse.publish(path)
    return path


@pytest.fixture(scope="session")
def contract_wh(contract_dir: Path) -> PublishedWarehouse:
    target = (contract_dir / "published" / "CURRENT").read_text().strip()
    return PublishedWarehouse(contract_dir / "published" / target)


@dataclass(frozen=True)
class DemoStack:
    """A generated demo company and the warehouse the real refresh published from it."""

    ledger: Path  # the transactional SQLite file the warehouse was built from
    warehouse_dir: Path

    @property
    def published(self) -> PublishedWarehouse:
        from orchestration.publish import current_publication

        publication = current_publication(self.warehouse_dir)
        assert publication is not None, "the refresh published nothing"
        return PublishedWarehouse(publication.base, publication.delta)


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> DemoStack:
    """The real pipeline (migrate, generate a tiny group, refresh), built once per run
    (tests/conftest.py refreshed_demo); this worker's copy, as pages may write beside it."""
    root = tmp_path_factory.mktemp("demo") / "stack"
    shutil.copytree(refreshed_demo(tmp_path_factory), root)
    return DemoStack(root / "erp.db", root / "warehouse")


@pytest.fixture
def company(demo_stack: DemoStack, tmp_path: Path) -> Company:
    """A fresh copy of the demo group's ledger for one test (forms write to it)."""
    target = tmp_path / "erp.db"
    shutil.copy(demo_stack.ledger, target)
    return Company(
        url=f"sqlite:///{target}",
        division="HOLD",
        clerk="clerk8",  # a clerk with rights in HOLD
        manager="manager",
        open_date=dt.date(2026, 3, 10),
        closed_date=dt.date(2024, 5, 10),
        expense_account="4300",
        bank_account="1100",
        revenue_account="8000",
        customer="C00001",
        supplier="S00001",
    )


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, demo_stack: DemoStack, company: Company) -> Company:
    """Point the app at the demo's published warehouse and a fresh copy of its ledger."""
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(demo_stack.warehouse_dir))
    monkeypatch.setenv("ERP_DATABASE_URL", company.url)
    return company


@pytest.fixture
def insights(app_env: Company, demo_stack: DemoStack) -> PublishedWarehouse:
    """The published warehouse the Finance page reads: the real pipeline's output."""
    return demo_stack.published
