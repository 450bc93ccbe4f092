"""Benchmark of the Wholesale page's ABC: building the ABC mart, and the page's update.

Not a test (pytest collects ``test_*.py`` only). Run from the repository root:

    python tests/benchmarks/bench_abc.py [--items 5000] [--months 36] [--divisions 4]
                                         [--runs 20]

It builds a synthetic ``mart_item_sales_monthly`` (items x months x divisions rows, values
long-tailed like real sales, with ties, zeros and returns) and the windows of
``int_period_windows`` (calendar fiscal years: the 12 months ending with each month and
the year to date through it) in a temporary DuckDB file, compiles the real
``mart_abc_items`` model with dbt and builds it there (timed once: what the refresh pays),
then times over ``--runs`` runs each (min / median / max):

- the ABC query for one division (what the page runs when a threshold, the measure, the
  window or the sidebar's period changes), through ``PublishedWarehouse.query`` like the
  page: a fresh read-only connection per query;
- the same for all divisions at once;
- the class summary and the Pareto figure build for one division's items;
- the figure's JSON serialisation (what Streamlit sends to the browser);
- all of the one-division steps together: the page's work for one change.

The figures are in docs/performance-wholesale.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dashboards.charts import wholesale as charts  # noqa: E402
from dashboards.queries import abc  # noqa: E402
from dashboards.warehouse import PublishedWarehouse  # noqa: E402


def build(path: Path, items: int, months: int, divisions: int) -> int:
    """Write the synthetic monthly mart and the windows; return the mart's row count."""
    con = duckdb.connect(str(path))
    try:
        con.execute("select setseed(0.42)")
        con.execute(
            f"""
            create table mart_item_sales_monthly as
            with grid as (
                select d.division_id, i.item_no, m.month_no
                from range(1, {divisions} + 1) d(division_id)
                cross join range(1, {items} + 1) i(item_no)
                cross join range(0, {months}) m(month_no)
            ),
            valued as (
                select *,
                       -- a long tail: a few items sell a lot, most sell little
                       case
                           when item_no % 97 = 0 then 0              -- no sales (zero)
                           when item_no % 89 = 0 and month_no = 0 then -500  -- big return
                           when item_no % 89 = 0 then 0
                           when item_no % 50 = 0 then 100            -- ties
                           else round(exp(random() * 6) * 10000.0 / item_no, 2)
                       end as revenue
                from grid
            )
            select division_id, 'D' || division_id as division_code,
                   2023 + month_no // 12 as year, month_no % 12 + 1 as month,
                   division_id * 1000000 + item_no as item_id,
                   'I' || lpad(item_no::varchar, 6, '0') as item_code,
                   'Item ' || item_no as item_name, 'G' || (item_no % 20) as item_group_code,
                   round(revenue / 7.5, 0)::decimal(19, 8) as quantity,
                   revenue::decimal(19, 4) as revenue_base,
                   round(revenue * 0.3, 2)::decimal(19, 4) as margin_base,
                   round(revenue * 1.1, 2)::decimal(19, 4) as revenue_group,
                   round(revenue * 0.33, 2)::decimal(19, 4) as margin_group
            from valued
            """
        )
        # int_period_windows for calendar fiscal years: every month of the data.
        con.execute("create schema intermediate")
        con.execute(
            f"""
            create table intermediate.int_period_windows as
            with ends as (
                select d.division_id, 2023 + m // 12 as fiscal_year, m % 12 + 1 as period,
                       (make_date(2023 + m // 12, m % 12 + 1, 1) + interval 1 month
                        - interval 1 day)::date as period_end
                from range(1, {divisions} + 1) d(division_id)
                cross join range(0, {months}) t(m)
            )
            select division_id, 'rolling_12m' as window_type, fiscal_year, period,
                   (date_trunc('month', period_end) - interval 11 month)::date
                       as window_start,
                   period_end as window_end
            from ends
            union all
            select division_id, 'fiscal_ytd', fiscal_year, period,
                   make_date(fiscal_year, 1, 1), period_end
            from ends
            """
        )
        row = con.execute("select count(*) from mart_item_sales_monthly").fetchone()
        assert row is not None
        return int(row[0])
    finally:
        con.close()


