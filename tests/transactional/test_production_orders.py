"""Production orders (docs/manufacturing.md §3) on SQLite and PostgreSQL: a whole life cycle
worked by hand (issue, return, hours, outsourced work, two completions, close with each
variance), backflush (picking lots earliest expiry first and the oldest serial numbers;
refused when they fall short), sub-orders and phantoms, an order from a sales order
line, a lot-tracked component, and every refusal writing nothing. At each step the sum of
production_transaction.value equals the balance of 3100 Work in progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from tests.conftest import database_with
from tests.transactional.company import user
from tests.transactional.manufacturing_company import add_bom, add_saw, buy
from tests.transactional.test_purchasing_flow import balance
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import DomainError, PeriodClosed, PermissionDenied, ValidationError
from transactional.finance.models import Account, JournalEntry, JournalLine
from transactional.manufacturing import (
    cost_scenarios,
    item_planning,
)
from transactional.manufacturing import production_orders as po
from transactional.manufacturing import production_postings as pp
from transactional.manufacturing.boms import BomLineDraft as Bl
from transactional.manufacturing.boms import OperationDraft as Op
from transactional.manufacturing.models import (
    ProductionOrder,
    ProductionTransaction,
    WorkCentre,
)
from transactional.manufacturing.production_postings import MaterialIssue
from transactional.organisation.models import Division
from transactional.purchasing.orders import PurchaseLineDraft
from transactional.relations.models import Relation
from transactional.sales import orders as sales_orders
from transactional.stock.models import StockLot, StockLotLevel, StockMovement, StockValuation
from transactional.stock.movements import on_hand
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item, Warehouse

D = Decimal


def _item_id(s: Session, code: str) -> int:
    return s.exec(select(Item.id).where(Item.code == code)).one() or 0


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with database_with(request, tmp_path, _build_tables) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


def _build_tables(url: str) -> None:
    """HOLD: warehouse MAIN; TABLE (made, standard 200.00) from 8 LEG (5 % scrap) and 2
    TOP (standard 30.00) per batch of 2, sawn on SAW (labour 40, machine 25 an hour, 80 %
    efficient: 1 h setup + 3 h run per batch) and painted by supplier S1 at 5.00 a table;
    LEG 50 bought at 2.50, TOP 12 at 31.00, GLUE (lot) 5 of lot L1 at 4.00; the default
    cost scenario adds 10 % on material and 20 % on labour + machine."""
    eng = make_engine(url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        extras: tuple[tuple[str, dict[str, Any]], ...] = (
            ("TABLE", dict(cost_method="standard", standard_cost="200.00")),
            ("LEG", dict(purchase_price="2.50")),
            ("TOP", dict(cost_method="standard", standard_cost="30.00")),
            ("GLUE", dict(tracking="lot", purchase_price="4.00")),
            ("FRAME", dict()),
            ("KIT", dict()),
            ("DESK", dict()),
        )
        for code, extra in extras:
            wi.create_item(
                session=s, user=admin, division="HOLD", code=code, name=code.title(), **extra
            )
        for code, supply in (
            ("TABLE", "make"),
            ("FRAME", "make"),
            ("KIT", "phantom"),
            ("DESK", "make"),
        ):
            item_planning.set_item_planning(
                session=s,
                user=admin,
                division="HOLD",
                item=code,
                supply=supply,
                lead_time_days=3,
            )
        add_saw(s, admin, machine_rate="25.00", efficiency_pct="80")
        cost_scenarios.create_cost_scenario(
            session=s,
            user=admin,
            division="HOLD",
            code="STD",
            name="Standard",
            material_surcharge_pct="10",
            conversion_surcharge_pct="20",
            is_default=True,
        )
        add_bom(
            s,
            admin,
            "TABLE",
            [Bl("LEG", "8", "5"), Bl("TOP", "2")],
            [
                Op(10, work_centre="SAW", setup_hours="1", run_hours="3"),
                Op(20, supplier="S1", outsourced_price="5.00"),
            ],
            batch_quantity="2",
        )
        # DESK: a FRAME (made) and 2 KIT (phantom: 4 LEG and half an hour on the saw each).
        add_bom(s, admin, "FRAME", [Bl("LEG", "2")])
        add_bom(s, admin, "KIT", [Bl("LEG", "4")], [Op(10, work_centre="SAW", run_hours="0.5")])
        add_bom(
            s,
            admin,
            "DESK",
            [Bl("FRAME", "1"), Bl("KIT", "2"), Bl("TOP", "1")],
            [Op(10, work_centre="SAW", setup_hours="0.8", run_hours="0.4")],
        )
        buy(
            s,
            admin,
            [
                PurchaseLineDraft("LEG", "50", "2.50"),
                PurchaseLineDraft("TOP", "12", "31.00"),
                PurchaseLineDraft("GLUE", "5", "4.00"),
            ],
            lots={"GLUE": "L1"},
        )
    eng.dispose()  # built once, copied for each test (tests/conftest.py database_with)


def wip_ok(s: Session) -> Decimal:
    """The production transactions add up to the 3100 balance; returns it."""
    hold = s.exec(select(Division.id).where(Division.code == "HOLD")).one()
    total = s.exec(
        select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
            ProductionTransaction.division_id == hold
        )
    ).one()
    assert D(total) == balance(s, "3100")
    return balance(s, "3100")


def entry_amounts(s: Session, entry_id: int | None) -> dict[str, Decimal]:
    """Signed amount per account code of one entry; asserts it balances."""
    assert entry_id is not None
    rows = s.exec(
        select(col(Account.code), col(JournalLine.amount_base))
        .join(Account, col(JournalLine.account_id) == Account.id)
        .where(JournalLine.entry_id == entry_id)
    ).all()
    out: dict[str, Decimal] = {}
    for code, amount in rows:
        out[code] = out.get(code, D(0)) + amount
    assert sum(out.values()) == 0
    return out


def counts(engine) -> tuple[int, ...]:
    with session_scope(engine) as s:
        return tuple(
            s.exec(select(func.count()).select_from(t)).one()
            for t in (ProductionTransaction, JournalEntry, StockMovement, ProductionOrder)
        )


def new_order(engine, qty: str = "10", **kw: object) -> int:
    with session_scope(engine) as s:
        args: dict[str, object] = (
            dict(
                division="HOLD",
                item="TABLE",
                quantity=qty,
                start_date="2025-03-03",
                due_date="2025-03-14",
                warehouse="MAIN",
            )
            | kw
        )
        order = po.create_production_order(session=s, user=user(s, "clerk"), **args)  # type: ignore[arg-type]
        return order.id or 0


def released(engine, qty: str = "10", **kw: object) -> int:
    order_id = new_order(engine, qty, **kw)
    with session_scope(engine) as s:
        po.release_production_order(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-03"
        )
    return order_id


def test_life_cycle_by_hand(engine) -> None:
    order_id = new_order(engine)
    with session_scope(engine) as s:
        order = s.get(ProductionOrder, order_id)
        assert order is not None
        assert order.number == "MO-2025-00001" and order.status == "planned"
        # 10 tables = 5 batches: LEG 5 x 8 x 1.05 = 42, TOP 5 x 2 = 10; the saw
        # (1 + 3 x 5) / 0.8 = 20 h; painting outsourced.
        mats = {_code(s, m.item_id): m.quantity for m in po.order_materials(s, order_id)}
        assert mats == {"LEG": D(42), "TOP": D(10)}
        ops = po.order_operations(s, order_id)
        assert [(o.sequence, o.planned_hours, o.outsourced_price) for o in ops] == [
            (10, D(20), D(0)),
            (20, D(0), D("5.00")),
        ]
    with session_scope(engine) as s:
        order = po.release_production_order(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-03"
        )
        # Per table: material (42 x 2.50 + 10 x 30.00) / 10 = 40.50; labour 20 h x 40 / 10
        # = 80; machine 20 x 25 / 10 = 50; outsourced 5; overhead 10 % x 40.50 + 20 % x
        # (80 + 50) = 4.05 + 26 = 30.05; total 205.55.
        assert (
            order.standard_material,
            order.standard_labour,
            order.standard_machine,
            order.standard_outsourced,
            order.standard_overhead,
        ) == (D("40.5"), D(80), D(50), D(5), D("30.05"))
        assert order.status == "released"
        assert wip_ok(s) == 0

    clerk = "clerk"
    # 1. Issue 44 LEG (2 more than planned) at 2.50 and 10 TOP at standard 30.00: 410.00.
    with session_scope(engine) as s:
        entry = pp.issue_materials(
            session=s,
            user=user(s, clerk),
            order=order_id,
            lines=[MaterialIssue("LEG", "44"), MaterialIssue("TOP", "10")],
            on="2025-03-03",
        )
        assert entry is not None
        assert entry_amounts(s, entry.id) == {"3000": D("-410.00"), "3100": D("410.00")}
        assert wip_ok(s) == D("410.00")
        assert on_hand(s, _item_id(s, "LEG")) == 6
    # 2. Return 1 LEG at the value issued: 110.00 / 44 = 2.50.
    with session_scope(engine) as s:
        entry = pp.return_materials(
            session=s,
            user=user(s, clerk),
            order=order_id,
            lines=[MaterialIssue("LEG", "1")],
            on="2025-03-04",
        )
        assert entry is not None
        assert entry_amounts(s, entry.id) == {"3000": D("2.50"), "3100": D("-2.50")}
        assert wip_ok(s) == D("407.50")
    # 3. 22 labour hours x 40 = 880.00, 18 machine hours x 25 = 450.00.
    with session_scope(engine) as s:
        entry = pp.book_hours(
            session=s,
            user=user(s, clerk),
            order=order_id,
            operation=10,
            labour_hours="22",
            machine_hours="18",
            on="2025-03-05",
        )
        assert entry is not None
        assert entry_amounts(s, entry.id) == {
            "3100": D("1330.00"),
            "7200": D("-880.00"),
            "7210": D("-450.00"),
        }
        assert wip_ok(s) == D("1737.50")
    # 4. The painter did 10 tables at 5.00: Dr WIP, Cr GRNI 50.00.
    with session_scope(engine) as s:
        entry = pp.book_outsourced(
            session=s,
            user=user(s, clerk),
            order=order_id,
            operation=20,
            quantity="10",
            on="2025-03-07",
        )
        assert entry is not None
        assert entry_amounts(s, entry.id) == {"3100": D("50.00"), "1610": D("-50.00")}
        assert wip_ok(s) == D("1787.50")
    # 5. Complete 4: overhead 4 x 30.05 = 120.20 absorbed; 4 x 205.55 = 822.20 out of WIP;
    # stock 4 x 200.00 = 800.00; 22.20 to 7100 Stock differences.
    with session_scope(engine) as s:
        order = pp.complete_production(
            session=s, user=user(s, clerk), order=order_id, quantity="4", on="2025-03-10"
        )
        assert order.status == "released" and order.quantity_completed == 4
        rows = _rows(s, order_id, "overhead", "completion")
        oh, done = rows
        assert oh.value == D("120.20") and done.value == D("-822.20")
        assert entry_amounts(s, oh.entry_id) == {"3100": D("120.20"), "7220": D("-120.20")}
        assert entry_amounts(s, done.entry_id) == {
            "3000": D("800.00"),
            "3100": D("-822.20"),
            "7100": D("22.20"),
        }
        assert wip_ok(s) == D("1085.50")
    # 6. Complete the other 6: overhead 300.50 - 120.20 = 180.30; out 2055.50 - 822.20 =
    # 1233.30; WIP 1085.50 + 180.30 - 1233.30 = 32.50.
    with session_scope(engine) as s:
        order = pp.complete_production(
            session=s, user=user(s, clerk), order=order_id, quantity="6", on="2025-03-12"
        )
        assert order.status == "completed"
        oh, done = _rows(s, order_id, "overhead", "completion")[-2:]
        assert (oh.value, done.value) == (D("180.30"), D("-1233.30"))
        assert wip_ok(s) == D("32.50")
        assert on_hand(s, _item_id(s, "TABLE")) == 10
    # 7. Close: material 407.50 - 10 x 40.50 = 2.50 (+ outsourced 50 - 50); labour 880 -
    # 800 = 80.00; machine 450 - 500 = -50.00 (+ overhead 300.50 - 300.50): 32.50 in all.
    with session_scope(engine) as s:
        order = pp.close_production_order(
            session=s, user=user(s, clerk), order=order_id, on="2025-03-14"
        )
        assert order.status == "closed"
        variances = {r.cost_type: r.value for r in _rows(s, order_id, "variance")}
        assert variances == {
            "material": D("-2.50"),
            "labour": D("-80.00"),
            "machine": D("50.00"),
        }
        entry_id = _rows(s, order_id, "variance")[0].entry_id
        assert entry_amounts(s, entry_id) == {
            "7250": D("2.50"),
            "7260": D("80.00"),
            "7270": D("-50.00"),
            "3100": D("-32.50"),
        }
        assert pp.order_wip(s, order_id) == 0
        assert wip_ok(s) == 0
        # Every posting of the order is one balanced entry on the WIP account.
        for row in _rows(s, order_id):
            entry_amounts(s, row.entry_id)
        # Audited: the order's rows are in the trail under the clerk.
        logged = s.exec(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.table_name == "production_transaction")
        ).one()
        assert logged == len(_rows(s, order_id))
    # A closed order takes nothing more.
    before = counts(engine)
    with pytest.raises(ValidationError, match="closed"), session_scope(engine) as s:
        pp.book_hours(
            session=s,
            user=user(s, clerk),
            order=order_id,
            operation=10,
            labour_hours="1",
            on="2025-03-15",
        )
    assert counts(engine) == before


def _code(s: Session, item_id: int) -> str:
    it = s.get(Item, item_id)
    assert it is not None
    return it.code


def _rows(s: Session, order_id: int, *kinds: str) -> list[ProductionTransaction]:
    stmt = select(ProductionTransaction).where(ProductionTransaction.order_id == order_id)
    if kinds:
        stmt = stmt.where(col(ProductionTransaction.kind).in_(kinds))
    return list(s.exec(stmt.order_by(col(ProductionTransaction.id))).all())


def test_backflush_complete_and_close_in_one_step(engine) -> None:
    order_id = released(engine, "2", backflush=True)
    # Without close the completion would take 2 x 244.55 = 489.10 (below) out of a WIP
    # holding only the backflushed material (8.4 x 2.50 + 2 x 30 = 81.00) and overhead:
    # refused.
    before = counts(engine)
    with (
        pytest.raises(ValidationError, match="complete and close in one step"),
        session_scope(engine) as s,
    ):
        pp.complete_production(
            session=s, user=user(s, "clerk"), order=order_id, quantity="2", on="2025-03-10"
        )
    assert counts(engine) == before
    with session_scope(engine) as s:
        order = pp.complete_production(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            quantity="2",
            on="2025-03-10",
            close=True,
        )
        assert order.status == "closed"
        issued = {_code(s, m.item_id): m.quantity_issued for m in po.order_materials(s, order_id)}
        assert issued == {"LEG": D("8.4"), "TOP": D(2)}
        issues = _rows(s, order_id, "material_issue")
        assert sum(r.value for r in issues) == D("81.00")
        # One batch: the saw (1 + 3) / 0.8 = 5 h, so per table labour 5 x 40 / 2 = 100,
        # machine 5 x 25 / 2 = 62.50, material 81.00 / 2 = 40.50, outsourced 5, overhead
        # 4.05 + 20 % x 162.50 = 36.55: 244.55. Out 489.10, overhead in 73.10; nothing
        # booked on hours or outsourcing, so the variances (WIP rows, + into WIP) are
        # material 0 - 10.00 outsourced, labour 0 - 200.00, machine 0 - 125.00 (+ overhead 0).
        variances = {r.cost_type: r.value for r in _rows(s, order_id, "variance")}
        assert variances == {"material": D("10.00"), "labour": D("200.00"), "machine": D("125.00")}
        assert pp.order_wip(s, order_id) == 0
        assert wip_ok(s) == 0


def test_rounding_remainder_to_material_variance(engine) -> None:
    """3 tables = 1.5 batches: the saw (1 + 3 x 1.5) / 0.8 = 6.875 h. Per table: material
    (12.6 x 2.50 + 3 x 30) / 3 = 40.50, labour 6.875 x 40 / 3 = 91.66666667, machine
    6.875 x 25 / 3 = 57.29166667, outsourced 5, overhead 4.05 + 20 % x 148.95833334 =
    33.84166667: 228.30000001. Everything happens as planned, yet the completion takes
    round(3 x 228.30000001) = 684.90 while the cost types' rounded standards add up to
    121.50 + 275.00 + 171.88 + 15.00 + 101.53 = 684.91: the cent left on WIP is the
    material variance."""
    order_id = released(engine, "3")
    with session_scope(engine) as s:
        clerk = user(s, "clerk")
        call: dict[str, Any] = dict(session=s, user=clerk, order=order_id, on="2025-03-05")
        pp.issue_materials(**call, lines=[MaterialIssue("LEG", "12.6"), MaterialIssue("TOP", "3")])
        pp.book_hours(**call, operation=10, labour_hours="6.875", machine_hours="6.875")
        pp.book_outsourced(**call, operation=20, quantity="3")
        order = pp.complete_production(**call, quantity="3", close=True)
        assert order.standard_labour == D("91.66666667")
        assert order.standard_overhead == D("33.84166667")
        assert [r.value for r in _rows(s, order_id, "overhead", "completion")] == [
            D("101.53"),
            D("-684.90"),
        ]
        # labour 275.00 (exact), machine 6.875 x 25 = 171.875 -> 171.88 booked.
        assert sum(r.value for r in _rows(s, order_id, "machine")) == D("171.88")
        assert {r.cost_type: r.value for r in _rows(s, order_id, "variance")} == {
            "material": D("-0.01")
        }
        assert pp.order_wip(s, order_id) == 0 and wip_ok(s) == 0


def test_over_completion_when_allowed(engine) -> None:
    order_id = released(engine, "2", backflush=True)
    with session_scope(engine) as s:
        call: dict[str, Any] = dict(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-05"
        )
        order = pp.complete_production(**call, quantity="3", allow_over=True, close=True)
        assert order.quantity_completed == 3 and order.status == "closed"
        # Backflushed for the 3 made: LEG 8.4 x 3 / 2 = 12.6, TOP 3.
        issued = {_code(s, m.item_id): m.quantity_issued for m in po.order_materials(s, order_id)}
        assert issued == {"LEG": D("12.6"), "TOP": D(3)}
        assert wip_ok(s) == 0


def test_sub_orders_and_phantoms(engine) -> None:
    with session_scope(engine) as s:
        order = po.create_production_order(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            item="DESK",
            quantity="3",
            start_date="2025-03-10",
            due_date="2025-03-20",
            warehouse="MAIN",
            with_sub_orders=True,
        )
        # The phantom KIT is replaced by its 4 LEG (x 2 per desk x 3 desks = 24) and its
        # saw time joins the routing after the desk's own step, renumbered 10 + 10 = 20
        # (0.5 h x 6 kits / 0.8 = 3.75 h).
        mats = {_code(s, m.item_id): m.quantity for m in po.order_materials(s, order.id)}
        assert mats == {"FRAME": D(3), "LEG": D(24), "TOP": D(3)}
        ops = po.order_operations(s, order.id)
        # (0.8 + 0.4 x 3) / 0.8 = 2.5 h on the desk's own step.
        assert [(o.sequence, o.planned_hours) for o in ops] == [(10, D("2.5")), (20, D("3.75"))]
        subs = s.exec(
            select(ProductionOrder).where(ProductionOrder.parent_order_id == order.id)
        ).all()
        assert [(_code(s, x.item_id), x.quantity, x.due_date, x.start_date) for x in subs] == [
            ("FRAME", D(3), date(2025, 3, 10), date(2025, 3, 7))
        ]
        assert subs[0].status == "planned" and subs[0].number == "MO-2025-00002"


def test_from_sales_order_line(engine) -> None:
    with session_scope(engine) as s:
        result = sales_orders.create_order(
            session=s,
            user=user(s, "clerk"),
            draft=sales_orders.SalesOrderDraft(
                division="HOLD",
                customer="C1",
                warehouse="MAIN",
                lines=[sales_orders.SalesLineDraft("TABLE", "3")],
                order_date="2025-03-01",
                requested_date="2025-03-21",
            ),
        )
        (line,) = sales_orders.order_lines(s, result.order.id or 0)
        order = po.create_from_sales_order_line(
            session=s,
            user=user(s, "clerk"),
            sales_order_line=line.id or 0,
            start_date="2025-03-10",
        )
        assert (order.quantity, order.due_date, order.sales_order_line_id) == (
            D(3),
            date(2025, 3, 21),
            line.id,
        )
        assert {_code(s, m.item_id): m.quantity for m in po.order_materials(s, order.id)} == {
            "LEG": D("12.6"),
            "TOP": D(3),
        }


def test_lot_tracked_component(engine) -> None:
    order_id = new_order(engine, "2")
    with session_scope(engine) as s:
        po.set_order_materials(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            materials=[po.OrderMaterialDraft("LEG", "8"), po.OrderMaterialDraft("GLUE", "2")],
        )
        po.release_production_order(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-03"
        )
    before = counts(engine)
    with pytest.raises(ValidationError, match="tracked by lot"), session_scope(engine) as s:
        pp.issue_materials(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            lines=[MaterialIssue("LEG", "8"), MaterialIssue("GLUE", "2")],
            on="2025-03-04",
        )
    assert counts(engine) == before
    with session_scope(engine) as s:
        pp.issue_materials(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            lines=[MaterialIssue("GLUE", "2", lot_number="L1")],
            on="2025-03-04",
        )
        (row,) = _rows(s, order_id, "material_issue")
        lot = s.exec(select(StockLot).where(StockLot.number == "L1")).one()
        assert (row.lot_id, row.value) == (lot.id, D("8.00"))
        assert wip_ok(s) == D("8.00")


def _tracked_stock(engine) -> None:
    """RESIN (lot-tracked, moving average): lot L2 5 at 6.00 received 2025-03-01, then
    lot L1 3 at 4.00 received 2025-03-02, L1 expiring first (2025-06-30, L2 2025-09-30):
    8 on hand at (30.00 + 12.00) / 8 = 5.25. SENSOR (serial numbers, moving average):
    S-103 and S-101 at 10.00 received 2025-03-01, then S-102 at 16.00 on 2025-03-02:
    3 on hand at 36.00 / 3 = 12.00."""
    with session_scope(engine) as s:
        admin = user(s, "admin")
        for code, tracking in (("RESIN", "lot"), ("SENSOR", "serial")):
            wi.create_item(
                session=s,
                user=admin,
                division="HOLD",
                code=code,
                name=code.title(),
                tracking=tracking,
            )
        # The expiry dates are recorded by the receipts, as the clerk types them.
        buy(
            s,
            admin,
            [PurchaseLineDraft("RESIN", "5", "6.00")],
            lots={"RESIN": "L2"},
            expiries={"RESIN": "30-09-2025"},
        )
        buy(
            s,
            admin,
            [PurchaseLineDraft("SENSOR", "2", "10.00")],
            serials={"SENSOR": ["S-103", "S-101"]},
        )
        buy(
            s,
            admin,
            [PurchaseLineDraft("RESIN", "3", "4.00"), PurchaseLineDraft("SENSOR", "1", "16.00")],
            lots={"RESIN": "L1"},
            serials={"SENSOR": ["S-102"]},
            expiries={"RESIN": "2025-06-30"},
            on="2025-03-02",
        )


def _lot_levels(s: Session, item: str) -> dict[str, Decimal]:
    """Quantity per lot or serial number of the item in MAIN."""
    rows = s.exec(
        select(col(StockLot.number), col(StockLotLevel.quantity))
        .join(StockLotLevel, col(StockLotLevel.lot_id) == StockLot.id)
        .join(Warehouse, col(Warehouse.id) == StockLotLevel.warehouse_id)
        .where(StockLot.item_id == _item_id(s, item), Warehouse.code == "MAIN")
    ).all()
    return {number: quantity for number, quantity in rows}


def _backflush_order(engine, qty: str, materials: list[po.OrderMaterialDraft]) -> int:
    """A released backflush order of ``qty`` TABLE consuming ``materials`` (no LEG/TOP)."""
    order_id = new_order(engine, qty, backflush=True)
    with session_scope(engine) as s:
        clerk = user(s, "clerk")
        po.set_order_materials(session=s, user=clerk, order=order_id, materials=materials)
        po.release_production_order(session=s, user=clerk, order=order_id, on="2025-03-03")
    return order_id


def _issues(s: Session, order_id: int) -> list[tuple[str, str, Decimal, Decimal]]:
    """The order's production_issue movements: (item, lot, quantity, value) in order."""
    order = s.get(ProductionOrder, order_id)
    assert order is not None
    rows = s.exec(
        select(StockMovement, StockLot)
        .join(StockLot, col(StockLot.id) == StockMovement.lot_id, isouter=True)
        .where(
            StockMovement.document_number == order.number,
            StockMovement.movement_type == "production_issue",
        )
        .order_by(col(StockMovement.id))
    ).all()
    return [
        (_code(s, mv.item_id), lot.number if lot else "", mv.quantity, mv.value) for mv, lot in rows
    ]


