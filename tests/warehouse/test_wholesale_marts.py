"""The wholesale marts on a small hand-made scenario posted through the services.

Purchases (with a late line, a supplier return and an accepted price difference), a
transfer, sales in EUR and USD with a customer return and credit note, a partly
delivered order and a stock count go through ``transactional.{purchasing,sales,stock}``;
then the extract and ``dbt build`` (every model, data test and unit test) run into a
warehouse of this test's own. The marts are checked against numbers computed here
independently: from the invoices, the ledger and the stock movements in the source, and
a pure-Python ABC rule.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlmodel import Session, col, select

from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.finance.models import Account, Invoice, InvoiceLine, JournalLine
from transactional.organisation.models import Division
from transactional.purchasing import matching, receipts
from transactional.purchasing import orders as purchase_orders
from transactional.purchasing import returns as supplier_returns
from transactional.purchasing.models import PurchaseOrderLine
from transactional.sales import deliveries, invoicing
from transactional.sales import orders as sales_orders
from transactional.sales import returns as sales_returns
from transactional.sales.models import DeliveryLine, SalesReturnLine
from transactional.stock import counts, transfers
from transactional.stock.models import StockMovement
from transactional.stock.movements import on_hand
from transactional.stock.standard_cost import change_standard_cost
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item, Warehouse

pytestmark = pytest.mark.pipeline

D = Decimal
AS_OF = "2025-12-31"
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


@dataclass
class Scenario:
    url: str
    warehouse: Path
    so1: int  # C1, EUR: HAM 30 and NUT 10, delivered, invoiced, 5 HAM returned
    so2: int  # C2, USD: HAM 10, delivered and invoiced
    so3: int  # C1: NUT 20, 8 delivered, not invoiced (a back order)


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def scenario(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    folder = tmp_path_factory.mktemp("wholesale")
    shutil.copy(sqlite_template, folder / "erp.db")
    url = f"sqlite:///{folder / 'erp.db'}"
    engine = make_engine(url)
    try:
        orders = post_scenario(engine)
    finally:
        engine.dispose()
    warehouse = folder / "warehouse.duckdb"
    build_warehouse(url, warehouse, folder)
    return Scenario(url, warehouse, *orders)


def post_scenario(engine: Any) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        wi.create_warehouse(session=s, user=acc, division="HOLD", code="MAIN", name="Main")
        wi.create_warehouse(session=s, user=acc, division="HOLD", code="WH2", name="Second")
        wi.create_item_group(session=s, user=acc, division="HOLD", code="HW", name="Hardware")
        for code, group, sales, purchase in (
            ("HAM", "HW", "20.00", "12.00"),
            ("NUT", "HW", "6.00", "4.00"),
            ("BOLT", None, "1.50", "1.00"),
        ):
            wi.create_item(
                session=s,
                user=acc,
                division="HOLD",
                code=code,
                name=code.title(),
                item_group=group,
                sales_price=sales,
                purchase_price=purchase,
            )

    # Purchases: PO1 promised 10 March; HAM arrives in two parts, the last one late.
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        po1 = purchase_orders.create_purchase_order(
            session=s,
            user=acc,
            draft=purchase_orders.PurchaseOrderDraft(
                division="HOLD",
                supplier="S1",
                warehouse="MAIN",
                order_date="2025-03-03",
                promised_date="2025-03-10",
                lines=[
                    purchase_orders.PurchaseLineDraft("HAM", "100", "12.00"),
                    purchase_orders.PurchaseLineDraft("NUT", "50", "4.00"),
                    purchase_orders.PurchaseLineDraft("BOLT", "40", "1.00"),
                ],
            ),
        )
        ham1, nut1, bolt1 = (ln.id or 0 for ln in purchase_orders.order_lines(s, po1.id))
        first = receipts.receive(
            session=s,
            user=acc,
            order_id=po1.id or 0,
            receipt_date="2025-03-08",
            lines=[
                receipts.ReceiptLineDraft(ham1, "60"),
                receipts.ReceiptLineDraft(nut1, "50"),
                receipts.ReceiptLineDraft(bolt1, "40"),
            ],
        )
        receipts.receive(session=s, user=acc, order_id=po1.id or 0, receipt_date="2025-03-15")
        nut_receipt_line = _receipt_line(s, first.id, nut1)
        supplier_returns.return_to_supplier(
            session=s,
            user=acc,
            order_id=po1.id or 0,
            return_date="2025-03-20",
            lines=[supplier_returns.SupplierReturnLineDraft(nut_receipt_line or 0, "5")],
            reason="damaged",
        )
        matching.post_matched_invoice(
            session=s,
            user=acc,
            division="HOLD",
            supplier="S1",
            invoice_date="2025-03-25",
            lines=[
                matching.PurchaseInvoiceLineDraft(ham1, "100", "12.50", "I21"),
                matching.PurchaseInvoiceLineDraft(nut1, "45", "4.00", "I21"),
                matching.PurchaseInvoiceLineDraft(bolt1, "40", "1.00", "I21"),
            ],
            supplier_reference="S1-2025-1",
            accept_differences=True,
        )
        # PO2: HAM at a higher price, on time; moves the average cost.
        po2 = purchase_orders.create_purchase_order(
            session=s,
            user=acc,
            draft=purchase_orders.PurchaseOrderDraft(
                division="HOLD",
                supplier="S1",
                warehouse="MAIN",
                order_date="2025-04-01",
                promised_date="2025-04-20",
                lines=[purchase_orders.PurchaseLineDraft("HAM", "50", "13.00")],
            ),
        )
        receipts.receive(session=s, user=acc, order_id=po2.id or 0, receipt_date="2025-04-10")
        transfers.transfer_stock(
            session=s,
            user=acc,
            division="HOLD",
            from_warehouse="MAIN",
            to_warehouse="WH2",
            transfer_date="2025-04-15",
            lines=[transfers.TransferLineDraft("HAM", "20")],
        )

    with session_scope(engine) as s:
        acc = user(s, "accountant")
        so1 = sales_orders.create_order(
            session=s,
            user=acc,
            draft=sales_orders.SalesOrderDraft(
                division="HOLD",
                customer="C1",
                warehouse="MAIN",
                order_date="2025-05-02",
                lines=[
                    sales_orders.SalesLineDraft("HAM", "30"),
                    sales_orders.SalesLineDraft("NUT", "10", "6.00"),
                ],
            ),
        ).order
        delivery = deliveries.deliver(
            session=s, user=acc, order_id=so1.id or 0, delivery_date="2025-05-03"
        )
        invoicing.invoice_order(
            session=s, user=acc, order_id=so1.id or 0, invoice_date="2025-05-05"
        )
        ham_delivery_line = next(
            ln.id
            for ln in s.exec(
                select(DeliveryLine).where(DeliveryLine.delivery_id == delivery.id)
            ).all()
            if ln.item_id == _item_id(s, "HAM")
        )
        sales_returns.return_goods(
            session=s,
            user=acc,
            order_id=so1.id or 0,
            return_date="2025-05-20",
            lines=[sales_returns.ReturnLineDraft(ham_delivery_line or 0, "5")],
            reason="wrong size",
        )
        so2 = sales_orders.create_order(
            session=s,
            user=acc,
            draft=sales_orders.SalesOrderDraft(
                division="HOLD",
                customer="C2",
                warehouse="MAIN",
                order_date="2025-06-05",
                lines=[sales_orders.SalesLineDraft("HAM", "10", "25.00")],
            ),
        ).order
        deliveries.deliver(session=s, user=acc, order_id=so2.id or 0, delivery_date="2025-06-06")
        invoicing.invoice_order(
            session=s, user=acc, order_id=so2.id or 0, invoice_date="2025-06-10"
        )
        so3 = sales_orders.create_order(
            session=s,
            user=acc,
            draft=sales_orders.SalesOrderDraft(
                division="HOLD",
                customer="C1",
                warehouse="MAIN",
                order_date="2025-06-15",
                requested_date="2025-06-20",
                lines=[sales_orders.SalesLineDraft("NUT", "20", "6.00")],
            ),
        ).order
        nut_line = sales_orders.order_lines(s, so3.id or 0)[0]
        deliveries.deliver(
            session=s,
            user=acc,
            order_id=so3.id or 0,
            delivery_date="2025-06-16",
            lines=[deliveries.DeliveryLineDraft(nut_line.id or 0, "8")],
        )
        counts.post_stock_count(
            session=s,
            user=acc,
            division="HOLD",
            warehouse="MAIN",
            count_date="2025-07-01",
            lines=[
                counts.CountLineDraft(
                    "NUT", on_hand(s, _item_id(s, "NUT"), _warehouse_id(s, "MAIN")) - 2
                )
            ],
        )
        # A standard-cost item: 8 found in WH2 at standard 2.50 (20.00), then the standard
        # goes to 3.00: a revaluation movement of 8 x 0.50 = 4.00 (3000 against 7100).
        wi.create_item(
            session=s,
            user=acc,
            division="HOLD",
            code="STD",
            name="Standard",
            cost_method="standard",
            standard_cost="2.50",
        )
        counts.post_stock_count(
            session=s,
            user=acc,
            division="HOLD",
            warehouse="WH2",
            count_date="2025-07-01",
            lines=[counts.CountLineDraft("STD", "8")],
        )
        change_standard_cost(
            session=s, user=acc, division="HOLD", item="STD", new_cost="3.00", on="2025-08-01"
        )
        return so1.id or 0, so2.id or 0, so3.id or 0


def _receipt_line(s: Session, receipt_id: int | None, order_line_id: int) -> int | None:
    from transactional.purchasing.models import GoodsReceiptLine

    return s.exec(
        select(GoodsReceiptLine.id).where(
            GoodsReceiptLine.receipt_id == receipt_id,
            GoodsReceiptLine.order_line_id == order_line_id,
        )
    ).one()


def _item_id(s: Session, code: str) -> int:
    return s.exec(select(Item.id).where(Item.code == code)).one() or 0


def _warehouse_id(s: Session, code: str) -> int:
    return s.exec(select(Warehouse.id).where(Warehouse.code == code)).one() or 0


def build_warehouse(url: str, warehouse: Path, folder: Path) -> None:
    """Extract into the test's own DuckDB file and ``dbt build`` everything into it
    (own target and log folders: the session's parse state stays untouched)."""
    from ingestion.extract_load import extract_load
    from orchestration.project import dbt_environment, dbt_executable

    extract_load(url, warehouse, full=True)
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(MODELS_DIR),
            "--profiles-dir",
            str(MODELS_DIR),
            "--target-path",
            str(folder / "target"),
            "--log-path",
            str(folder / "logs"),
            "--vars",
            f'{{"as_of_date": "{AS_OF}"}}',
        ],
        cwd=MODELS_DIR,
        env={**os.environ, **dbt_environment(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]


def hold_id(s: Session) -> int:
    return s.exec(select(Division.id).where(Division.code == "HOLD")).one() or 0


# --- sales --------------------------------------------------------------------------


def test_revenue_per_item_equals_the_invoices(scenario: Scenario) -> None:
    """Revenue per item = the item lines' amounts x invoice rate, rounded as posted; the
    total equals the revenue the sales invoices credited in the ledger."""
    expected: dict[str, Decimal] = defaultdict(Decimal)
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        rows = s.exec(
            select(Item.code, InvoiceLine.amount, Invoice.rate)
            .join(Invoice, col(InvoiceLine.invoice_id) == Invoice.id)
            .join(Item, col(InvoiceLine.item_id) == Item.id)
            .where(Invoice.invoice_type == "sales")
        ).all()
        for code, amount, rate in rows:
            expected[code] += (amount * rate).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        # Only the sales invoices and credit notes post revenue in this scenario.
        ledger_revenue = -sum(
            s.exec(
                select(JournalLine.amount_base)
                .join(Account, col(JournalLine.account_id) == Account.id)
                .where(Account.account_class == "revenue", JournalLine.division_id == hold_id(s))
            ).all(),
            D(0),
        )
    engine.dispose()
    actual = dict(
        query(
            scenario.warehouse,
            "select item_code, sum(revenue_base) from main.fct_sales_lines group by 1",
        )
    )
    assert actual == dict(expected)
    # HAM: 30 x 20 EUR - 5 x 20 credited + 10 x 25 USD x 0.92 = 600 - 100 + 230.
    assert actual["HAM"] == D("730.00")
    assert actual["NUT"] == D("60.00")
    ((total,),) = query(scenario.warehouse, "select sum(revenue_base) from main.fct_sales_lines")
    assert total == ledger_revenue


def test_credit_note_lines_are_negative(scenario: Scenario) -> None:
    rows = query(
        scenario.warehouse,
        f"""
        select quantity, revenue_base, cost_base from main.fct_sales_lines
        where sales_order_id = {scenario.so1} and item_code = 'HAM' order by quantity
        """,
    )
    assert [r[0] for r in rows] == [D(-5), D(30)]
    credit, invoice = rows
    assert credit[1] == D("-100.00") and invoice[1] == D("600.00")
    # Costed at the same unit cost (the net delivered cost per net delivered unit), so the
    # credit note reverses its share of the invoice's cost: 5 of the 30 units, in cents.
    assert credit[2] == (-invoice[2] / 6).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_cost_equals_delivered_cost_net_of_returns(scenario: Scenario) -> None:
    """SO1 and SO2 are invoiced in full (net of credits): their cost in fct_sales_lines
    equals the delivered cost minus the returned cost in the source."""
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        from transactional.sales.models import Delivery, SalesReturn

        delivered = s.exec(
            select(DeliveryLine.cost_value)
            .join(Delivery, col(DeliveryLine.delivery_id) == Delivery.id)
            .where(col(Delivery.order_id).in_([scenario.so1, scenario.so2]))
        ).all()
        returned = s.exec(
            select(SalesReturnLine.cost_value)
            .join(SalesReturn, col(SalesReturnLine.return_id) == SalesReturn.id)
            .where(col(SalesReturn.order_id).in_([scenario.so1, scenario.so2]))
        ).all()
    engine.dispose()
    expected = sum(delivered, D(0)) - sum(returned, D(0))
    ((cost, margin, revenue),) = query(
        scenario.warehouse,
        f"""
        select sum(cost_base), sum(margin_base), sum(revenue_base) from main.fct_sales_lines
        where sales_order_id in ({scenario.so1}, {scenario.so2})
        """,
    )
    assert cost == expected
    assert margin == revenue - cost


def test_monthly_marts_add_up_to_the_lines(scenario: Scenario) -> None:
    lines = query(
        scenario.warehouse,
        "select sum(quantity), sum(revenue_base), sum(margin_base) from main.fct_sales_lines",
    )
    for mart in ("mart_sales_monthly", "mart_item_sales_monthly"):
        totals = query(
            scenario.warehouse,
            f"select sum(quantity), sum(revenue_base), sum(margin_base) from main.{mart}",
        )
        assert totals == lines, mart


def test_open_and_back_order_lines(scenario: Scenario) -> None:
    rows = query(
        scenario.warehouse,
        """
        select sales_order_id, item_code, quantity_delivered, quantity_invoiced,
            quantity_open, open_value_base, is_back_order
        from main.fct_sales_order_lines order by sales_order_id, item_code
        """,
    )
    by_order = {(r[0], r[1]): r[2:] for r in rows}
    # SO3: 8 of 20 NUT delivered, nothing invoiced: 12 open at 6.00, a back order.
    assert by_order[(scenario.so3, "NUT")] == (D(8), D(0), D(12), D("72.00"), True)
    # SO1 HAM: 30 delivered, 30 invoiced - 5 credited; nothing open.
    assert by_order[(scenario.so1, "HAM")] == (D(30), D(25), D(0), D(0), False)


def test_open_orders_monthly_as_they_stood_at_each_month_end(scenario: Scenario) -> None:
    rows = query(
        scenario.warehouse,
        """
        select m.year, m.month, m.snapshot_date, m.open_lines, m.open_value_base,
            m.open_value_group, m.back_order_lines, m.back_order_value_base,
            m.back_order_value_group
        from main.mart_open_orders_monthly m
        join main.dim_divisions d using (division_id)
        where d.division_code = 'HOLD'
        order by m.month_end
        """,
    )
    # From the month of the first order (SO1, 2 May, delivered the next day: nothing open
    # at 31 May) through December. SO3 (15 June, 20 NUT at 6.00, requested 20 June) had 8
    # delivered on 16 June: 12 x 6.00 = 72 open, a back order, at every month-end after.
    # HOLD keeps EUR, the group currency: group = base.
    assert [(r[0], r[1]) for r in rows] == [(2025, m) for m in range(5, 13)]
    assert rows[0][3:] == (0, D(0), D(0), 0, D(0), D(0))
    for row in rows[1:]:
        assert row[3:] == (1, D("72.00"), D("72.00"), 1, D("72.00"), D("72.00")), row
    assert rows[-1][2] == date(2025, 12, 31)
    # At the as-of date (the last month-end) it agrees with fct_sales_order_lines.
    (now,) = query(
        scenario.warehouse,
        """
        select count(*), sum(open_value_base), count(*) filter (where is_back_order)
        from main.fct_sales_order_lines where quantity_open > 0
        """,
    )
    assert now == (rows[-1][3], rows[-1][4], rows[-1][6])
    others = query(
        scenario.warehouse,
        """
        select sum(open_lines) from main.mart_open_orders_monthly m
        join main.dim_divisions d using (division_id) where d.division_code <> 'HOLD'
        """,
    )
    assert others == [(0,)]


# --- ABC ----------------------------------------------------------------------------


def abc_classes(values: dict[str, Decimal], a: Decimal, b: Decimal) -> dict[str, str]:
    """The ABC rule of docs/wholesale.md, written independently of the SQL."""
    total = sum((v for v in values.values() if v > 0), D(0))
    classes: dict[str, str] = {}
    before = D(0)
    for value in sorted({v for v in values.values() if v > 0}, reverse=True):
        block = [code for code, v in values.items() if v == value]
        label = "A" if before < a * total else "B" if before < (a + b) * total else "C"
        for code in block:
            classes[code] = label
        before += value * len(block)
    classes.update({code: "C" for code, v in values.items() if v <= 0})
    return classes


@pytest.mark.parametrize(
    ("table", "key"), [("mart_abc_items", "item_code"), ("mart_abc_customers", "customer_code")]
)
@pytest.mark.parametrize(
    ("window", "year", "period", "first", "last"),
    [
        ("fiscal_ytd", 2025, 12, "2025-01-01", "2025-12-31"),
        ("rolling_12m", 2025, 6, "2024-07-01", "2025-06-30"),
        ("fiscal_ytd", 2025, 6, "2025-01-01", "2025-06-30"),
    ],
)
def test_abc_classes_follow_the_rule(
    scenario: Scenario,
    table: str,
    key: str,
    window: str,
    year: int,
    period: int,
    first: str,
    last: str,
) -> None:
    mart = query(
        scenario.warehouse,
        f"""
        select measure, code, value, abc_class, value_before, positive_total, window_start,
               window_end
        from main.{table}
        where window_type = '{window}' and fiscal_year = {year} and period = {period}
        """,
    )
    assert mart, table
    assert {(r[6], r[7]) for r in mart} == {(date.fromisoformat(first), date.fromisoformat(last))}
    for measure, column in (
        ("revenue", "revenue_base"),
        ("margin", "margin_base"),
        ("quantity", "quantity"),
    ):
        values = dict(
            query(
                scenario.warehouse,
                f"""
                select {key}, sum({column}) from main.fct_sales_lines
                where invoice_date between date '{first}' and date '{last}' group by 1
                """,
            )
        )
        expected = abc_classes(values, D("0.80"), D("0.15"))
        actual = {code: cls for m, code, _v, cls, *_ in mart if m == measure}
        assert actual == expected, (table, measure)
        assert {code: v for m, code, v, *_ in mart if m == measure} == values
        # The stored sums the page compares with the user's thresholds.
        total = sum((v for v in values.values() if v > 0), D(0))
        before = {
            code: sum((v for v in values.values() if v > max(value, D(0))), D(0))
            for code, value in values.items()
        }
        assert {code: (vb, t) for m, code, _v, _c, vb, t, *_ in mart if m == measure} == {
            code: (before[code], total) for code in values
        }


# --- stock --------------------------------------------------------------------------


def test_stock_reconciles_with_the_ledger(scenario: Scenario) -> None:
    rows = query(
        scenario.warehouse,
        """
        select period_end, stock_valuation_base, ledger_stock_base, difference_base
        from main.mart_stock_reconciliation
        where division_id = (select division_id from main.dim_divisions
                             where division_code = 'HOLD')
        order by period_end
        """,
    )
    assert len(rows) == 24  # 2024 and 2025, up to the as-of date
    assert all(r[3] == 0 for r in rows)
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        div = hold_id(s)
        stock = sum(
            s.exec(select(StockMovement.value).where(StockMovement.division_id == div)).all(),
            D(0),
        )
    engine.dispose()
    assert stock > 0
    assert rows[-1][1] == stock == rows[-1][2]
    # Before the first receipt there is nothing.
    assert rows[13][1:] == (D(0), D(0), D(0))  # February 2025


def test_stock_position_matches_on_hand(scenario: Scenario) -> None:
    rows = query(
        scenario.warehouse,
        """
        select item_code, warehouse_code, quantity, value_base, is_dead_stock,
            last_issue_date
        from main.mart_stock_position
        """,
    )
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        for item, wh, quantity, _value, _dead, _last in rows:
            assert quantity == on_hand(s, _item_id(s, item), _warehouse_id(s, wh)), (item, wh)
        stock = sum(s.exec(select(StockMovement.value)).all(), D(0))
    engine.dispose()
    assert abs(sum(r[3] for r in rows) - stock) < D("0.01")
    position = {(r[0], r[1]): r[4:] for r in rows}
    # BOLT never sold: dead stock; HAM delivered from MAIN on 6 June.
    assert position[("BOLT", "MAIN")] == (True, None)
    assert position[("HAM", "MAIN")] == (True, date(2025, 6, 6))  # 208 days before 31 Dec
    assert position[("HAM", "WH2")] == (True, None)
    # The revalued standard-cost item: 8 x 3.00; the revaluation is not an issue.
    assert [r[2:] for r in rows if r[0] == "STD"] == [(D(8), D("24.00"), True, None)]


def test_revaluation_is_a_stock_movement(scenario: Scenario) -> None:
    rows = query(
        scenario.warehouse,
        """
        select movement_type, warehouse_code, movement_date, quantity, value_base, source_type
        from main.fct_stock_movements
        where item_code = 'STD'
        order by stock_movement_id
        """,
    )
    assert rows == [
        ("count_gain", "WH2", date(2025, 7, 1), D(8), D("20.00"), "stock_count_line"),
        ("revaluation", "WH2", date(2025, 8, 1), D(0), D("4.00"), "item"),
    ]


def test_stock_check_reports_the_first_failing_rows(tmp_path: Path) -> None:
    from quality.reconciliation import stock_reconciliation

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            """
            create table main.mart_stock_reconciliation as
            select * from (values
                (1, 'HOLD', 2025, 1, date '2025-01-31', 10.0000, 10.0000, 0.0000),
                (1, 'HOLD', 2025, 2, date '2025-02-28', 10.0050, 10.0000, 0.0050),
                (1, 'HOLD', 2025, 3, date '2025-03-31', 10.0060, 10.0000, 0.0060),
                (2, 'US01', 2025, 1, date '2025-01-31', 5.0000, 6.0000, -1.0000)
            ) as t(division_id, division_code, year, period, period_end,
                   stock_valuation_base, ledger_stock_base, difference_base)
            """
        )
    outcome = stock_reconciliation(path)
    assert not outcome.passed
    assert outcome.groups_checked == 4
    assert [(f["division_code"], f["period"]) for f in outcome.failures] == [
        ("HOLD", 3),
        ("US01", 1),
    ]
    assert "HOLD" in outcome.summary()


