"""Benchmark of MRP and the capacity what-if.

Not a test (pytest collects ``test_*.py`` only). Run from the repository root:

    python tests/benchmarks/bench_mrp.py [--items 5000] [--levels 4] [--buckets 52]
                                         [--runs 3] [--no-database] [--database URL]

A generated case of ``--items`` items over ``--levels`` BOM levels (a tenth end products,
then 2, 3 and 4 tenths, the last level bought), each made item of 3 components of the
next level and one of the level after it (shared components), lead times of 0–3 weeks,
minimum and multiple quantities on a third of the items, a safety stock on a tenth, stock
on hand, open purchase order lines and production orders, ~12 sales order lines and a
monthly sales plan per end product over a year. It times (min / median / max):

- ``plan_requirements`` (the engine alone) over ``--buckets`` weekly buckets;
- ``run_mrp`` end to end on SQLite (or ``--database URL``): the snapshot read from the
  database, the engine, and the run's grid, advice and pegs stored; the case is loaded
  into a fresh database first (bulk inserts, not timed);
- the capacity what-if: ``capacity_load`` over a year of order-operation-week rows of a
  division (``--orders`` orders of 3 operations on ``--work-centres`` work centres, each
  spread over its weeks) after each of ``--changes`` move/resize changes.

Targets (issue 17): MRP <= 30 s; the what-if <= 300 ms. Figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from transactional.manufacturing import mrp_engine as engine  # noqa: E402

D = Decimal
START = date(2027, 1, 4)  # a Monday


@dataclass
class Case:
    """The generated case, in the engine's terms plus what the database needs."""

    levels: list[list[int]]  # item ids per level
    items: dict[int, engine.PlanItem]
    boms: dict[int, list[engine.Component]]
    on_hand: dict[int, Decimal]
    receipts: list[engine.Receipt] = field(default_factory=list)
    sales: list[tuple[int, int, date, Decimal]] = field(default_factory=list)  # id, item, ...
    plan: list[engine.SalesPlanRow] = field(default_factory=list)
    # open production orders: (id, item, quantity, start, due, [(component, quantity)])
    production: list[tuple[int, int, Decimal, date, date, list[tuple[int, Decimal]]]] = field(
        default_factory=list
    )


def generate(items: int, levels: int, weeks: int, seed: int = 17) -> Case:
    rng = random.Random(seed)
    shares = [1, 2, 3, 4][:levels] if levels <= 4 else [1] + [2] * (levels - 1)
    total = sum(shares)
    counts = [items * s // total for s in shares]
    counts[-1] += items - sum(counts)
    by_level: list[list[int]] = []
    next_id = 1
    for c in counts:
        by_level.append(list(range(next_id, next_id + c)))
        next_id += c
    plan_items: dict[int, engine.PlanItem] = {}
    boms: dict[int, list[engine.Component]] = {}
    on_hand: dict[int, Decimal] = {}
    for lv, ids in enumerate(by_level):
        bought = lv == len(by_level) - 1
        for i in ids:
            lot = rng.random() < 0.33
            plan_items[i] = engine.PlanItem(
                i,
                "buy" if bought else "make",
                lead_time_days=rng.choice((0, 7, 7, 14, 21)),
                minimum_quantity=D(rng.choice((10, 25, 50))) if lot else D(0),
                order_multiple=D(rng.choice((5, 10))) if lot else D(0),
                safety_stock=D(rng.randint(1, 20)) if rng.random() < 0.1 else D(0),
            )
            if rng.random() < 0.5:
                on_hand[i] = D(rng.randint(0, 200))
            if not bought:
                kids = rng.sample(by_level[lv + 1], 3)
                if lv + 2 < len(by_level):
                    kids.append(rng.choice(by_level[lv + 2]))
                boms[i] = [
                    engine.Component(k, D(rng.choice(("1", "2", "3", "0.5", "1.05"))))
                    for k in dict.fromkeys(kids)
                ]
    case = Case(by_level, plan_items, boms, on_hand)
    horizon = weeks * 7
    ident = 1
    for i in by_level[-1]:
        if rng.random() < 0.3:
            case.receipts.append(
                engine.Receipt(
                    "purchase_order",
                    ident,
                    i,
                    START + timedelta(days=rng.randint(-7, 60)),
                    D(rng.randint(10, 300)),
                )
            )
            ident += 1
    for lv in range(len(by_level) - 1):
        for i in by_level[lv]:
            if rng.random() < 0.1:
                qty = D(rng.randint(5, 100))
                start = START + timedelta(days=rng.randint(-14, 30))
                mats = [(c.item_id, (qty * c.quantity).quantize(D("1e-8"))) for c in boms[i]]
                case.production.append((ident, i, qty, start, start + timedelta(days=14), mats))
                ident += 1
    for i in by_level[0]:
        for _ in range(12):
            on = START + timedelta(days=rng.randint(-10, horizon))
            case.sales.append((ident, i, on, D(rng.randint(1, 40))))
            ident += 1
        month = date(START.year, START.month, 1)
        for _ in range(12):
            case.plan.append(engine.SalesPlanRow(ident, i, month, 30, D(rng.randint(20, 120))))
            ident += 1
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return case


def snapshot(case: Case) -> engine.Snapshot:
    demands = [engine.Demand("sales_order", sid, i, on, q) for sid, i, on, q in case.sales]
    demands += engine.net_sales_plan(
        case.plan, [engine.OrderedSale(i, on, q) for _, i, on, q in case.sales], START
    )
    receipts = list(case.receipts)
    for oid, item, qty, start, due, mats in case.production:
        receipts.append(engine.Receipt("production_order", oid, item, due, qty))
        for n, (comp, q) in enumerate(mats):
            demands.append(
                engine.Demand(
                    "production_order", oid * 100 + n, comp, start, q, "production_order", oid
                )
            )
    return engine.Snapshot(
        items=case.items,
        boms={i: [engine.BomVersion(None, tuple(cs))] for i, cs in case.boms.items()},
        on_hand=case.on_hand,
        receipts=receipts,
        demands=demands,
    )


def timed(calls: list[Callable[[], object]]) -> tuple[float, float, float]:
    """min, median and max wall time in milliseconds, one call each."""
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), max(times)