def test_backflush_picks_lots_earliest_expiry_first(engine) -> None:
    """6 RESIN due: L1 (received second but expiring first) gives its 3, L2 the other 3.
    Moving average 5.25: each movement 3 x 5.25 = 15.75 out of stock, 31.50 into WIP."""
    _tracked_stock(engine)
    order_id = _backflush_order(engine, "2", [po.OrderMaterialDraft("RESIN", "6")])
    with session_scope(engine) as s:
        order = pp.complete_production(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            quantity="2",
            on="2025-03-10",
            close=True,
        )
        assert _issues(s, order_id) == [
            ("RESIN", "L1", D(-3), D("-15.75")),
            ("RESIN", "L2", D(-3), D("-15.75")),
        ]
        assert _lot_levels(s, "RESIN") == {"L1": D(0), "L2": D(2)}
        assert on_hand(s, _item_id(s, "RESIN")) == D(2)
        # The backflush entry: stock 3000 down 31.50, WIP 3100 up 31.50, balanced.
        mv = s.exec(
            select(StockMovement).where(
                StockMovement.document_number == order.number,
                StockMovement.movement_type == "production_issue",
            )
        ).first()
        assert mv is not None
        assert entry_amounts(s, mv.entry_id) == {"3000": D("-31.50"), "3100": D("31.50")}
        issues = _rows(s, order_id, "material_issue")
        lots = {r.lot_id: r.value for r in issues}
        l1, l2 = (
            s.exec(
                select(StockLot.id).where(
                    StockLot.item_id == _item_id(s, "RESIN"), StockLot.number == n
                )
            ).one()
            for n in ("L1", "L2")
        )
        assert lots == {l1: D("15.75"), l2: D("15.75")}
        issued = {_code(s, m.item_id): m.quantity_issued for m in po.order_materials(s, order_id)}
        assert issued == {"RESIN": D(6)}
        assert order.status == "closed" and wip_ok(s) == 0


