"""MRP runs and advice conversion (transactional/manufacturing/mrp.py) on SQLite and
PostgreSQL.

The database holds the hand-worked case of test_mrp_engine.py moved to March 2025 (week
1 = 2025-03-03): A (make, 1 week) = 2 B + 1 C, B (make, 2 weeks) = 3 C, C (bought, 1
week, minimum 50, multiple 25); on hand A 10 and C 45 (received on a purchase order from
S1), an open purchase order line of 32 C promised 2025-03-12; sales order lines for 25 A
(requested 2025-03-19) and 15 A (2025-03-31); the sales plan 20 A from 2025-03-01 and 40
A from 2025-03-31 (28 days). ``run_mrp`` must read it all from the tables and store the
same plan as the engine test's literals, with real ids.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.transactional.company import user
from tests.transactional.manufacturing_company import add_bom
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.manufacturing import boms, item_planning, mrp, sales_plan
from transactional.manufacturing.boms import BomLineDraft as Bl
from transactional.manufacturing.models import (
    MrpAdvice,
    MrpPeg,
    MrpRequirement,
    MrpRun,
    ProductionOrder,
    SalesPlan,
)
from transactional.purchasing import orders as purchase_orders
from transactional.purchasing import receipts
from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine
from transactional.purchasing.orders import PurchaseLineDraft, PurchaseOrderDraft
from transactional.purchasing.receipts import ReceiptLineDraft
from transactional.sales import orders as sales_orders
from transactional.sales.models import SalesOrderLine
from transactional.sales.orders import SalesLineDraft, SalesOrderDraft
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

D = Decimal
START = date(2025, 3, 3)  # a Monday
W = [START + timedelta(weeks=i) for i in range(6)]


def item_id(s: Session, code: str) -> int:
    return s.exec(select(Item.id).where(Item.code == code)).one() or 0


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        for code in ("A", "B", "C", "X"):
            wi.create_item(
                session=s,
                user=admin,
                division="HOLD",
                code=code,
                name=code,
                purchase_price="2.00",
                sales_price="9.00",
            )
        plan = item_planning.set_item_planning
        plan(session=s, user=admin, division="HOLD", item="A", supply="make", lead_time_days=7)
        plan(session=s, user=admin, division="HOLD", item="B", supply="make", lead_time_days=14)
        plan(
            session=s,
            user=admin,
            division="HOLD",
            item="C",
            supply="buy",
            lead_time_days=7,
            minimum_quantity="50",
            order_multiple="25",
        )
        add_bom(s, admin, "A", [Bl("B", "2"), Bl("C", "1")])
        add_bom(s, admin, "B", [Bl("C", "3")])
        order = purchase_orders.create_purchase_order(
            session=s,
            user=admin,
            draft=PurchaseOrderDraft(
                division="HOLD",
                supplier="S1",
                warehouse="MAIN",
                order_date="2025-02-20",
                lines=[
                    PurchaseLineDraft("A", "10", promised_date="2025-02-25"),
                    PurchaseLineDraft("C", "45", promised_date="2025-02-25"),
                    PurchaseLineDraft("C", "32", promised_date="2025-03-12"),
                ],
            ),
        )
        lines = purchase_orders.order_lines(s, order.id)
        receipts.receive(
            session=s,
            user=admin,
            order_id=order.id or 0,
            receipt_date="2025-02-25",
            lines=[
                ReceiptLineDraft(lines[0].id or 0, "10"),
                ReceiptLineDraft(lines[1].id or 0, "45"),
            ],
        )
        for qty, requested in (("25", "2025-03-19"), ("15", "2025-03-31")):
            sales_orders.create_order(
                session=s,
                user=admin,
                draft=SalesOrderDraft(
                    division="HOLD",
                    customer="C1",
                    warehouse="MAIN",
                    lines=[SalesLineDraft("A", qty, "9.00")],
                    order_date="2025-02-27",
                    requested_date=requested,
                ),
            )
        for start, days, qty in (("2025-03-01", 31, "20"), ("2025-03-31", 28, "40")):
            sales_plan.set_sales_plan(
                session=s,
                user=admin,
                division="HOLD",
                item="A",
                period_start=start,
                quantity=qty,
                period_days=days,
            )
    yield eng
    eng.dispose()


def run(engine, username: str = "clerk", **kw: object) -> int:
    with session_scope(engine) as s:
        args: dict = dict(division="HOLD", start=START, bucket="week", buckets=6) | kw
        return mrp.run_mrp(session=s, user=user(s, username), **args).id or 0


def advice_of(s: Session, run_id: int) -> list[MrpAdvice]:
    return list(
        s.exec(select(MrpAdvice).where(MrpAdvice.run_id == run_id).order_by(col(MrpAdvice.id)))
    )


def test_run_reads_the_database_and_stores_the_hand_worked_plan(engine) -> None:
    run_id = run(engine)
    with session_scope(engine) as s:
        a, b, c = (item_id(s, x) for x in "ABC")
        code = {a: "A", b: "B", c: "C"}
        stored = s.get(MrpRun, run_id)
        assert stored is not None
        assert (stored.start_date, stored.bucket, stored.buckets) == (START, "week", 6)
        # The engine test's planned orders, moved to March 2025.
        advice = advice_of(s, run_id)
        assert [
            (code[x.item_id], x.action, x.quantity, x.order_date, x.due_date) for x in advice
        ] == [
            ("A", "make", D(15), W[1], W[2]),
            ("A", "make", D(40), W[3], W[4]),
            ("B", "make", D(30), date(2025, 2, 24), W[1]),
            ("B", "make", D(80), W[1], W[3]),
            ("C", "buy", D(50), date(2025, 2, 24), W[0]),
            ("C", "buy", D(225), W[0], W[1]),
            ("C", "buy", D(50), W[2], W[3]),
        ]
        assert {x.status for x in advice} == {"open"}
        grid = s.exec(
            select(MrpRequirement)
            .where(MrpRequirement.run_id == run_id, MrpRequirement.item_id == c)
            .order_by(col(MrpRequirement.bucket_start))
        ).all()
        assert [
            (
                g.bucket_start,
                g.gross_requirement,
                g.scheduled_receipts,
                g.projected_on_hand,
                g.net_requirement,
                g.planned_receipts,
            )
            for g in grid
        ] == [
            (W[0], D(90), D(0), D(5), D(45), D(50)),
            (W[1], D(255), D(32), D(7), D(218), D(225)),
            (W[2], D(0), D(0), D(7), D(0), D(0)),
            (W[3], D(40), D(0), D(17), D(33), D(50)),
            (W[4], D(0), D(0), D(17), D(0), D(0)),
            (W[5], D(0), D(0), D(17), D(0), D(0)),
        ]
        assert (
            s.exec(
                select(func.count())
                .select_from(MrpRequirement)
                .where(MrpRequirement.run_id == run_id)
            ).one()
            == 18
        )
        # Pegs with real ids: sales order lines, the February plan row, parent advice.
        so1, so2 = s.exec(
            select(SalesOrderLine.id)
            .where(SalesOrderLine.item_id == a)
            .order_by(col(SalesOrderLine.id))
        ).all()
        plan_feb = s.exec(select(SalesPlan.id).where(SalesPlan.period_start == W[4])).one()
        ids = [x.id for x in advice]
        pegs = s.exec(
            select(MrpPeg).where(col(MrpPeg.advice_id).in_(ids)).order_by(col(MrpPeg.id))
        ).all()
        so, sp, po = "sales_order", "sales_plan", "planned_order"
        assert [
            (
                ids.index(p.advice_id),
                p.demand_type,
                p.demand_id,
                p.demand_date,
                p.quantity,
                p.root_type,
                p.root_id,
            )
            for p in pegs
        ] == [
            (0, so, so1, W[2] + timedelta(days=2), D(15), so, so1),
            (1, so, so2, W[4], D(15), so, so2),
            (1, sp, plan_feb, W[4], D(25), sp, plan_feb),
            (2, po, ids[0], W[1], D(30), so, so1),
            (3, po, ids[1], W[3], D(30), so, so2),
            (3, po, ids[1], W[3], D(50), sp, plan_feb),
            (4, po, ids[2], date(2025, 2, 24), D(45), so, so1),
            (4, po, ids[0], W[1], D(5), so, so1),
            (5, po, ids[3], W[1], D(68), so, so2),
            (5, po, ids[3], W[1], D(150), sp, plan_feb),
            (5, po, ids[1], W[3], D(7), so, so2),
            (6, po, ids[1], W[3], D(8), so, so2),
            (6, po, ids[1], W[3], D(25), sp, plan_feb),
        ]
        # Audited: the run row, and one row per table of the run's figures.
        logged = s.exec(
            select(AuditLog.table_name, AuditLog.record_key, AuditLog.new_value).where(
                col(AuditLog.table_name).in_(
                    ("mrp_run", "mrp_requirement", "mrp_advice", "mrp_peg")
                )
            )
        ).all()
        assert sorted((t, k) for t, k, _ in logged) == [
            ("mrp_advice", str(run_id)),
            ("mrp_peg", str(run_id)),
            ("mrp_requirement", str(run_id)),
            ("mrp_run", str(run_id)),
        ]
        assert '"rows": 13' in next(v or "" for t, _, v in logged if t == "mrp_peg")


def test_open_production_orders_and_deliveries_count(engine) -> None:
    # A planned production order for 12 B due W2 (started W1) is a scheduled receipt of B
    # and needs 36 C on W1; it takes 12 off B's W2 requirement (30 -> 18) and adds 36 to
    # C's W1 gross requirement, rooted at that order.
    from transactional.manufacturing.production_orders import create_production_order

    with session_scope(engine) as s:
        made = create_production_order(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            item="B",
            quantity="12",
            start_date=W[0],
            due_date=W[1],
            warehouse="MAIN",
        )
        order_id = made.id
    run_id = run(engine)
    with session_scope(engine) as s:
        b, c = item_id(s, "B"), item_id(s, "C")
        advice = advice_of(s, run_id)
        assert [(x.quantity, x.due_date) for x in advice if x.item_id == b] == [
            (D(18), W[1]),
            (D(80), W[3]),
        ]
        w1 = s.exec(
            select(MrpRequirement).where(
                MrpRequirement.run_id == run_id,
                MrpRequirement.item_id == c,
                MrpRequirement.bucket_start == W[0],
            )
        ).one()
        # 36 for the production order + 3 x 18 for B's first planned order.
        assert w1.gross_requirement == D(36 + 54)
        roots = s.exec(
            select(MrpPeg.root_type, MrpPeg.root_id, func.sum(MrpPeg.quantity))
            .join(MrpAdvice, col(MrpAdvice.id) == MrpPeg.advice_id)
            .where(MrpAdvice.run_id == run_id, MrpPeg.demand_type == "production_order")
            .group_by(col(MrpPeg.root_type), col(MrpPeg.root_id))
        ).all()
        # C's demands by date: B's first planned order (54 on 2025-02-24) takes the 45 on
        # hand and 9 of C's first planned order; the production order's 36 (2025-03-03)
        # come from the rest of that planned order, rooted at the production order.
        assert [(t, i, D(q)) for t, i, q in roots] == [("production_order", order_id, D(36))]


def test_rights_and_bad_parameters_write_nothing(engine) -> None:
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        mrp.run_mrp(session=s, user=user(s, "analyst"), division="HOLD", start=START)
    with session_scope(engine) as s, pytest.raises(ValidationError, match="Monday"):
        mrp.run_mrp(session=s, user=user(s, "clerk"), division="HOLD", start="2025-03-04")
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(MrpRun)).one() == 0


def test_a_division_that_makes_nothing_is_refused_and_nothing_is_written(engine) -> None:
    # US01 has no item planned as 'make' (only HOLD's A and B are).
    with session_scope(engine) as s, pytest.raises(ValidationError) as refused:
        mrp.run_mrp(session=s, user=user(s, "admin"), division="US01", start=START)
    assert str(refused.value) == (
        "Division US01 makes nothing: no item is made there (item planning supply 'make'); "
        "MRP has nothing to plan."
    )
    assert refused.value.field == "division"
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(MrpRun)).one() == 0
    run(engine)  # HOLD makes A and B: the check does not stand in its way


def test_convert_advice(engine) -> None:
    run_id = run(engine)
    with session_scope(engine) as s:
        b, c = item_id(s, "B"), item_id(s, "C")
        advice = advice_of(s, run_id)
        buy = [x.id or 0 for x in advice if x.item_id == c]
        make = [x.id or 0 for x in advice if x.item_id == b]
        counts = (
            s.exec(select(func.count()).select_from(PurchaseOrder)).one(),
            s.exec(select(func.count()).select_from(ProductionOrder)).one(),
        )
    # Not allowed: a manager may not manufacture; nothing written.
    with session_scope(engine) as s, pytest.raises(PermissionDenied):
        mrp.convert_advice(session=s, user=user(s, "manager"), advice_ids=buy, on=START)
    with session_scope(engine) as s:
        created = mrp.convert_advice(
            session=s, user=user(s, "clerk"), advice_ids=[*buy, *make], on=START
        )
        # C has no supplier in its planning: its last supplier S1. One purchase order for
        # the three C advice, dated the day of conversion, each line promised for its
        # due date (the late one: the order date).
        purchase, *made = created
        assert isinstance(purchase, PurchaseOrder)
        assert purchase.order_date == START
        lines = s.exec(
            select(
                col(PurchaseOrderLine.item_id),
                col(PurchaseOrderLine.quantity),
                col(PurchaseOrderLine.promised_date),
            )
            .where(PurchaseOrderLine.order_id == purchase.id)
            .order_by(col(PurchaseOrderLine.line_number))
        ).all()
        assert [(i, D(q), d) for i, q, d in lines] == [
            (c, D(50), START),
            (c, D(225), W[1]),
            (c, D(50), W[3]),
        ]
        # The B advice: planned production orders from order date to due date.
        assert all(isinstance(m, ProductionOrder) for m in made)
        assert [
            (m.status, m.quantity, m.start_date, m.due_date)
            for m in made
            if isinstance(m, ProductionOrder)
        ] == [
            ("planned", D(30), date(2025, 2, 24), W[1]),
            ("planned", D(80), W[1], W[3]),
        ]
        converted = {x.id: x for x in advice_of(s, run_id)}
        assert {converted[i].purchase_order_id for i in buy} == {purchase.id}
        assert [converted[i].production_order_id for i in make] == [m.id for m in made]
        assert {converted[i].status for i in [*buy, *make]} == {"converted"}
        assert {converted[i].converted_by for i in buy} == {user(s, "clerk").id}
        updates = s.exec(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.table_name == "mrp_advice", AuditLog.action == "update")
        ).one()
        assert updates == 5
    # Twice: refused, nothing written.
    with session_scope(engine) as s, pytest.raises(ValidationError, match="already converted"):
        mrp.convert_advice(session=s, user=user(s, "clerk"), advice_ids=buy[:1], on=START)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(PurchaseOrder)).one() == counts[0] + 1
        assert s.exec(select(func.count()).select_from(ProductionOrder)).one() == counts[1] + 2


def test_convert_refusals_write_nothing(engine) -> None:
    # X (bought, never ordered, no supplier) gets a sales order: its advice cannot be
    # converted, and neither is the good advice converted with it.
    with session_scope(engine) as s:
        sales_orders.create_order(
            session=s,
            user=user(s, "clerk"),
            draft=SalesOrderDraft(
                division="HOLD",
                customer="C1",
                warehouse="MAIN",
                lines=[SalesLineDraft("X", "5", "9.00")],
                order_date="2025-02-27",
                requested_date="2025-03-05",
            ),
        )
    old_run = run(engine)
    run_id = run(engine)
    with session_scope(engine) as s:
        x, c = item_id(s, "X"), item_id(s, "C")
        advice = advice_of(s, run_id)
        bad = next(a.id or 0 for a in advice if a.item_id == x)
        good = next(a.id or 0 for a in advice if a.item_id == c)
        stale = next(a.id or 0 for a in advice_of(s, old_run) if a.item_id == c)
    with session_scope(engine) as s, pytest.raises(ValidationError, match="Item X has no supplier"):
        mrp.convert_advice(session=s, user=user(s, "clerk"), advice_ids=[good, bad], on=START)
    with session_scope(engine) as s, pytest.raises(ValidationError, match="earlier MRP run"):
        mrp.convert_advice(session=s, user=user(s, "clerk"), advice_ids=[stale], on=START)
    with session_scope(engine) as s, pytest.raises(ValidationError, match="does not exist"):
        mrp.convert_advice(session=s, user=user(s, "clerk"), advice_ids=[999999], on=START)
    # B's BOM changed after the run: its late advice (start 2025-02-24) has no BOM valid
    # then. The purchase order for C, created first, goes too (the refusal is caught
    # here inside the transaction, which then commits: the service's savepoint undid it).
    with session_scope(engine) as s:
        boms.update_bom(
            session=s,
            user=user(s, "admin"),
            division="HOLD",
            item="B",
            version="1",
            valid_from="2025-03-01",
        )
        late_b = next(a.id or 0 for a in advice_of(s, run_id) if a.item_id == item_id(s, "B"))
    with session_scope(engine) as s, pytest.raises(ValidationError, match="no bill of materials"):
        mrp.convert_advice(session=s, user=user(s, "clerk"), advice_ids=[good, late_b], on=START)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(PurchaseOrder)).one() == 1
        assert s.exec(select(func.count()).select_from(ProductionOrder)).one() == 0
        assert {a.status for a in advice_of(s, run_id)} == {"open"}
    # With a supplier in X's planning data it converts: one order per supplier.
    with session_scope(engine) as s:
        item_planning.set_item_planning(
            session=s, user=user(s, "admin"), division="HOLD", item="X", supply="buy", supplier="S1"
        )
    with session_scope(engine) as s:
        created = mrp.convert_advice(
            session=s, user=user(s, "clerk"), advice_ids=[good, bad], on=START
        )
        assert len(created) == 1 and isinstance(created[0], PurchaseOrder)
        assert (
            s.exec(
                select(func.count())
                .select_from(PurchaseOrderLine)
                .where(PurchaseOrderLine.order_id == created[0].id)
            ).one()
            == 2
        )


def test_bom_versions_follow_bom_for(engine) -> None:
    # A second version of B from 2025-03-17 (2 C instead of 3): B's W4 order (started
    # 2025-03-10) still needs 3 C each, and the reader's versions agree with bom_for.
    from transactional.manufacturing.bom_explosion import bom_for

    with session_scope(engine) as s:
        admin = user(s, "admin")
        boms.update_bom(
            session=s, user=admin, division="HOLD", item="B", version="1", valid_to="2025-03-16"
        )
        boms.create_bom(
            session=s,
            user=admin,
            division="HOLD",
            item="B",
            version="2",
            valid_from="2025-03-17",
            lines=[Bl("C", "2")],
            operations=[],
        )
    with session_scope(engine) as s:
        b = item_id(s, "B")
        versions = mrp.read_boms(s, 1, START, W[5] + timedelta(weeks=1))[b]
        assert [v.valid_from for v in versions] == [None, date(2025, 3, 17)]
        assert [[(c.quantity) for c in v.components] for v in versions] == [[D(3)], [D(2)]]
        for on in (START, date(2025, 3, 16), date(2025, 3, 17), W[5]):
            found = bom_for(s, b, on)
            assert found is not None
            expected = versions[0] if on < date(2025, 3, 17) else versions[1]
            assert found.version == ("1" if expected is versions[0] else "2")