def load_database(url: str, case: Case) -> None:
    """A fresh database: the test company (tests/transactional/company.py) with the case
    in division HOLD. Bulk inserts of the rows (a benchmark's setup, not a business
    write: the services would take minutes for 5,000 items and are not what is timed)."""
    from sqlalchemy import insert
    from sqlmodel import select

    from tests.transactional.company import build_company, user
    from transactional.database import make_engine, session_scope
    from transactional.manufacturing.models import (
        BillOfMaterials,
        BomLine,
        ItemPlanning,
        ProductionOrder,
        ProductionOrderMaterial,
        SalesPlan,
    )
    from transactional.migrate import upgrade
    from transactional.organisation.models import Division
    from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine
    from transactional.relations.models import Relation
    from transactional.sales.models import SalesOrder, SalesOrderLine
    from transactional.stock.models import StockLevel
    from transactional.wholesale import items as wi
    from transactional.wholesale.models import Item

    upgrade(url)
    build_company(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        admin = user(s, "admin")
        wh = wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="M")
        div = s.exec(select(Division).where(Division.code == "HOLD")).one()
        customer = s.exec(
            select(Relation.id).where(Relation.code == "C1", Relation.division_id == div.id)
        ).one()
        supplier = s.exec(
            select(Relation.id).where(Relation.code == "S1", Relation.division_id == div.id)
        ).one()

        def put(model: object, rows: list[dict]) -> list[int]:
            table = model.__table__  # type: ignore[attr-defined]
            if not rows:
                return []
            returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(s.execute(returning, rows).scalars())

        base = dict(division_id=div.id)
        put(Item, [dict(base, id=i, code=f"I{i:05d}", name=f"Item {i}") for i in case.items])
        s.execute(
            insert(ItemPlanning.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    base,
                    item_id=p.item_id,
                    supply=p.supply,
                    lead_time_days=p.lead_time_days,
                    minimum_quantity=p.minimum_quantity,
                    order_multiple=p.order_multiple,
                    safety_stock=p.safety_stock,
                )
                for p in case.items.values()
            ],
        )
        parents = list(case.boms)
        bom_ids = put(
            BillOfMaterials,
            [
                dict(
                    base,
                    item_id=i,
                    version="1",
                    batch_quantity=D(1),
                    valid_from=date(2020, 1, 1),
                    is_default=True,
                    created_by=admin.id,
                )
                for i in parents
            ],
        )
        put(
            BomLine,
            [
                dict(bom_id=b, line_number=n, component_id=c.item_id, quantity=c.quantity)
                for b, i in zip(bom_ids, parents, strict=True)
                for n, c in enumerate(case.boms[i], start=1)
            ],
        )
        put(
            StockLevel,
            [dict(item_id=i, warehouse_id=wh.id, quantity=q) for i, q in case.on_hand.items()],
        )
        order = dict(
            base,
            relation_id=supplier,
            warehouse_id=wh.id,
            currency_code="EUR",
            created_by=admin.id,
        )
        (po_id,) = put(
            PurchaseOrder,
            [dict(order, number="P1", order_date=START, promised_date=START)],
        )
        put(
            PurchaseOrderLine,
            [
                dict(
                    order_id=po_id,
                    line_number=n,
                    item_id=r.item_id,
                    quantity=r.quantity,
                    unit_price=D(1),
                    promised_date=r.due_date,
                )
                for n, r in enumerate(case.receipts, start=1)
            ],
        )
        prod_ids = put(
            ProductionOrder,
            [
                dict(
                    base,
                    number=f"PO{oid}",
                    item_id=item,
                    warehouse_id=wh.id,
                    quantity=qty,
                    start_date=start,
                    due_date=due,
                    created_by=admin.id,
                )
                for oid, item, qty, start, due, _ in case.production
            ],
        )
        put(
            ProductionOrderMaterial,
            [
                dict(order_id=pid, line_number=n, item_id=comp, quantity=q)
                for pid, (*_, mats) in zip(prod_ids, case.production, strict=True)
                for n, (comp, q) in enumerate(mats, start=1)
            ],
        )
        so_ids = put(
            SalesOrder,
            [
                dict(
                    order,
                    relation_id=customer,
                    status="order",
                    order_number=f"SO{sid}",
                    order_date=START - timedelta(days=30),
                    requested_date=on,
                )
                for sid, _, on, _ in case.sales
            ],
        )
        put(
            SalesOrderLine,
            [
                dict(order_id=oid, line_number=1, item_id=item, quantity=q, unit_price=D(1))
                for oid, (_, item, _, q) in zip(so_ids, case.sales, strict=True)
            ],
        )
        put(
            SalesPlan,
            [
                dict(
                    base,
                    item_id=p.item_id,
                    period_start=p.period_start,
                    period_days=p.period_days,
                    quantity=p.quantity,
                )
                for p in case.plan
            ],
        )
    engine.dispose()