def test_backflush_lines_of_one_lot_item_do_not_share_units(engine) -> None:
    """Two RESIN lines (2, then 5): the first takes 2 of L1, the second the 1 left in L1
    and 4 of L2; every movement at 5.25 (10.50, 5.25, then 21.00)."""
    _tracked_stock(engine)
    order_id = _backflush_order(
        engine, "2", [po.OrderMaterialDraft("RESIN", "2"), po.OrderMaterialDraft("RESIN", "5")]
    )
    with session_scope(engine) as s:
        pp.complete_production(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            quantity="2",
            on="2025-03-10",
            close=True,
        )
        assert _issues(s, order_id) == [
            ("RESIN", "L1", D(-2), D("-10.50")),
            ("RESIN", "L1", D(-1), D("-5.25")),
            ("RESIN", "L2", D(-4), D("-21.00")),
        ]
        assert _lot_levels(s, "RESIN") == {"L1": D(0), "L2": D(1)}
        assert wip_ok(s) == 0


def test_backflush_picks_the_oldest_serial_numbers(engine) -> None:
    """3 SENSOR for 2 tables. Completing 1: 1.5 due, rounded up to 2 whole serial numbers,
    the two received first (S-103, S-101: receipt order, not number order), one movement
    each at the average 12.00. Completing the second: 3 - 2 = 1 due, S-102, the last unit
    taking the 12.00 left."""
    _tracked_stock(engine)
    order_id = _backflush_order(engine, "2", [po.OrderMaterialDraft("SENSOR", "3")])
    with session_scope(engine) as s:
        call: dict[str, Any] = dict(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-10"
        )
        # Hours first, so the first completion finds enough on WIP.
        pp.book_hours(**call, operation=10, labour_hours="5", machine_hours="5")
        pp.complete_production(**call, quantity="1")
        assert _issues(s, order_id) == [
            ("SENSOR", "S-103", D(-1), D("-12.00")),
            ("SENSOR", "S-101", D(-1), D("-12.00")),
        ]
        assert _lot_levels(s, "SENSOR") == {"S-103": D(0), "S-101": D(0), "S-102": D(1)}
        issued = {_code(s, m.item_id): m.quantity_issued for m in po.order_materials(s, order_id)}
        assert issued == {"SENSOR": D(2)}
    with session_scope(engine) as s:
        order = pp.complete_production(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            quantity="1",
            on="2025-03-11",
            close=True,
        )
        assert _issues(s, order_id)[2:] == [("SENSOR", "S-102", D(-1), D("-12.00"))]
        assert _lot_levels(s, "SENSOR") == {"S-103": D(0), "S-101": D(0), "S-102": D(0)}
        assert _valuation(s, "SENSOR") == (D(0), D(0))
        assert order.status == "closed" and wip_ok(s) == 0


