"""Benchmark of the What-if page's recalculation: ``engine.run`` per driver change.

Not a test (pytest collects ``test_*.py`` only). Run from the repository root:

    python tests/benchmarks/bench_whatif.py [--divisions 4] [--changes 100]
                                            [--warehouse PATH] [--runs 10]

The engine's input does not grow with the ledger: it is divisions x 12 months of P&L
lines, balances and 13 forecast weeks, whatever the scale. At scale 1 the demo group has
4 divisions, so the synthetic baseline here has ``--divisions`` divisions (3 currencies)
x 12 months with revenue in the millions, real balances for the first 10 months and a
13-week forecast. It times, over ``--changes`` driver changes (each change moves one
driver of a seeded random walk, like a user dragging sliders; min / median / max):

- ``engine.run`` (baseline and scenario, group and divisions);
- the page's views on the result: ``pnl_summary`` and ``kpi_summary`` for the group;
- ``budget_lines`` for one division ("Save as budget version", not per change);
- all per-change work together (run + both summaries): the target is <= 300 ms.

With ``--warehouse`` (a published DuckDB file, or a warehouse dir with published/CURRENT)
it also times ``baseline.load`` for all its divisions and the as-of year (``--runs``
runs; the page loads once per division and year selection, not per change).

With ``--warehouse DIR --database URL`` it also times the page itself: the What-if page
in Streamlit's AppTest (the real app script, sidebar included, no browser) rerun after
each of ``--page-changes`` changes of the sales price, volume, wages and customer days
inputs — the server's whole work for one change (baseline from the page's cache, engine,
tables and charts built), not the browser's drawing.

The figures are in docs/performance-whatif.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dashboards.queries import whatif_baseline as loader  # noqa: E402
from transactional import clock  # noqa: E402
from transactional.planning import whatif as engine  # noqa: E402

_CHART = dict(
    zip(
        engine.PNL_LINES,
        ("8000", "7000", "7100", "4000", "4400", "4800", "8900", "9000", "9500"),
        strict=True,
    )
)

D = Decimal
CURRENCIES = ("EUR", "USD", "GBP")
RATES = {"EUR": D(1), "USD": D("0.86831236"), "GBP": D("1.21202580")}


def months(year: int) -> tuple[engine.Month, ...]:
    out = []
    for n in range(1, 13):
        end = dt.date(year + n // 12, n % 12 + 1, 1) - dt.timedelta(days=1)
        out.append(engine.Month(n, dt.date(year, n, 1), end))
    return tuple(out)


def synthetic(divisions: int, seed: int = 42) -> engine.Baseline:
    """A scale-1-sized baseline: ``divisions`` divisions x 12 months, 10 months actual."""
    rng = random.Random(seed)

    def money(low: float, high: float) -> Decimal:
        return D(rng.randint(int(low * 100), int(high * 100))) / 100

    built = []
    for d in range(1, divisions + 1):
        revenue = [money(800_000, 1_200_000) for _ in range(12)]
        pnl = {
            engine.REVENUE: revenue,
            engine.COST_OF_GOODS: [-(r * D("0.58")).quantize(D("0.01")) for r in revenue],
            engine.OTHER_COST_OF_SALES: [-money(0, 2_000) for _ in range(12)],
            engine.WAGES: [-money(180_000, 220_000) for _ in range(12)],
            engine.OTHER_COSTS: [-money(60_000, 90_000) for _ in range(12)],
            engine.DEPRECIATION: [-money(20_000, 30_000) for _ in range(12)],
            engine.OTHER_INCOME: [money(0, 5_000) for _ in range(12)],
            engine.FINANCIAL_RESULT: [-money(0, 3_000) for _ in range(12)],
            engine.INCOME_TAX: [-money(10_000, 20_000) for _ in range(12)],
        }
        actual = {
            name: tuple(money(100_000, 3_000_000) for _ in range(10)) + (None, None)
            for name in engine.BALANCE_LINES
        }
        start = dt.date(2026, 11, 23)
        weeks = []
        cash = money(500_000, 1_000_000)
        for w in range(13):
            flow = money(-200_000, 200_000)
            weeks.append(
                engine.CashWeek(
                    w + 1,
                    start + dt.timedelta(weeks=w),
                    cash,
                    flow,
                    D(0),
                    D(0),
                    D(0),
                    flow,
                    cash + flow,
                )
            )
            cash += flow
        built.append(
            engine.DivisionBaseline(
                division_id=d,
                division_code=f"D{d:02d}",
                currency=CURRENCIES[(d - 1) % len(CURRENCIES)],
                pnl={k: tuple(v) for k, v in pnl.items()},
                opening={k: money(100_000, 3_000_000) for k in engine.BALANCE_LINES},
                customer_days=D("61.3"),
                supplier_days=D("34.8"),
                stock_days=D("45.1"),
                headcount=D("40.2"),
                wage_per_head=D("4975.12"),
                actual_balances=actual,
                sources=("actual",) * 10 + ("budget", "budget"),
                weekly_cash=tuple(weeks),
            )
        )
    return engine.Baseline(2026, "EUR", months(2026), RATES, tuple(built), dt.date(2026, 11, 23))


def driver_walk(changes: int, divisions: int, seed: int = 7) -> list[engine.Drivers]:
    """``changes`` successive driver sets, each one driver away from the one before."""
    rng = random.Random(seed)
    current: dict[str, object] = {}
    out = []
    for _ in range(changes):
        kind = rng.choice(
            ["volume", "price", "cost", "wages", "heads", "fx", "cdays", "sdays", "oneoff", "from"]
        )
        pct = D(rng.randint(-200, 200)) / 10
        if kind == "volume":
            current["sales_volume_pct"] = pct
        elif kind == "price":
            current["sales_price_pct"] = pct
        elif kind == "cost":
            current["purchase_cost_pct"] = pct
        elif kind == "wages":
            current["wages_pct"] = pct
        elif kind == "heads":
            current["headcount_change"] = {rng.randint(1, divisions): D(rng.randint(-5, 5))}
        elif kind == "fx":
            currency = rng.choice(CURRENCIES[1:])
            current["fx_rates"] = {currency: RATES[currency] * (1 + pct / 100)}
        elif kind == "cdays":
            current["customer_payment_days"] = D(rng.randint(-30, 30))
        elif kind == "sdays":
            current["supplier_payment_days"] = D(rng.randint(-30, 30))
        elif kind == "oneoff":
            one_off = engine.OneOff(
                rng.randint(1, divisions), rng.randint(1, 12), "other_costs", -D(10_000)
            )
            current["one_offs"] = (one_off,)
        else:
            current["from_month"] = rng.randint(1, 12)
        out.append(engine.Drivers(**current))  # type: ignore[arg-type]
    return out


def timed(calls: list[Callable[[], object]]) -> tuple[float, float, float]:
    """min, median and max wall time in milliseconds, one call each (after a warm-up)."""
    calls[0]()
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), max(times)


def warehouse_file(path: Path) -> Path:
    if path.is_dir():
        return path / "published" / (path / "published" / "CURRENT").read_text().strip()
    return path


def page_reruns(
    warehouse_dir: Path, database: str, changes: int
) -> tuple[str, tuple[float, float, float]]:
    """The What-if page rerun after one driver change, in AppTest (all divisions)."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["ERP_WAREHOUSE_DIR"] = str(warehouse_dir)
    os.environ["ERP_DATABASE_URL"] = database
    app = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=300)
    at.switch_page("app_pages/whatif.py").run()  # loads and caches the baseline
    assert not at.exception, [e.message for e in at.exception]
    keys = ("whatif_price_pct", "whatif_volume_pct", "whatif_wages_pct", "whatif_customer_days")
    rng = random.Random(11)
    times = []
    for n in range(changes + 1):
        key = keys[n % len(keys)]
        value = rng.randint(-20, 20)
        widget = at.number_input(key=key).set_value(float(value) if "pct" in key else value)
        start = time.perf_counter()
        widget.run()
        elapsed = (time.perf_counter() - start) * 1000
        assert not at.exception, [e.message for e in at.exception]
        if n:  # the first rerun warms the chart and table code paths
            times.append(elapsed)
    return (
        "What-if page rerun per change (AppTest, all divisions)",
        (min(times), statistics.median(times), max(times)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--divisions", type=int, default=4)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database", help="the ledger's URL, for the page timing")
    parser.add_argument("--page-changes", type=int, default=20)
    args = parser.parse_args()

    base = synthetic(args.divisions)
    walk = driver_walk(args.changes, args.divisions)
    results = [engine.run(base, d) for d in walk]

    def change(drivers: engine.Drivers) -> object:
        result = engine.run(base, drivers)
        engine.pnl_summary(result)
        return engine.kpi_summary(result)

    def summaries(result: engine.Result) -> object:
        engine.pnl_summary(result)
        return engine.kpi_summary(result)

    rows: list[tuple[str, tuple[float, float, float]]] = [
        ("engine.run", timed([partial(engine.run, base, d) for d in walk])),
        ("pnl_summary + kpi_summary (group)", timed([partial(summaries, r) for r in results])),
        (
            "budget_lines (one division)",
            # The account per line as the standard chart names it (the write-back reads
            # it from the chart; a dict lookup here, so the engine alone is timed).
            timed([partial(engine.budget_lines, r, 1, _CHART.__getitem__) for r in results]),
        ),
        ("per change: run + summaries", timed([partial(change, d) for d in walk])),
    ]
    if args.warehouse:
        path = warehouse_file(args.warehouse)
        con = duckdb.connect(str(path), read_only=True)
        try:
            ids = [r[0] for r in con.execute("select division_id from dim_divisions").fetchall()]
            row = con.execute(
                "select (select max(as_of_date) from mart_receivables_ageing), "
                "(select count(*) from fct_gl_lines)"
            ).fetchone()
        finally:
            con.close()
        assert row is not None
        year = row[0].year if row[0] else clock.today().year
        loaded = loader.load(path, ids, year)
        rows.append(
            (
                f"baseline.load ({len(ids)} divisions, {year}, {row[1]:,} GL lines)",
                timed([partial(loader.load, path, ids, year) for _ in range(args.runs)]),
            )
        )
        rows.append(
            ("engine.run on that baseline", timed([partial(engine.run, loaded, d) for d in walk]))
        )

        if args.database and args.warehouse.is_dir():
            rows.append(page_reruns(args.warehouse, args.database, args.page_changes))

    print(
        f"synthetic baseline: {args.divisions} divisions x 12 months, 13 forecast weeks; "
        f"{args.changes} driver changes"
    )
    print(f"python {platform.python_version()}, {platform.machine()}\n")
    width = max(len(name) for name, _ in rows)
    print(f"| {'step':<{width}} | min ms | median ms | max ms |")
    print(f"|{'-' * (width + 2)}|-------:|----------:|-------:|")
    for name, (low, mid, high) in rows:
        print(f"| {name:<{width}} | {low:6.2f} | {mid:9.2f} | {high:6.2f} |")


if __name__ == "__main__":
    main()
