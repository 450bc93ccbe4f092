"""Capacity (docs/manufacturing.md §6): the what-if load from order-week rows
(transactional/planning/capacity_whatif.py), worked by hand, and saving a plan with
``reschedule_orders`` on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.transactional.company import user
from tests.transactional.manufacturing_company import add_bom, add_saw, buy
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.manufacturing import item_planning
from transactional.manufacturing import production_orders as po
from transactional.manufacturing import production_postings as pp
from transactional.manufacturing.boms import BomLineDraft as Bl
from transactional.manufacturing.boms import OperationDraft as Op
from transactional.manufacturing.capacity import OrderChange, reschedule_orders
from transactional.manufacturing.models import ProductionOrder
from transactional.planning.capacity_whatif import Move, load_by_week, whatif_frame
from transactional.purchasing.orders import PurchaseLineDraft
from transactional.wholesale import items as wi

D = Decimal
W1, W2, W3 = date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)

# --- the what-if, by hand --------------------------------------------------------------


def order_weeks() -> pd.DataFrame:
    """Order 1 on centre 10: W1 setup 2 + run 3, W2 run 3; order 2 on 10: W2 setup 1 +
    run 4; order 3 on centre 20: W1 run 5. Hours as the warehouse gives them (Decimal)."""
    rows = [
        (1, 10, W1, "2", "3"),
        (1, 10, W2, "0", "3"),
        (2, 10, W2, "1", "4"),
        (3, 20, W1, "0", "5"),
    ]
    return pd.DataFrame(
        [(o, wc, w, D(s), D(r)) for o, wc, w, s, r in rows],
        columns=["order_id", "work_centre_id", "week_start", "setup_hours", "run_hours"],
    )


def mart_load() -> pd.DataFrame:
    """mart_capacity_load as it stands: 10 has 40 hours a week, 20 none."""
    return pd.DataFrame(
        [
            (10, "SAW", W1, 1, 5.0, 40.0, 12.5),
            (10, "SAW", W2, 2, 8.0, 40.0, 20.0),
            (20, "PAINT", W1, 1, 5.0, 0.0, None),
        ],
        columns=[
            "work_centre_id",
            "work_centre_code",
            "week_start",
            "orders",
            "load_hours",
            "available_hours",
            "utilisation_pct",
        ],
    )


def test_load_without_changes_is_the_marts() -> None:
    out = load_by_week(order_weeks(), {})
    assert out[["work_centre_id", "orders", "setup_hours", "run_hours", "load_hours"]].to_dict(
        "records"
    ) == [
        {
            "work_centre_id": 10,
            "orders": 1,
            "setup_hours": 2.0,
            "run_hours": 3.0,
            "load_hours": 5.0,
        },
        {
            "work_centre_id": 10,
            "orders": 2,
            "setup_hours": 1.0,
            "run_hours": 7.0,
            "load_hours": 8.0,
        },
        {
            "work_centre_id": 20,
            "orders": 1,
            "setup_hours": 0.0,
            "run_hours": 5.0,
            "load_hours": 5.0,
        },
    ]


@dataclass(frozen=True)
class Change:  # as the page keeps a change (dashboards.writeback.PlanChange)
    order_id: int
    shift_weeks: int
    quantity: Decimal
    new_quantity: Decimal | None


def test_move_and_resize() -> None:
    # Order 1 one week later and from 10 to 20 units (run hours x 2, setup unchanged):
    # SAW W1: nothing left (0 h, 0 orders, 0 %);
    # SAW W2: order 1's old W1 row (setup 2 + run 6) + order 2 (1 + 4) = 13 h, 32.5 %;
    # SAW W3: order 1's old W2 row, run 6 = 6 h, 15 %;
    # PAINT W1 unchanged, 5 h, no hours available: no utilisation.
    out = whatif_frame(order_weeks(), mart_load(), [Change(1, 1, D(10), D(20))])
    rows = [
        (r.work_centre_code, r.week_start, r.orders, r.setup_hours, r.run_hours, r.load_hours)
        for r in out.itertuples()
    ]
    assert rows == [
        ("PAINT", W1, 1, 0.0, 5.0, 5.0),
        ("SAW", W1, 0, 0.0, 0.0, 0.0),
        ("SAW", W2, 2, 3.0, 10.0, 13.0),
        ("SAW", W3, 1, 0.0, 6.0, 6.0),
    ]
    pct = out["utilisation_pct"].tolist()
    assert math.isnan(pct[0]) and pct[1:] == [0.0, 32.5, 15.0]
    assert out["available_hours"].tolist() == [0.0, 40.0, 40.0, 40.0]
    # The same through moves directly; order 1 a week earlier: its W1 row in 2026-12-28,
    # its W2 row in W1.
    same = whatif_frame(order_weeks(), mart_load(), {1: Move(1, 2.0)})
    pd.testing.assert_frame_equal(out, same)
    earlier = load_by_week(order_weeks(), {1: Move(-1, 1)})
    assert [(r.week_start.date(), r.load_hours) for r in earlier.itertuples()][:3] == [
        (date(2026, 12, 28), 5.0),
        (W1, 3.0),
        (W2, 5.0),
    ]


# --- reschedule_orders -----------------------------------------------------------------


@pytest.fixture
def engine(db_url: str):
    """TABLE (made) = 8 LEG (5 % scrap) per batch of 2, on SAW (80 % efficient) 1 h setup
    + 3 h run per batch; 100 LEG in stock."""
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        for code in ("TABLE", "LEG"):
            wi.create_item(
                session=s, user=admin, division="HOLD", code=code, name=code, purchase_price="2"
            )
        item_planning.set_item_planning(
            session=s, user=admin, division="HOLD", item="TABLE", supply="make"
        )
        add_saw(s, admin, machine_rate="25.00", efficiency_pct="80")
        add_bom(
            s,
            admin,
            "TABLE",
            [Bl("LEG", "8", "5")],
            [Op(10, work_centre="SAW", setup_hours="1", run_hours="3")],
            batch_quantity="2",
        )
        buy(s, admin, [PurchaseLineDraft("LEG", "100", "2.00")])
    yield eng
    eng.dispose()


def new_order(engine, backflush: bool = False) -> int:
    with session_scope(engine) as s:
        return (
            po.create_production_order(
                session=s,
                user=user(s, "clerk"),
                division="HOLD",
                item="TABLE",
                quantity="10",
                start_date="2025-03-03",
                due_date="2025-03-14",
                warehouse="MAIN",
                backflush=backflush,
            ).id
            or 0
        )


def plan_of(engine, order_id: int) -> tuple:
    with session_scope(engine) as s:
        order = s.get(ProductionOrder, order_id)
        assert order is not None
        return (
            order.quantity,
            order.start_date,
            order.due_date,
            [m.quantity for m in po.order_materials(s, order_id)],
            [o.planned_hours for o in po.order_operations(s, order_id)],
        )


def test_reschedule_and_resize_a_planned_order(engine) -> None:
    order_id = new_order(engine)
    # 10 tables = 5 batches: LEG 5 x 8 x 1.05 = 42; saw (1 + 3 x 5) / 0.8 = 20 h.
    assert plan_of(engine, order_id) == (
        D(10),
        date(2025, 3, 3),
        date(2025, 3, 14),
        [D(42)],
        [D(20)],
    )
    with session_scope(engine) as s:
        reschedule_orders(
            session=s,
            user=user(s, "clerk"),
            changes=[OrderChange(order_id, "2025-03-10", "2025-03-21", "20")],
        )
    # 20 tables: LEG 84; saw: setup 1 / 0.8 = 1.25 stays, run 18.75 x 2 = 37.5 -> 38.75,
    # which is what a new order of 20 is planned at: (1 + 3 x 10) / 0.8 = 38.75.
    assert plan_of(engine, order_id) == (
        D(20),
        date(2025, 3, 10),
        date(2025, 3, 21),
        [D(84)],
        [D("38.75")],
    )
    with session_scope(engine) as s:
        logged = s.exec(
            select(func.count())
            .select_from(AuditLog)
            .where(
                col(AuditLog.table_name).in_(
                    ("production_order", "production_order_material", "production_order_operation")
                ),
                AuditLog.action == "update",
            )
        ).one()
        assert logged == 3
    # Moving only: the quantity stays.
    with session_scope(engine) as s:
        reschedule_orders(
            session=s,
            user=user(s, "clerk"),
            changes=[OrderChange(order_id, date(2025, 3, 17), date(2025, 3, 28))],
        )
    assert plan_of(engine, order_id)[:3] == (D(20), date(2025, 3, 17), date(2025, 3, 28))


def test_released_order_not_below_completed_and_refusals_write_nothing(engine) -> None:
    order_id = new_order(engine, backflush=True)
    with session_scope(engine) as s:
        clerk = user(s, "clerk")
        po.release_production_order(session=s, user=clerk, order=order_id, on="2025-03-03")
        # 4 tables' hours (8 of the 20 planned, labour and machine), then completed.
        pp.book_hours(
            session=s,
            user=clerk,
            order=order_id,
            operation=10,
            labour_hours="8",
            machine_hours="8",
            on="2025-03-05",
        )
        pp.complete_production(session=s, user=clerk, order=order_id, quantity="4", on="2025-03-05")
    before = plan_of(engine, order_id)
    with session_scope(engine) as s, pytest.raises(ValidationError, match="completed 4"):
        reschedule_orders(
            session=s,
            user=user(s, "clerk"),
            changes=[OrderChange(order_id, "2025-03-03", "2025-03-14", "3")],
        )
    with session_scope(engine) as s, pytest.raises(ValidationError, match="before the start"):
        reschedule_orders(
            session=s,
            user=user(s, "clerk"),
            changes=[OrderChange(order_id, "2025-03-14", "2025-03-03")],
        )
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        reschedule_orders(
            session=s,
            user=user(s, "analyst"),
            changes=[OrderChange(order_id, "2025-03-10", "2025-03-21")],
        )
    other = new_order(engine)
    with session_scope(engine) as s:
        po.cancel_production_order(session=s, user=user(s, "clerk"), order=other)
    with session_scope(engine) as s, pytest.raises(ValidationError, match="cancelled"):
        # The first change is good, the second refused: neither is saved.
        reschedule_orders(
            session=s,
            user=user(s, "clerk"),
            changes=[
                OrderChange(order_id, "2025-03-10", "2025-03-21", "8"),
                OrderChange(other, "2025-03-10", "2025-03-21"),
            ],
        )
    assert plan_of(engine, order_id) == before
    # Down to the completed quantity is allowed on a released order: 4 of 10.
    with session_scope(engine) as s:
        reschedule_orders(
            session=s,
            user=user(s, "clerk"),
            changes=[OrderChange(order_id, "2025-03-03", "2025-03-14", "4")],
        )
    quantity, *_rest, materials, hours = plan_of(engine, order_id)
    # LEG 42 x 0.4 = 16.8; saw 1.25 + 18.75 x 0.4 = 8.75.
    assert (quantity, materials, hours) == (D(4), [D("16.8")], [D("8.75")])