def _valuation(s: Session, code: str) -> tuple[Decimal, Decimal]:
    """The item's stock valuation: (quantity, value)."""
    row = s.get(StockValuation, _item_id(s, code))
    assert row is not None
    return row.quantity, row.value


@pytest.mark.parametrize(
    ("item", "quantity", "message"),
    [
        (
            "RESIN",
            "9",
            "Material 1: 9 pcs of item RESIN are due from warehouse MAIN, but its lots there "
            "hold only 8 pcs.",
        ),
        (
            "SENSOR",
            "4",
            "Material 1: 4 pcs of item SENSOR are due from warehouse MAIN, but only 3 pcs are "
            "in stock there in serial numbers.",
        ),
    ],
)
def test_backflush_short_of_lots_is_refused(engine, item: str, quantity: str, message: str) -> None:
    """More due than the lots or serial numbers hold: the completion is refused and writes
    nothing (no movement, entry, WIP row, lot level or completed quantity)."""
    _tracked_stock(engine)
    order_id = _backflush_order(engine, "2", [po.OrderMaterialDraft(item, quantity)])
    with session_scope(engine) as s:
        levels = _lot_levels(s, item)
    before = counts(engine)
    with pytest.raises(ValidationError) as caught, session_scope(engine) as s:
        pp.complete_production(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            quantity="2",
            on="2025-03-10",
            close=True,
        )
    assert str(caught.value) == message
    assert caught.value.field == "materials.1"
    assert counts(engine) == before
    with session_scope(engine) as s:
        assert _lot_levels(s, item) == levels
        order = s.get(ProductionOrder, order_id)
        assert order is not None
        assert (order.quantity_completed, order.status) == (D(0), "released")