def compiled_mart(path: Path, work: Path) -> str:
    """The SQL of the real mart_abc_items model, compiled by dbt against ``path``."""
    from dbt.cli.main import dbtRunner

    os.environ["ERP_WAREHOUSE_PATH"] = str(path)
    models = ROOT / "models"
    with contextlib.redirect_stdout(io.StringIO()):  # compile prints the SQL
        result = dbtRunner().invoke(
            [
                "compile",
                "--quiet",
                "--select",
                "mart_abc_items",
                "--project-dir",
                str(models),
                "--profiles-dir",
                str(models),
                "--target-path",
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
            ]
        )
    if not result.success:
        raise SystemExit(f"dbt compile failed: {result.exception}")
    return str(result.result.results[0].node.compiled_code)  # type: ignore[union-attr]


def build_mart(path: Path, sql: str) -> tuple[int, float]:
    """Create mart_abc_items from the compiled SQL; its row count and the seconds it took."""
    con = duckdb.connect(str(path))
    try:
        start = time.perf_counter()
        con.execute(f"create table main.mart_abc_items as {sql}")
        seconds = time.perf_counter() - start
        row = con.execute("select count(*) from main.mart_abc_items").fetchone()
        con.execute("checkpoint")  # into the file: dbt's instance keeps it open
        assert row is not None
        return int(row[0]), seconds
    finally:
        con.close()


def timed(runs: int, step: Callable[[], object]) -> tuple[float, float, float]:
    """min, median and max wall time in milliseconds (after one warm-up run)."""
    step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--divisions", type=int, default=4)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # The file's stem is the database name dbt compiles into the model's references.
        path = Path(tmp) / "warehouse.duckdb"
        start = time.perf_counter()
        rows = build(path, args.items, args.months, args.divisions)
        built = time.perf_counter() - start
        mart_rows, mart_seconds = build_mart(path, compiled_mart(path, Path(tmp)))
        # The page reads a published copy (dbt's DuckDB instance still holds the build
        # file in this process, with another configuration).
        published = Path(tmp) / "published.duckdb"
        shutil.copyfile(path, published)
        wh = PublishedWarehouse(published)
        year, period = 2023 + (args.months - 1) // 12, (args.months - 1) % 12 + 1
        one = abc.AbcChoice((1,), year, period)
        every = abc.AbcChoice(tuple(range(1, args.divisions + 1)), year, period)
        classified = abc.classify(wh, one)

        def figure() -> object:
            return charts.pareto(classified, one.a, one.b, "Revenue", "EUR")

        built_figure = figure()

        def page_update() -> object:
            df = abc.classify(wh, one)
            abc.class_summary(df)
            return charts.pareto(df, one.a, one.b, "Revenue", "EUR").to_json()

        steps: list[tuple[str, Callable[[], object]]] = [
            ("ABC query, one division", lambda: abc.classify(wh, one)),
            (f"ABC query, {args.divisions} divisions", lambda: abc.classify(wh, every)),
            ("class summary", lambda: abc.class_summary(classified)),
            ("Pareto figure build", figure),
            ("Pareto figure to JSON", built_figure.to_json),  # type: ignore[attr-defined]
            ("page update (all of the above, one division)", page_update),
        ]
        print(
            f"mart_item_sales_monthly: {rows:,} rows ({args.items:,} items x {args.months} "
            f"months x {args.divisions} divisions), built in {built:.1f} s; "
            f"mart_abc_items: {mart_rows:,} rows built in {mart_seconds:.1f} s; "
            f"classifying the 12 months through {year}-{period:02d} "
            f"({len(classified):,} items in division 1)"
        )
        print(
            f"python {platform.python_version()}, duckdb {duckdb.__version__}, "
            f"{platform.machine()}, {args.runs} runs each\n"
        )
        width = max(len(name) for name, _ in steps)
        print(f"| {'step':<{width}} | min ms | median ms | max ms |")
        print(f"|{'-' * (width + 2)}|-------:|----------:|-------:|")
        for name, step in steps:
            low, mid, high = timed(args.runs, step)
            print(f"| {name:<{width}} | {low:6.1f} | {mid:9.1f} | {high:6.1f} |")


if __name__ == "__main__":
    main()
