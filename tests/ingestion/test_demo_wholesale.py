"""The generator's wholesale trading: deterministic, its control totals are true, and the
data has what the wholesale marts need (a long tail, back orders, returns, late and
punctual suppliers).

Each check compares the generator's own figures (``ControlTotals.wholesale_*``,
``closing_stock``) with the database read back by SQL.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from ingestion.demo import ControlTotals, generate
from tests.conftest import generated_ledger
from transactional.database import make_engine, session_scope
from transactional.finance.models import Account, Invoice, InvoiceLine, JournalEntry, JournalLine
from transactional.migrate import upgrade
from transactional.organisation.models import Division, User
from transactional.purchasing.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    InvoiceMatch,
    PurchaseOrderLine,
    SupplierReturn,
)
from transactional.relations.models import Relation
from transactional.sales.models import (
    CustomerSalesperson,
    Delivery,
    DeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
)
from transactional.stock.models import StockCount, StockMovement, StockTransfer
from transactional.wholesale.models import Item, ItemBarcode, PriceRule, Warehouse

SEED = 7
SCALE = 0.002
END = date(2026, 10, 31)
TRADING = ("NL01", "UK01")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
WHOLESALE_TABLES = (
    SalesOrder,
    SalesOrderLine,
    Delivery,
    DeliveryLine,
    SalesReturn,
    GoodsReceipt,
    GoodsReceiptLine,
    StockMovement,
    InvoiceMatch,
)


@dataclass
class Generated:
    url: str
    totals: ControlTotals


def _fresh_sqlite(directory: Path) -> str:
    url = f"sqlite:///{directory / 'erp.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    # Generated once per run for these arguments (test_demo_company.py and the
    # manufacturing module read the same company); the module reads its own copy.
    built = generated_ledger(tmp_path_factory, seed=SEED, scale=SCALE, end_date=END)
    target = tmp_path_factory.mktemp("wholesale") / "erp.db"
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


def _fingerprint(url: str) -> str:
    """A hash of the wholesale documents and stock movements, timestamps left out."""
    digest = hashlib.sha256()
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            for model in WHOLESALE_TABLES:
                table: Any = model.__table__  # type: ignore[attr-defined]
                columns = [c for c in table.columns if c.name not in ("created_at", "accepted_at")]
                for row in s.execute(select(*columns).order_by(columns[0])):
                    digest.update(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def _year(column: Any) -> Any:
    return func.extract("year", column)


def test_same_seed_gives_the_same_trade(company: Generated, tmp_path: Path) -> None:
    url = _fresh_sqlite(tmp_path)
    again = generate(url, seed=SEED, scale=SCALE, end_date=END)
    for name in (
        "wholesale_revenue",
        "wholesale_cost_of_sales",
        "wholesale_documents",
        "closing_stock",
    ):
        assert getattr(again, name) == getattr(company.totals, name), name
    assert _fingerprint(url) == _fingerprint(company.url)


def test_control_totals_cover_the_trading_divisions(company: Generated) -> None:
    totals = company.totals
    assert sorted(totals.wholesale_revenue) == list(TRADING)
    for code in TRADING:
        assert all(v > 0 for v in totals.wholesale_revenue[code].values()), code
        assert all(v > 0 for v in totals.wholesale_cost_of_sales[code].values()), code
        assert totals.closing_stock[code] > 0
        for kinds in totals.wholesale_documents[code].values():
            assert kinds["orders"] > 0 and kinds["deliveries"] > 0 and kinds["receipts"] > 0
    assert ControlTotals.from_json(totals.to_json()) == totals
    assert "closing stock value" in str(totals)


def test_wholesale_revenue_equals_the_item_invoice_lines(
    company: Generated, session: Session
) -> None:
    rows = session.exec(
        select(
            Division.code,
            _year(Invoice.invoice_date),
            func.sum(InvoiceLine.amount),
            func.max(Invoice.rate),
            func.min(Invoice.rate),
        )
        .join(Invoice, col(Invoice.id) == InvoiceLine.invoice_id)
        .join(Division, col(Division.id) == Invoice.division_id)
        .where(
            col(InvoiceLine.item_id).is_not(None),
            Invoice.invoice_type == "sales",
            col(Division.code).in_(TRADING),  # the manufacturer MF01 sells its own products
        )
        .group_by(col(Division.code), _year(Invoice.invoice_date))
    ).all()
    found: dict[str, dict[int, Decimal]] = {}
    for code, year, amount, high, low in rows:
        assert high == low == 1  # wholesale documents are in the division's currency
        found.setdefault(code, {})[int(year)] = amount
    assert found == company.totals.wholesale_revenue
    # ... and they are part of the division revenue the ledger shows.
    for code in TRADING:
        for year, amount in found[code].items():
            assert company.totals.revenue[code][year] > amount


def test_closing_stock_equals_movements_and_ledger(company: Generated, session: Session) -> None:
    movements = dict(
        session.exec(
            select(Division.code, func.sum(StockMovement.value))
            .join(Division, col(Division.id) == StockMovement.division_id)
            .group_by(col(Division.code))
        ).all()
    )
    ledger = dict(
        session.exec(
            select(Division.code, func.sum(JournalLine.amount_base))
            .join(Account, col(Account.id) == JournalLine.account_id)
            .join(Division, col(Division.id) == JournalLine.division_id)
            .where(Account.code == "3000")
            .group_by(col(Division.code))
        ).all()
    )
    assert movements == ledger == company.totals.closing_stock


def test_cost_of_sales_equals_the_delivery_and_return_entries(
    company: Generated, session: Session
) -> None:
    rows = session.exec(
        select(Division.code, _year(JournalEntry.entry_date), func.sum(JournalLine.amount_base))
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .join(Account, col(Account.id) == JournalLine.account_id)
        .join(Division, col(Division.id) == JournalLine.division_id)
        .where(
            Account.code == "7000",
            col(JournalEntry.source_type).in_(("delivery", "sales_return")),
            col(Division.code).in_(TRADING),
        )
        .group_by(col(Division.code), _year(JournalEntry.entry_date))
    ).all()
    found: dict[str, dict[int, Decimal]] = {}
    for code, year, amount in rows:
        found.setdefault(code, {})[int(year)] = amount
    assert found == company.totals.wholesale_cost_of_sales


def test_document_counts(company: Generated, session: Session) -> None:
    def per_year(model: Any, day: Any, *where: Any) -> dict[tuple[str, int], int]:
        rows = session.exec(
            select(Division.code, _year(day), func.count())
            .select_from(model)
            .join(Division, col(Division.id) == model.division_id)
            .where(*where)
            .group_by(col(Division.code), _year(day))
        ).all()
        return {(code, int(year)): n for code, year, n in rows}

    counted = {
        "orders": per_year(
            SalesOrder, SalesOrder.order_date, col(SalesOrder.order_number).is_not(None)
        ),
        "deliveries": per_year(Delivery, Delivery.delivery_date),
        "returns": per_year(SalesReturn, SalesReturn.return_date),
        "receipts": per_year(GoodsReceipt, GoodsReceipt.receipt_date),
    }
    for code, years in company.totals.wholesale_documents.items():
        for year, kinds in years.items():
            for kind, n in kinds.items():
                assert counted[kind].get((code, year), 0) == n, (code, year, kind)


def test_a_fifth_of_the_items_makes_most_of_the_revenue(session: Session) -> None:
    for code in TRADING:
        revenue = sorted(
            (
                amount
                for _, amount in session.exec(
                    select(InvoiceLine.item_id, func.sum(InvoiceLine.amount))
                    .join(Invoice, col(Invoice.id) == InvoiceLine.invoice_id)
                    .join(Division, col(Division.id) == Invoice.division_id)
                    .where(Division.code == code, col(InvoiceLine.item_id).is_not(None))
                    .group_by(col(InvoiceLine.item_id))
                ).all()
            ),
            reverse=True,
        )
        items = session.exec(
            select(func.count())
            .select_from(Item)
            .join(Division, col(Division.id) == Item.division_id)
            .where(Division.code == code)
        ).one()
        top = revenue[: max(1, items // 5)]
        assert sum(top) > Decimal("0.55") * sum(revenue), code


def test_back_orders_returns_and_supplier_punctuality(session: Session) -> None:
    split_lines = session.exec(
        select(DeliveryLine.order_line_id)
        .group_by(col(DeliveryLine.order_line_id))
        .having(func.count(func.distinct(DeliveryLine.delivery_id)) > 1)
    ).all()
    assert len(split_lines) > 0  # delivered in parts: the rest waited as a back order
    credited = session.exec(
        select(func.count())
        .select_from(SalesReturn)
        .where(col(SalesReturn.credit_note_id).is_not(None))
    ).one()
    assert credited > 0
    assert session.exec(select(func.count()).select_from(SupplierReturn)).one() > 0
    first_receipt = (
        select(GoodsReceiptLine.order_line_id, func.min(GoodsReceipt.receipt_date).label("day"))
        .join(GoodsReceipt, col(GoodsReceipt.id) == GoodsReceiptLine.receipt_id)
        .group_by(col(GoodsReceiptLine.order_line_id))
        .subquery()
    )
    punctual = session.exec(
        select(PurchaseOrderLine.promised_date, first_receipt.c.day).join(
            first_receipt, first_receipt.c.order_line_id == PurchaseOrderLine.id
        )
    ).all()
    late = sum(1 for promised, day in punctual if day > promised)
    assert 0 < late < len(punctual)
    accepted = session.exec(
        select(User.username)
        .join(InvoiceMatch, col(InvoiceMatch.accepted_by) == User.id)
        .where(InvoiceMatch.status == "price_difference")
    ).all()
    assert accepted and set(accepted) == {"accountant"}
    assert session.exec(select(func.count()).select_from(StockCount)).one() >= 2
    assert session.exec(select(func.count()).select_from(StockTransfer)).one() > 0


def test_master_data(session: Session) -> None:
    trading = select(Division.id).where(col(Division.code).in_(TRADING))
    items = session.exec(select(Item).where(col(Item.division_id).in_(trading))).all()
    assert {i.tracking for i in items} == {"none", "serial", "lot"}
    assert any(i.allow_negative_stock for i in items)
    barcodes = session.exec(select(func.count()).select_from(ItemBarcode)).one()
    assert barcodes == len(items)
    warehouses = session.exec(
        select(func.count()).select_from(Warehouse).where(col(Warehouse.division_id).in_(trading))
    ).one()
    assert warehouses == 3
    assert (
        session.exec(
            select(func.count()).select_from(PriceRule).where(col(PriceRule.is_promotion))
        ).one()
        > 0
    )
    countries = session.exec(
        select(func.count(func.distinct(Relation.country))).join(
            CustomerSalesperson, col(CustomerSalesperson.relation_id) == Relation.id
        )
    ).one()
    assert countries >= 3


@pytest.mark.postgres
def test_postgresql_stock_reconciles() -> None:
    """The wholesale generator on PostgreSQL: stock movements, ledger and control totals."""
    name = f"erp_ws_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required and unreachable: {exc}")
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url)
        totals = generate(url, seed=SEED, scale=0.001, end_date=END)
        engine = make_engine(url)
        try:
            with session_scope(engine) as s:
                stock = dict(
                    s.execute(
                        text(
                            "SELECT d.code, sum(m.value) FROM stock_movement m "
                            "JOIN division d ON d.id = m.division_id GROUP BY d.code"
                        )
                    )
                    .tuples()
                    .all()
                )
                ledger = dict(
                    s.execute(
                        text(
                            "SELECT d.code, sum(l.amount_base) FROM journal_line l "
                            "JOIN account a ON a.id = l.account_id "
                            "JOIN division d ON d.id = l.division_id "
                            "WHERE a.code = '3000' GROUP BY d.code"
                        )
                    )
                    .tuples()
                    .all()
                )
                assert stock == ledger == totals.closing_stock
        finally:
            engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