@pytest.mark.parametrize(
    "case",
    [
        "no_material",
        "return_too_much",
        "over_completion",
        "bad_quantity",
        "cancel_posted",
        "other_division",
        "unknown_operation",
        "hours_on_outsourced",
        "wip_negative",
    ],
)
def test_refusals_write_nothing(engine, case: str) -> None:
    order_id = released(engine, "10")
    with session_scope(engine) as s:
        pp.issue_materials(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            lines=[MaterialIssue("LEG", "4")],
            on="2025-03-03",
        ) if case not in ("no_material", "cancel_posted") else None
    if case == "cancel_posted":
        with session_scope(engine) as s:
            pp.book_hours(
                session=s,
                user=user(s, "clerk"),
                order=order_id,
                operation=10,
                labour_hours="1",
                on="2025-03-03",
            )
    before = counts(engine)
    expected: type[DomainError] = PermissionDenied if case == "other_division" else ValidationError
    with pytest.raises(expected) as caught, session_scope(engine) as s:
        _refused_call(s, case, order_id)
    assert counts(engine) == before
    if case == "bad_quantity":
        assert caught.value.field == "lines.2.quantity"
    if case == "wip_negative":
        # WIP holds 4 x 2.50 = 10.00 (+ 30.05 overhead absorbed); 205.55 would go out.
        assert "holds 40.05 in work in progress; 205.55 would go out" in str(caught.value)
    with session_scope(engine) as s:
        assert wip_ok(s) == pp.order_wip(s, order_id)


