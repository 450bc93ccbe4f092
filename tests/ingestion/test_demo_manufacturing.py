"""The generator's manufacturer MF01: its control totals are true, work in progress
reconciles, and the master data has what the manufacturing features need (2-4 BOM levels,
shared components, a phantom, scrap, an outsourced operation, a default cost scenario,
open orders and a sales plan at the end).

Each check compares the generator's own figures (``ControlTotals.production_*``,
``closing_wip``) with the database read back by SQL.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from ingestion.demo import ControlTotals
from tests.conftest import generated_ledger
from transactional.consolidation.models import GroupMember
from transactional.database import make_engine, session_scope
from transactional.finance.models import Account, JournalEntry, JournalLine
from transactional.manufacturing.models import (
    BillOfMaterials,
    BomLine,
    BomOperation,
    CostScenario,
    ItemCostPrice,
    ItemPlanning,
    ProductionOrder,
    ProductionTransaction,
    SalesPlan,
    WorkCentre,
)
from transactional.organisation.models import Division, User
from transactional.stock.models import StockMovement
from transactional.wholesale.models import Item

SEED = 7
SCALE = 0.002
END = date(2026, 10, 31)
YEARS = (2024, 2025, 2026)
INPUT_KINDS = ("material_issue", "material_return", "labour", "machine", "outsourced", "overhead")
VARIANCE_ACCOUNTS = {"7250": "material", "7260": "labour", "7270": "machine"}


@dataclass
class Generated:
    url: str
    totals: ControlTotals


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    # Generated once per run for these arguments (test_demo_company.py and the wholesale
    # module read the same company); the module reads its own copy.
    built = generated_ledger(tmp_path_factory, seed=SEED, scale=SCALE, end_date=END)
    target = tmp_path_factory.mktemp("manufacturing") / "erp.db"
    shutil.copy(built.path, target)
    return Generated(f"sqlite:///{target}", built.totals)


@pytest.fixture
def session(company: Generated) -> Iterator[Session]:
    engine = make_engine(company.url)
    try:
        with session_scope(engine) as s:
            yield s
    finally:
        engine.dispose()


@pytest.fixture
def mf01(session: Session) -> int:
    division = session.exec(select(Division).where(Division.code == "MF01")).one()
    assert division.id is not None
    return division.id


def _account_balance(
    session: Session, division: int, code: str, year: int | None = None
) -> Decimal:
    query = (
        select(func.coalesce(func.sum(JournalLine.amount_base), 0))
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .join(Account, col(Account.id) == JournalLine.account_id)
        .where(JournalLine.division_id == division, Account.code == code)
    )
    if year is not None:
        query = query.where(
            JournalEntry.entry_date >= date(year, 1, 1),
            JournalEntry.entry_date <= date(year, 12, 31),
        )
    return Decimal(session.exec(query).one())


def test_wip_reconciles_with_the_ledger_and_the_generator(
    company: Generated, session: Session, mf01: int
) -> None:
    transactions = Decimal(
        session.exec(
            select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
                ProductionTransaction.division_id == mf01
            )
        ).one()
    )
    assert _account_balance(session, mf01, "3100") == transactions
    assert transactions == company.totals.closing_wip["MF01"]
    assert transactions > 0  # open orders at the end hold work in progress
    # Every closed order is empty; the WIP is on the open ones.
    per_order = session.exec(
        select(ProductionOrder.status, func.sum(ProductionTransaction.value))
        .join(ProductionOrder, col(ProductionOrder.id) == ProductionTransaction.order_id)
        .where(ProductionOrder.division_id == mf01)
        .group_by(col(ProductionOrder.id), col(ProductionOrder.status))
    ).all()
    assert all(value == 0 for status, value in per_order if status == "closed")


def test_stock_reconciles_with_the_ledger_and_the_generator(
    company: Generated, session: Session, mf01: int
) -> None:
    """Components in and out (purchases, issues, backflush), products and parts in from
    production and out on deliveries: the generator's stock book, the stock movements and
    the inventory account agree."""
    movements = Decimal(
        session.exec(
            select(func.coalesce(func.sum(StockMovement.value), 0)).where(
                StockMovement.division_id == mf01
            )
        ).one()
    )
    assert movements == _account_balance(session, mf01, "3000")
    assert movements == company.totals.closing_stock["MF01"] > 0
    kinds = set(
        session.exec(
            select(StockMovement.movement_type).where(StockMovement.division_id == mf01)
        ).all()
    )
    assert {"receipt", "production_issue", "production_receipt", "delivery"} <= kinds


def test_variances_per_year_match_the_variance_accounts(
    company: Generated, session: Session, mf01: int
) -> None:
    posted = company.totals.production_variances["MF01"]
    assert set(posted) == set(YEARS)
    for year in YEARS:
        for code, kind in VARIANCE_ACCOUNTS.items():
            assert _account_balance(session, mf01, code, year) == posted[year][kind], (year, kind)
        # ... and they are the variance transactions of the orders closed that year.
        from_transactions = session.exec(
            select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
                ProductionTransaction.division_id == mf01,
                ProductionTransaction.kind == "variance",
                ProductionTransaction.transaction_date >= date(year, 1, 1),
                ProductionTransaction.transaction_date <= date(year, 12, 31),
            )
        ).one()
        assert -Decimal(from_transactions) == sum(posted[year].values(), Decimal(0))
    assert any(v != 0 for years in posted.values() for v in years.values())


def test_production_cost_and_output_per_year(
    company: Generated, session: Session, mf01: int
) -> None:
    cost: dict[int, Decimal] = defaultdict(Decimal)
    output: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row, code in session.exec(
        select(ProductionTransaction, Item.code)
        .join(ProductionOrder, col(ProductionOrder.id) == ProductionTransaction.order_id)
        .join(Item, col(Item.id) == ProductionOrder.item_id)
        .where(ProductionTransaction.division_id == mf01)
    ).all():
        year = row.transaction_date.year
        if row.kind in INPUT_KINDS:
            cost[year] += row.value
        elif row.kind == "completion":
            output[year][code] = output[year].get(code, Decimal(0)) + row.quantity
    assert {y: cost.get(y, Decimal(0)) for y in YEARS} == company.totals.production_cost["MF01"]
    assert {y: dict(sorted(output.get(y, {}).items())) for y in YEARS} == (
        company.totals.production_output["MF01"]
    )
    closed = dict(
        session.exec(
            select(func.extract("year", col(ProductionOrder.closed_on)), func.count())
            .where(ProductionOrder.division_id == mf01, ProductionOrder.status == "closed")
            .group_by(func.extract("year", col(ProductionOrder.closed_on)))
        ).all()
    )
    assert {y: closed.get(y, 0) for y in YEARS} == company.totals.production_orders_closed["MF01"]
    assert all(n > 0 for n in company.totals.production_orders_closed["MF01"].values())
    # Finished products and semi-finished parts were made every year.
    for year in YEARS:
        made = company.totals.production_output["MF01"][year]
        assert {"AXLE", "FRAME-L"} <= set(made) and {"TROL-S", "ECART"} & set(made), year


def _depth(graph: dict[int, list[int]], item: int) -> int:
    return 1 + max((_depth(graph, c) for c in graph.get(item, [])), default=0)


def test_master_data_has_levels_shared_parts_a_phantom_and_costs(
    session: Session, mf01: int
) -> None:
    items = {i.id: i for i in session.exec(select(Item).where(Item.division_id == mf01)).all()}
    planning = {
        p.item_id: p
        for p in session.exec(select(ItemPlanning).where(ItemPlanning.division_id == mf01)).all()
    }
    assert set(planning) == set(items)
    graph: dict[int, list[int]] = defaultdict(list)
    used_by: dict[int, set[int]] = defaultdict(set)
    for bom, line in session.exec(
        select(BillOfMaterials, BomLine)
        .join(BomLine, col(BomLine.bom_id) == BillOfMaterials.id)
        .where(BillOfMaterials.division_id == mf01, col(BillOfMaterials.is_default))
    ).all():
        graph[bom.item_id].append(line.component_id)
        used_by[line.component_id].add(bom.item_id)
    products = [i for i in items.values() if i.sales_price > 0]
    assert 4 <= len(products) <= 6
    depths = {items[p.id].code: _depth(graph, p.id or 0) for p in products}
    # Product, part(s), component: 3 or 4 levels of items (ECART > DRIVE > AXLE > BEARING).
    assert min(depths.values()) == 3 and max(depths.values()) == 4
    phantoms = [i for i, p in planning.items() if p.supply == "phantom"]
    assert len(phantoms) == 1 and graph[phantoms[0]] and len(used_by[phantoms[0]]) >= 3
    bought = [i for i, p in planning.items() if p.supply == "buy"]
    assert sum(1 for i in bought if len(used_by[i]) >= 2) >= 3  # shared components
    assert all(items[i].cost_method == "average" for i in bought)
    made = [i for i, p in planning.items() if p.supply == "make"]
    assert all(items[i].cost_method == "standard" and items[i].standard_cost > 0 for i in made)
    assert all(planning[i].lead_time_days > 0 for i in made + bought)
    assert any(planning[i].order_multiple > 0 and planning[i].minimum_quantity > 0 for i in bought)
    scrap = session.exec(
        select(func.count()).select_from(BomLine).where(BomLine.scrap_pct > 0)
    ).one()
    assert scrap >= 3
    outsourced = session.exec(
        select(func.count())
        .select_from(BomOperation)
        .where(col(BomOperation.supplier_id).is_not(None), BomOperation.outsourced_price > 0)
    ).one()
    assert outsourced >= 1
    centres = session.exec(select(WorkCentre).where(WorkCentre.division_id == mf01)).all()
    assert 3 <= len(centres) <= 4 and any(c.efficiency_pct < 100 for c in centres)
    scenario = session.exec(
        select(CostScenario).where(CostScenario.division_id == mf01, col(CostScenario.is_default))
    ).one()
    assert scenario.with_surcharges and scenario.material_surcharge_pct > 0
    applied = session.exec(
        select(func.count())
        .select_from(ItemCostPrice)
        .where(ItemCostPrice.scenario_id == scenario.id, col(ItemCostPrice.applied_on).is_not(None))
    ).one()
    assert applied == len(made)


def test_orders_of_every_kind_and_open_work_at_the_end(session: Session, mf01: int) -> None:
    orders = session.exec(select(ProductionOrder).where(ProductionOrder.division_id == mf01)).all()
    status = {o.status for o in orders}
    assert {"planned", "released", "closed"} <= status
    assert any(o.sales_order_line_id is not None for o in orders)
    assert any(o.sales_order_line_id is None and o.parent_order_id is None for o in orders)
    assert any(o.parent_order_id is not None for o in orders)
    assert any(o.backflush and o.status == "closed" for o in orders)
    assert any(o.status == "closed" and o.quantity_completed < o.quantity for o in orders)
    kinds = set(
        session.exec(
            select(ProductionTransaction.kind).where(ProductionTransaction.division_id == mf01)
        ).all()
    )
    assert {
        "material_issue",
        "labour",
        "machine",
        "outsourced",
        "overhead",
        "completion",
        "variance",
    } <= kinds
    # Partial completions: an order completed in more than one step.
    parts = session.exec(
        select(ProductionTransaction.order_id)
        .where(
            ProductionTransaction.kind == "completion", ProductionTransaction.division_id == mf01
        )
        .group_by(col(ProductionTransaction.order_id))
        .having(func.count() > 1)
    ).all()
    assert parts
    plan = session.exec(select(SalesPlan).where(SalesPlan.division_id == mf01)).all()
    assert plan and all(p.period_start > END for p in plan)


def test_mf01_is_founded_without_goodwill(session: Session, mf01: int) -> None:
    """The holding paid exactly MF01's net assets at the end of the first day (EUR, rate 1):
    equity and P&L lines of that day, negated."""
    member = session.exec(select(GroupMember).where(GroupMember.division_id == mf01)).one()
    first_day = date(YEARS[0], 1, 1)
    net = session.exec(
        select(func.coalesce(func.sum(JournalLine.amount_base), 0))
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .join(Account, col(Account.id) == JournalLine.account_id)
        .where(
            JournalLine.division_id == mf01,
            JournalEntry.entry_date <= first_day,
            col(Account.account_class).in_(
                (
                    "equity",
                    "revenue",
                    "other_income",
                    "cost_of_sales",
                    "expense",
                    "other_expense",
                    "tax",
                )
            ),
        )
    ).one()
    assert member.investment_cost == -Decimal(net) > 0
    assert member.ownership_pct == 100


def test_the_production_clerk(session: Session, mf01: int) -> None:
    clerk = session.exec(select(User).where(User.username == "clerk9")).one()
    assert clerk.role == "clerk"
    creators = set(
        session.exec(
            select(ProductionTransaction.created_by).where(
                ProductionTransaction.division_id == mf01
            )
        ).all()
    )
    assert creators == {clerk.id}


def test_control_totals_survive_json(company: Generated, tmp_path: Path) -> None:
    assert ControlTotals.from_json(company.totals.to_json()) == company.totals
    assert "closing work in progress" in str(company.totals)
