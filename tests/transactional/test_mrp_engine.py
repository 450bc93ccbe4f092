"""The MRP engine (transactional/manufacturing/mrp_engine.py) against hand-worked plans.

The multi-level case is worked out by hand in the comments below, bucket by bucket, and
the expected grid, planned orders and pegs are written out as literals: the test fails
when the engine's netting, lot sizing, lead-time offset, low-level coding or pegging
changes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from transactional.errors import ValidationError
from transactional.manufacturing.mrp_engine import (
    BomVersion,
    Component,
    Demand,
    GridRow,
    OrderedSale,
    Parameters,
    Peg,
    PlanItem,
    PlannedOrder,
    Receipt,
    SalesPlanRow,
    Snapshot,
    lot_size,
    net_sales_plan,
    plan_requirements,
)

D = Decimal
A, B, C = 1, 2, 3
SO101, SO102, PLAN201, PLAN200 = 101, 102, 201, 200
W = [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)]  # Mondays
W += [date(2027, 1, 25), date(2027, 2, 1), date(2027, 2, 8)]


def bom(*components: tuple[int, str]) -> list[BomVersion]:
    return [BomVersion(None, tuple(Component(i, D(q)) for i, q in components))]


def hand_worked_snapshot() -> Snapshot:
    """A (make, 1 week) = 2 B + 1 C; B (make, 2 weeks) = 3 C; C (bought, 1 week, minimum
    50, multiple 25). On hand A 10, C 45; purchase order line 501 brings 32 C on
    2027-01-13. Sales order lines 101 (25 A on 2027-01-20) and 102 (15 A on 2027-02-01);
    the sales plan expects 20 A in January (row 200) and 40 A in February (row 201)."""
    sales = [OrderedSale(A, date(2027, 1, 20), D(25)), OrderedSale(A, date(2027, 2, 1), D(15))]
    plan = [
        SalesPlanRow(PLAN200, A, date(2027, 1, 1), 31, D(20)),
        SalesPlanRow(PLAN201, A, date(2027, 2, 1), 28, D(40)),
    ]
    # January's 20 is covered by order 101's 25: nothing left. February's 40 less order
    # 102's 15 leaves 25 on 2027-02-01.
    planned_sales = net_sales_plan(plan, sales, W[0])
    assert planned_sales == [Demand("sales_plan", PLAN201, A, date(2027, 2, 1), D(25))]
    return Snapshot(
        items={
            A: PlanItem(A, "make", lead_time_days=7),
            B: PlanItem(B, "make", lead_time_days=14),
            C: PlanItem(C, "buy", 7, minimum_quantity=D(50), order_multiple=D(25)),
        },
        boms={A: bom((B, "2"), (C, "1")), B: bom((C, "3"))},
        on_hand={A: D(10), C: D(45)},
        receipts=[Receipt("purchase_order", 501, C, date(2027, 1, 13), D(32))],
        demands=[
            Demand("sales_order", SO101, A, date(2027, 1, 20), D(25)),
            Demand("sales_order", SO102, A, date(2027, 2, 1), D(15)),
            *planned_sales,
        ],
    )


def row(item: int, week: int, gross: int, sched: int, poh: int, net: int, planned: int) -> GridRow:
    return GridRow(item, W[week - 1], D(gross), D(sched), D(poh), D(net), D(planned))


def test_hand_worked_three_levels() -> None:
    plan = plan_requirements(hand_worked_snapshot(), Parameters(W[0], "week", 6))

    # Low-level codes: C is used by A (level 1) and by B (level 2): its deepest use.
    assert plan.low_level_codes == {A: 0, B: 1, C: 2}
    assert plan.bucket_starts == tuple(W)

    # --- A (level 0): on hand 10, lead time 7 days, lot-for-lot -------------------------
    # W3: gross 25 (order 101): 10 - 25 = -15 -> plan 15, due 01-18, ordered 01-11.
    # W5: gross 15 (order 102) + 25 (plan 201) = 40: 0 - 40 -> plan 40, due 02-01,
    #     ordered 01-25.
    # Pegging: order 101 takes the 10 on hand, then 15 of planned order #0; order 102 and
    # plan 201 (same date: the sales order first) take 15 and 25 of #1.
    # Dependent demand, on each order's order date: #0 -> 30 B and 15 C on 01-11 (all for
    # 101); #1 -> 80 B (30 for 102, 50 for plan 201) and 40 C (15 / 25) on 01-25.
    #
    # --- B (level 1): nothing on hand, lead time 14 days ----------------------------------
    # W2: gross 30 (#0's) -> plan 30 due 01-11, ordered 2026-12-28: before the start, late.
    # W4: gross 80 (#1's) -> plan 80 due 01-25, ordered 01-11.
    # Pegs: #2 serves #0 (30, root 101); #3 serves #1 (30 root 102, 50 root plan 201).
    # Dependent: #2 -> 90 C on 2026-12-28 (before the start: the first bucket), root 101;
    # #3 -> 240 C on 01-11 (90 root 102, 150 root plan 201).
    #
    # --- C (level 2): on hand 45, receipt 32 in W2, minimum 50, multiple 25 -------------
    # W1: gross 90 (#2's): 45 - 90 = -45 -> net 45 -> minimum 50 -> plan 50 (a multiple of
    #     25), due 01-04, ordered 2026-12-28 (late); on hand 5.
    # W2: gross 15 (#0's) + 240 (#3's) = 255, receipt 32: 5 + 32 - 255 = -218 -> net 218
    #     -> 9 x 25 = 225, due 01-11, ordered 01-04; on hand 7.
    # W3: 7. W4: gross 40 (#1's): 7 - 40 = -33 -> minimum 50, due 01-25, ordered 01-18;
    #     on hand 17, which stays to W6.
    # Pegging, supplies in queue order (on hand, receipts, planned by date):
    # W1: #2's 90 (root 101) takes the 45 on hand and 45 of #4; 5 of #4 left.
    # W2 (#0 and #3 on 01-11: planned order #0 first by number): #0's 15 (root 101) takes
    #     #4's last 5 and 10 of the receipt; #3's 240 (90 root 102, then 150 root plan 201)
    #     takes the receipt's last 22 (root 102), then 218 of #5: 68 root 102 and 150
    #     root plan 201; 7 of #5 left.
    # W4: #1's 40 (15 root 102, 25 root plan 201) takes #5's 7 (root 102), then 33 of #6:
    #     8 root 102 and 25 root plan 201; #6's other 17 serve nothing.
    assert plan.grid == [
        #   item wk gross sched poh net planned
        row(A, 1, 0, 0, 10, 0, 0),
        row(A, 2, 0, 0, 10, 0, 0),
        row(A, 3, 25, 0, 0, 15, 15),
        row(A, 4, 0, 0, 0, 0, 0),
        row(A, 5, 40, 0, 0, 40, 40),
        row(A, 6, 0, 0, 0, 0, 0),
        row(B, 1, 0, 0, 0, 0, 0),
        row(B, 2, 30, 0, 0, 30, 30),
        row(B, 3, 0, 0, 0, 0, 0),
        row(B, 4, 80, 0, 0, 80, 80),
        row(B, 5, 0, 0, 0, 0, 0),
        row(B, 6, 0, 0, 0, 0, 0),
        row(C, 1, 90, 0, 5, 45, 50),
        row(C, 2, 255, 32, 7, 218, 225),
        row(C, 3, 0, 0, 7, 0, 0),
        row(C, 4, 40, 0, 17, 33, 50),
        row(C, 5, 0, 0, 17, 0, 0),
        row(C, 6, 0, 0, 17, 0, 0),
    ]
    assert plan.orders == [
        PlannedOrder(0, A, "make", D(15), date(2027, 1, 11), date(2027, 1, 18)),
        PlannedOrder(1, A, "make", D(40), date(2027, 1, 25), date(2027, 2, 1)),
        PlannedOrder(2, B, "make", D(30), date(2026, 12, 28), date(2027, 1, 11)),
        PlannedOrder(3, B, "make", D(80), date(2027, 1, 11), date(2027, 1, 25)),
        PlannedOrder(4, C, "buy", D(50), date(2026, 12, 28), date(2027, 1, 4)),
        PlannedOrder(5, C, "buy", D(225), date(2027, 1, 4), date(2027, 1, 11)),
        PlannedOrder(6, C, "buy", D(50), date(2027, 1, 18), date(2027, 1, 25)),
    ]
    assert [o.number for o in plan.orders if o.is_late(W[0])] == [2, 4]
    so, sp, po = "sales_order", "sales_plan", "planned_order"
    assert plan.pegs == [
        # order, demand type, demand id, demand date, quantity, root type, root id
        Peg(0, so, SO101, date(2027, 1, 20), D(15), so, SO101),
        Peg(1, so, SO102, date(2027, 2, 1), D(15), so, SO102),
        Peg(1, sp, PLAN201, date(2027, 2, 1), D(25), sp, PLAN201),
        Peg(2, po, 0, date(2027, 1, 11), D(30), so, SO101),
        Peg(3, po, 1, date(2027, 1, 25), D(30), so, SO102),
        Peg(3, po, 1, date(2027, 1, 25), D(50), sp, PLAN201),
        Peg(4, po, 2, date(2026, 12, 28), D(45), so, SO101),
        Peg(4, po, 0, date(2027, 1, 11), D(5), so, SO101),
        Peg(5, po, 3, date(2027, 1, 11), D(68), so, SO102),
        Peg(5, po, 3, date(2027, 1, 11), D(150), sp, PLAN201),
        Peg(5, po, 1, date(2027, 1, 25), D(7), so, SO102),
        Peg(6, po, 1, date(2027, 1, 25), D(8), so, SO102),
        Peg(6, po, 1, date(2027, 1, 25), D(25), sp, PLAN201),
    ]
    # Every planned order: pegged + surplus = its quantity (only #6 has a surplus: 17).
    for order in plan.orders:
        pegged = sum((p.quantity for p in plan.pegs if p.order == order.number), D(0))
        assert order.quantity - pegged == (D(17) if order.number == 6 else D(0))


def test_past_due_demand_and_receipt_count_in_the_first_bucket() -> None:
    # A sales order due before the start and a purchase order line overdue both land in
    # bucket 1: 8 on hand + 5 overdue receipt - 20 overdue demand = -7 -> plan 7 due on
    # the start, ordered 3 days earlier (late). A demand past the horizon is ignored.
    snap = Snapshot(
        items={C: PlanItem(C, "buy", 3)},
        boms={},
        on_hand={C: D(8)},
        receipts=[Receipt("purchase_order", 9, C, date(2026, 12, 20), D(5))],
        demands=[
            Demand("sales_order", 1, C, date(2026, 12, 1), D(20)),
            Demand("sales_order", 2, C, date(2027, 3, 1), D(99)),
        ],
    )
    plan = plan_requirements(snap, Parameters(W[0], "week", 2))
    assert plan.grid == [row(C, 1, 20, 5, 0, 7, 7), row(C, 2, 0, 0, 0, 0, 0)]
    assert plan.orders == [PlannedOrder(0, C, "buy", D(7), date(2027, 1, 1), W[0])]
    # The demand keeps its own date in the peg; on hand and the receipt served 13 of it.
    assert plan.pegs == [Peg(0, "sales_order", 1, date(2026, 12, 1), D(7), "sales_order", 1)]


def test_safety_stock() -> None:
    # On hand 4 below a safety stock of 10: the first bucket plans the missing 6 (which
    # serves no demand: no peg). W2's demand of 15 is then all short: plan 15, pegged.
    # The grid shows physical stock: 4 + 6 = 10 in W1, 10 - 15 + 15 = 10 in W2; the net
    # requirement is the shortfall below the safety stock.
    snap = Snapshot(
        items={C: PlanItem(C, "buy", 0, safety_stock=D(10))},
        boms={},
        on_hand={C: D(4)},
        demands=[Demand("sales_order", 7, C, W[1], D(15))],
    )
    plan = plan_requirements(snap, Parameters(W[0], "week", 3))
    assert plan.grid == [
        row(C, 1, 0, 0, 10, 6, 6),
        row(C, 2, 15, 0, 10, 15, 15),
        row(C, 3, 0, 0, 10, 0, 0),
    ]
    assert [(o.quantity, o.due_date) for o in plan.orders] == [(D(6), W[0]), (D(15), W[1])]
    assert plan.pegs == [Peg(1, "sales_order", 7, W[1], D(15), "sales_order", 7)]


def test_safety_stock_deficit_takes_supply_before_demands() -> None:
    # On hand 3, safety 5, receipt 10 in W1, demand 6 in W1: available 3 - 5 + 10 - 6 = 2:
    # no planned order; the missing 2 of safety stock come first out of the receipt.
    # W2's demand 4: 2 - 4 = -2 -> plan 2, pegged to it.
    snap = Snapshot(
        items={C: PlanItem(C, "buy", 0, safety_stock=D(5))},
        boms={},
        on_hand={C: D(3)},
        receipts=[Receipt("purchase_order", 1, C, W[0], D(10))],
        demands=[
            Demand("sales_order", 1, C, W[0], D(6)),
            Demand("sales_order", 2, C, W[1], D(4)),
        ],
    )
    plan = plan_requirements(snap, Parameters(W[0], "week", 2))
    assert plan.grid == [row(C, 1, 6, 10, 7, 0, 0), row(C, 2, 4, 0, 5, 2, 2)]
    assert plan.pegs == [Peg(0, "sales_order", 2, W[1], D(2), "sales_order", 2)]


def test_phantom_is_exploded_through() -> None:
    # A = 1 P + 1 C, P (phantom) = 2 C + 1 X. A's planned order of 4 needs 4 x (2 + 1) =
    # 12 C and 4 X, never P. A sales order for P itself (3) is demand for 6 C and 3 X on
    # its date, pegged to that order. P has no grid, no advice.
    P, X = 4, 5
    snap = Snapshot(
        items={
            A: PlanItem(A, "make", 0),
            P: PlanItem(P, "phantom"),
            C: PlanItem(C, "buy"),
            X: PlanItem(X, "buy"),
        },
        boms={A: bom((P, "1"), (C, "1")), P: bom((C, "2"), (X, "1"))},
        on_hand={P: D(100)},  # a phantom's stock is not used
        demands=[
            Demand("sales_order", 1, A, W[1], D(4)),
            Demand("sales_order", 2, P, W[2], D(3)),
        ],
    )
    plan = plan_requirements(snap, Parameters(W[0], "week", 3))
    assert {r.item_id for r in plan.grid} == {A, C, X}
    assert [(o.item_id, o.quantity, o.due_date) for o in plan.orders] == [
        (A, D(4), W[1]),
        (C, D(12), W[1]),
        (C, D(6), W[2]),
        (X, D(4), W[1]),
        (X, D(3), W[2]),
    ]
    assert [(p.order, p.demand_kind, p.demand_id, p.quantity, p.root_id) for p in plan.pegs] == [
        (0, "sales_order", 1, D(4), 1),
        (1, "planned_order", 0, D(12), 1),
        (2, "sales_order", 2, D(6), 2),
        (3, "planned_order", 0, D(4), 1),
        (4, "sales_order", 2, D(3), 2),
    ]


def test_fractional_components_round_up_and_roots_add_up() -> None:
    # A needs 0.333333333333 C per unit (a third, as the BOM reader gives it). 10 A for
    # order 1 and 20 A for order 2 make one planned order of 30 A -> C 30 x per =
    # 9.99999999999 -> 10.00000000 (rounded up to 8 decimals). Its roots split on the
    # cumulative quantities: 10 x per rounded up = 3.33333334 for order 1, the rest
    # 6.66666666 for order 2.
    per = D("0.333333333333")
    snap = Snapshot(
        items={A: PlanItem(A, "make"), C: PlanItem(C, "buy")},
        boms={A: bom((C, str(per)))},
        on_hand={},
        demands=[
            Demand("sales_order", 1, A, W[0], D(10)),
            Demand("sales_order", 2, A, W[0], D(20)),
        ],
    )
    plan = plan_requirements(snap, Parameters(W[0], "week", 1))
    c_order = next(o for o in plan.orders if o.item_id == C)
    assert c_order.quantity == D("10.00000000")
    assert [(p.root_id, p.quantity) for p in plan.pegs if p.order == c_order.number] == [
        (1, D("3.33333334")),
        (2, D("6.66666666")),
    ]


def test_bom_version_valid_on_the_order_date() -> None:
    # From 2027-01-18 A is made of Y instead of C: the W2 order (ordered 01-11) needs C,
    # the W4 order (ordered 01-25) needs Y.
    Y = 6
    snap = Snapshot(
        items={A: PlanItem(A, "make", 0), C: PlanItem(C), Y: PlanItem(Y)},
        boms={
            A: [
                BomVersion(None, (Component(C, D(1)),)),
                BomVersion(date(2027, 1, 18), (Component(Y, D(2)),)),
            ]
        },
        on_hand={},
        demands=[
            Demand("sales_order", 1, A, W[1], D(5)),
            Demand("sales_order", 2, A, W[3], D(5)),
        ],
    )
    plan = plan_requirements(snap, Parameters(W[0], "week", 4))
    assert [(o.item_id, o.quantity, o.due_date) for o in plan.orders] == [
        (A, D(5), W[1]),
        (A, D(5), W[3]),
        (C, D(5), W[1]),
        (Y, D(10), W[3]),
    ]


def test_day_and_month_buckets() -> None:
    # Day buckets: due date = the demand's day; lead time 2 days.
    snap = Snapshot(
        items={C: PlanItem(C, "buy", 2)},
        boms={},
        on_hand={},
        demands=[Demand("sales_order", 1, C, date(2027, 1, 7), D(3))],
    )
    plan = plan_requirements(snap, Parameters(date(2027, 1, 5), "day", 5))
    assert [(o.due_date, o.order_date) for o in plan.orders] == [
        (date(2027, 1, 7), date(2027, 1, 5))
    ]
    # Month buckets: due on the first of the month of the demand.
    plan = plan_requirements(snap, Parameters(date(2027, 1, 1), "month", 2))
    assert [(o.due_date, o.order_date) for o in plan.orders] == [
        (date(2027, 1, 1), date(2026, 12, 30))
    ]
    assert plan.bucket_starts == (date(2027, 1, 1), date(2027, 2, 1))


def test_lot_size() -> None:
    assert lot_size(D(223), D(50), D(25)) == D(225)
    assert lot_size(D(33), D(50), D(25)) == D(50)
    assert lot_size(D(33), D(40), D(25)) == D(50)  # minimum first, then the multiple
    assert lot_size(D(10), D(0), D(0)) == D(10)
    assert lot_size(D("0.1"), D(0), D("0.3")) == D("0.3")


def test_bad_parameters_and_cycles_are_refused() -> None:
    snap = Snapshot(items={}, boms={}, on_hand={})
    with pytest.raises(ValidationError, match="Monday"):
        plan_requirements(snap, Parameters(date(2027, 1, 5), "week", 4))
    with pytest.raises(ValidationError, match="first of a month"):
        plan_requirements(snap, Parameters(date(2027, 1, 5), "month", 4))
    with pytest.raises(ValidationError, match="day, week or month"):
        plan_requirements(snap, Parameters(W[0], "year", 4))
    with pytest.raises(ValidationError, match="between 1"):
        plan_requirements(snap, Parameters(W[0], "week", 0))
    cyclic = Snapshot(items={}, boms={A: bom((B, "1")), B: bom((A, "1"))}, on_hand={})
    with pytest.raises(ValidationError, match="cycle among items 1, 2"):
        plan_requirements(cyclic, Parameters(W[0], "week", 4))