def _refused_call(s: Session, case: str, order_id: int) -> None:
    call: dict[str, Any] = dict(
        session=s, user=user(s, "clerk_us" if case == "other_division" else "clerk"), order=order_id
    )
    on = "2025-03-10"
    if case in ("no_material", "wip_negative"):
        pp.complete_production(**call, quantity="1", on=on)
    elif case == "return_too_much":
        pp.return_materials(**call, lines=[MaterialIssue("LEG", "5")], on=on)
    elif case == "over_completion":
        pp.complete_production(**call, quantity="11", on=on, close=True)
    elif case == "bad_quantity":
        pp.issue_materials(
            **call, lines=[MaterialIssue("TOP", "1"), MaterialIssue("LEG", "-1")], on=on
        )
    elif case == "cancel_posted":
        po.cancel_production_order(**call)
    elif case == "other_division":
        pp.issue_materials(**call, lines=[MaterialIssue("LEG", "1")], on=on)
    elif case == "unknown_operation":
        pp.book_hours(**call, operation=30, labour_hours="1", on=on)
    elif case == "hours_on_outsourced":
        pp.book_hours(**call, operation=20, labour_hours="1", on=on)


def test_cancel_and_edit_planned(engine) -> None:
    order_id = new_order(engine, "2")
    with session_scope(engine) as s:
        ops = po.set_order_operations(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            operations=[po.OrderOperationDraft(10, work_centre="SAW", planned_hours="3")],
        )
        assert [(o.sequence, o.planned_hours) for o in ops] == [(10, D(3))]
        order = po.release_production_order(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-03"
        )
        # LEG 8.4 x 2.50 + TOP 2 x 30 = 81.00 / 2 = 40.50; 3 h x 40 / 2 = 60; x 25 / 2 = 37.50
        assert (order.standard_material, order.standard_labour, order.standard_machine) == (
            D("40.5"),
            D(60),
            D("37.5"),
        )
    with pytest.raises(ValidationError, match="released"), session_scope(engine) as s:
        po.set_order_materials(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            materials=[po.OrderMaterialDraft("LEG", "1")],
        )
    with session_scope(engine) as s:
        order = po.cancel_production_order(session=s, user=user(s, "clerk"), order=order_id)
        assert order.status == "cancelled"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        (dict(item="LEG"), "item", "no bill of materials"),
        (dict(item="KIT"), "item", "phantom"),
        (dict(quantity="0"), "quantity", "above zero"),
        (dict(due_date="2025-03-01"), "due_date", "before the start date"),
        (dict(warehouse="NOPE"), "warehouse", "NOPE"),
        (dict(bom_version="9"), "bom_version", "no BOM version 9"),
    ],
)
def test_create_refusals_write_nothing(engine, changes, field, text) -> None:
    before = counts(engine)
    with pytest.raises(ValidationError, match=text) as caught:
        new_order(engine, **changes)
    assert caught.value.field == field
    assert counts(engine) == before