def time_run_mrp(url: str, buckets: int, runs: int) -> tuple[tuple[float, float, float], str]:
    """run_mrp end to end (read, plan, store, commit), ``runs`` times."""
    from sqlalchemy import func
    from sqlmodel import select

    from tests.transactional.company import user
    from transactional.database import make_engine, session_scope
    from transactional.manufacturing import mrp
    from transactional.manufacturing.models import MrpAdvice, MrpPeg, MrpRequirement

    engine = make_engine(url)
    times = []
    run_id = 0
    cpu = time.process_time()
    for _ in range(runs):
        began = time.perf_counter()
        with session_scope(engine) as s:
            run = mrp.run_mrp(
                session=s,
                user=user(s, "clerk"),
                division="HOLD",
                start=START,
                bucket="week",
                buckets=buckets,
            )
            run_id = run.id or 0
        times.append((time.perf_counter() - began) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / runs
    with session_scope(engine) as s:
        counts = [
            s.exec(select(func.count()).select_from(t).where(t.run_id == run_id)).one()  # type: ignore[attr-defined]
            for t in (MrpRequirement, MrpAdvice)
        ]
        pegs = s.exec(
            select(func.count())
            .select_from(MrpPeg)
            .join(MrpAdvice, MrpAdvice.id == MrpPeg.advice_id)  # type: ignore[arg-type]
            .where(MrpAdvice.run_id == run_id)
        ).one()
    engine.dispose()
    stored = (
        f"{counts[0]} grid rows, {counts[1]} advice, {pegs} pegs stored; "
        f"run_mrp CPU time per run (this process): {cpu_ms:.0f} ms"
    )
    return (min(times), statistics.median(times), max(times)), stored


def capacity_rows(orders: int, work_centres: int, seed: int = 5):  # type: ignore[no-untyped-def]
    """A year of a division's fct_capacity_order_weeks: ``orders`` orders of 3
    operations, each spread over the 1–4 weeks of its order, hours as Decimal (as the
    warehouse gives them)."""
    import pandas as pd

    rng = random.Random(seed)
    rows = []
    for order in range(1, orders + 1):
        first = START + timedelta(weeks=rng.randint(0, 51))
        span = rng.randint(1, 4)
        for op in range(3):
            centre = rng.randint(1, work_centres)
            setup = D(rng.randint(0, 20)) / 10
            run = D(rng.randint(10, 400)) / 10
            for w in range(span):
                rows.append(
                    (
                        order,
                        centre,
                        first + timedelta(weeks=w),
                        setup if w == 0 else D(0),
                        (run / span).quantize(D("0.0001")),
                    )
                )
            del op
    weeks = pd.DataFrame(
        rows, columns=["order_id", "work_centre_id", "week_start", "setup_hours", "run_hours"]
    )
    load = (
        weeks.assign(hours=weeks["setup_hours"] + weeks["run_hours"])
        .groupby(["work_centre_id", "week_start"], as_index=False)
        .agg(orders=("order_id", "nunique"), load_hours=("hours", "sum"))
    )
    load["work_centre_code"] = "WC" + load["work_centre_id"].astype(str)
    load["available_hours"] = 80.0
    load["load_hours"] = load["load_hours"].astype(float)
    load["utilisation_pct"] = load["load_hours"] / 80.0 * 100
    return weeks, load


def time_whatif(orders: int, work_centres: int, changes: int) -> tuple[float, float, float]:
    from transactional.planning import capacity_whatif

    weeks, load = capacity_rows(orders, work_centres)
    rng = random.Random(9)
    ids = list(range(1, orders + 1))
    calls: list[Callable[[], object]] = []
    for _ in range(changes):
        moved = {
            o: capacity_whatif.Move(rng.randint(-3, 3), rng.choice((0.5, 1.0, 1.5, 2.0)))
            for o in rng.sample(ids, rng.randint(1, 10))
        }
        calls.append(partial(capacity_whatif.whatif_frame, weeks, load, moved))
    calls[0]()  # warm-up
    return timed(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--buckets", type=int, default=52)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-database", action="store_true")
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--work-centres", type=int, default=12)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()

    case = generate(args.items, args.levels, args.buckets)
    snap = snapshot(case)
    params = engine.Parameters(START, "week", args.buckets)
    plan = engine.plan_requirements(snap, params)
    print(
        f"case: {len(case.items)} items on {args.levels} levels, {len(snap.demands)} demands, "
        f"{len(snap.receipts)} receipts, {args.buckets} weekly buckets -> "
        f"{len(plan.grid)} grid rows, {len(plan.orders)} planned orders, {len(plan.pegs)} pegs"
    )
    cpu = time.process_time()
    rows = [
        (
            "plan_requirements (engine)",
            timed([lambda: engine.plan_requirements(snap, params)] * args.runs),
        )
    ]
    cpu_ms = (time.process_time() - cpu) * 1000 / args.runs
    if not args.no_database:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            url = args.database or f"sqlite:///{tmp}/mrp.db"
            load_database(url, case)
            figures, stored = time_run_mrp(url, args.buckets, args.runs)
            rows.append(("run_mrp end to end (" + url.split(":")[0] + ")", figures))
            print(stored)
    rows.append(
        (
            f"capacity what-if ({args.orders} orders x 3 ops, {args.work_centres} centres)",
            time_whatif(args.orders, args.work_centres, args.changes),
        )
    )
    print(f"{'what':<58} {'min ms':>10} {'median ms':>10} {'max ms':>10}")
    for name, (lo, med, hi) in rows:
        print(f"{name:<58} {lo:>10.1f} {med:>10.1f} {hi:>10.1f}")
    print(f"engine CPU time per run: {cpu_ms:.0f} ms")
    print(f"python {platform.python_version()} on {platform.machine()}, load {os.getloadavg()}")


if __name__ == "__main__":
    main()