# --- purchasing ---------------------------------------------------------------------


def test_purchase_lines_and_supplier_performance(scenario: Scenario) -> None:
    lines = query(
        scenario.warehouse,
        """
        select order_date, item_code, quantity_received, quantity_returned,
            quantity_invoiced, last_receipt_date, actual_lead_days, is_fully_received,
            is_on_time, quantity_not_invoiced, purchase_order_line_id
        from main.fct_purchase_lines order by order_date, item_code
        """,
    )
    assert [line[:-1] for line in lines] == [
        (date(2025, 3, 3), "BOLT", D(40), D(0), D(40), date(2025, 3, 8), 5, True, True, D(0)),
        (date(2025, 3, 3), "HAM", D(100), D(0), D(100), date(2025, 3, 15), 12, True, False, D(0)),
        (date(2025, 3, 3), "NUT", D(50), D(5), D(45), date(2025, 3, 8), 5, True, True, D(0)),
        (date(2025, 4, 1), "HAM", D(50), D(0), D(0), date(2025, 4, 10), 9, True, True, D(50)),
    ]
    # "Received, not invoiced": the warehouse's column is the services' definition.
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        for line in lines:
            order_line = s.get(PurchaseOrderLine, line[-1])
            assert order_line is not None
            assert order_line.quantity_not_invoiced == line[-2]
    engine.dispose()
    ((order_lines, on_time, pct, received, returned, returns_pct),) = query(
        scenario.warehouse,
        """
        select order_lines, on_time_lines, on_time_pct, quantity_received, quantity_returned,
            returns_pct
        from main.mart_supplier_performance where supplier_code = 'S1' and year = 2025
        """,
    )
    assert (order_lines, on_time, pct) == (4, 3, D(75))
    assert (received, returned) == (D(240), D(5))
    assert returns_pct == (D(500) / D(240)).quantize(D("0.00000001"))