def test_analyst_may_not_manufacture(engine) -> None:
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        po.create_production_order(
            session=s,
            user=user(s, "analyst"),
            division="HOLD",
            item="TABLE",
            quantity="1",
            start_date="2025-03-03",
            due_date="2025-03-04",
            warehouse="MAIN",
        )


def test_closed_period_refused(engine) -> None:
    order_id = new_order(engine, "2")
    with session_scope(engine) as s:
        po.release_production_order(
            session=s, user=user(s, "clerk"), order=order_id, on="2024-12-01"
        )
    before = counts(engine)
    with pytest.raises(PeriodClosed), session_scope(engine) as s:
        pp.issue_materials(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            lines=[MaterialIssue("LEG", "1")],
            on="2024-12-15",
        )
    assert counts(engine) == before


def _routing(engine, order_id: int) -> list[tuple[int, int | None, Decimal, int | None, Decimal]]:
    with session_scope(engine) as s:
        return [
            (o.sequence, o.work_centre_id, o.planned_hours, o.supplier_id, o.outsourced_price)
            for o in po.order_operations(s, order_id)
        ]


@pytest.mark.parametrize(
    ("case", "field", "text"),
    [
        ("closed_centre", "operations.1.work_centre", "SAW"),
        ("other_division_centre", "operations.1.work_centre", "does not exist in division HOLD"),
        ("customer_as_supplier", "operations.2.supplier", "not a supplier"),
        ("price_on_centre", "operations.1.outsourced_price", "has no outsourced price"),
        ("hours_on_outsourced", "operations.2.planned_hours", "not hours on a work centre"),
        ("sequence_zero", "operations.1.sequence", "above zero"),
    ],
)
def test_edit_operation_refusals_write_nothing(engine, case: str, field: str, text: str) -> None:
    """A planned order's routing follows the routing's rules (boms.py): an open work
    centre of the order's division with hours and no price, or an active supplier with a
    price and no hours; sequences above zero."""
    order_id = new_order(engine, "2")
    saw: int | str = "SAW"
    with session_scope(engine) as s:
        admin = user(s, "admin")
        if case == "closed_centre":
            from transactional.manufacturing import work_centres

            work_centres.update_work_centre(
                session=s, user=admin, division="HOLD", work_centre="SAW", is_active=False
            )
        if case == "other_division_centre":
            from transactional.manufacturing import work_centres

            # By id: the code SAW would find HOLD's own saw.
            saw = (
                work_centres.create_work_centre(
                    session=s, user=admin, division="US01", code="SAW", name="US saw"
                ).id
                or 0
            )
    before = _routing(engine, order_id)
    # TABLE x 2: (1 h setup + 3 h run x 2 / 2) / 80 % = 5 h on SAW; S1 paints at 5.00.
    assert before[0][2] == D(5) and before[1][4] == D("5.00")
    centre = dict(sequence=10, work_centre=saw, planned_hours="5")
    outsourced = dict(sequence=20, supplier="S1", outsourced_price="5.00")
    if case == "customer_as_supplier":
        outsourced["supplier"] = "C1"
    if case == "price_on_centre":
        centre["outsourced_price"] = "1.00"
    if case == "hours_on_outsourced":
        outsourced["planned_hours"] = "2"
    if case == "sequence_zero":
        centre["sequence"] = 0
    with pytest.raises(ValidationError, match=text) as caught, session_scope(engine) as s:
        po.set_order_operations(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            operations=[
                po.OrderOperationDraft(**centre),  # type: ignore[arg-type]
                po.OrderOperationDraft(**outsourced),  # type: ignore[arg-type]
            ],
        )
    assert caught.value.field == field
    assert _routing(engine, order_id) == before


def test_edit_planned_routing_to_a_work_centre_and_a_supplier(engine) -> None:
    """The accepted counterpart: hours on the open SAW, S1 at 6.25 a unit; release
    counts them (2 tables: 4 h x 40 / 2 = 80.00 labour, 4 h x 25 / 2 = 50.00 machine)."""
    order_id = new_order(engine, "2")
    with session_scope(engine) as s:
        po.set_order_operations(
            session=s,
            user=user(s, "clerk"),
            order=order_id,
            operations=[
                po.OrderOperationDraft(5, work_centre="SAW", planned_hours="4", description="Cut"),
                po.OrderOperationDraft(15, supplier="S1", outsourced_price="6.25"),
            ],
        )
        order = po.release_production_order(
            session=s, user=user(s, "clerk"), order=order_id, on="2025-03-03"
        )
        assert (order.standard_labour, order.standard_machine, order.standard_outsourced) == (
            D(80),
            D(50),
            D("6.25"),
        )
    s1 = _relation_id(engine, "S1")
    with session_scope(engine) as s:
        saw = s.exec(select(WorkCentre.id).where(WorkCentre.code == "SAW")).one()
    assert _routing(engine, order_id) == [
        (5, saw, D(4), None, D(0)),
        (15, None, D(0), s1, D("6.25")),
    ]


def _relation_id(engine, code: str) -> int:
    with session_scope(engine) as s:
        hold = s.exec(select(Division.id).where(Division.code == "HOLD")).one()
        return (
            s.exec(
                select(Relation.id).where(Relation.code == code, Relation.division_id == hold)
            ).one()
            or 0
        )
