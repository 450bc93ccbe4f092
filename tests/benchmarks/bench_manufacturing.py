"""Benchmark of manufacturing on the demo: MRP for the manufacturing division MF01, the
Manufacturing page's data loads, and the manufacturing models' share of the full refresh.
Prints the tables; ``--write`` puts them in docs/performance.md (section "Manufacturing
at scale").

Not a test (pytest collects ``test_*.py`` only). Run from the repository root, on a work
directory that bench_scale.py generated (scale 10: grown by replicate_manufacturing.py):

    python tests/benchmarks/bench_scale.py --scale 1 --workdir /tmp/erp-bench-1 --generate-only
    python tests/benchmarks/bench_manufacturing.py --workdir /tmp/erp-bench-1
        [--mrp-runs 3] [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--reuse] [--runs 20] [--write docs/performance.md]

Measured, in this order (issue 17):
1. ``run_mrp`` for MF01 end to end (read the snapshot, plan, store grid, advice and pegs,
   commit) from the Monday after the demo's last day, weekly, over 26 and then 52 buckets,
   ``--mrp-runs`` times each, on the work directory's SQLite database and, with
   ``--pg-url``, on a PostgreSQL copy of it (every table copied with COPY into a database
   migrated to the real schema; a data copy, not a business write). Each run is stored:
   the last one (26 weeks, the page's default) is what the page's MRP tab shows.
2. A full refresh (``run_refresh(full=True)``) in a child process, unless ``--reuse`` finds
   a published warehouse: from its dbt ``run_results.json`` and manifest, the execution
   time of the manufacturing nodes (the models under a ``manufacturing`` folder, and the
   tests and unit tests on them) against all nodes, summed and as a wall span.
3. The Manufacturing page's data loads, uncached, called directly on the published
   warehouse as the page calls them (dashboards/queries/manufacturing.py; Streamlit runs
   every tab, so the page as it opens is all of them): ``--runs`` times over varied years
   and months, after one warm-up, for the page as it opens and for its drill-downs (the
   variance by item, the orders behind the largest cost type and item, one order's
   movements, the orders behind the largest material loss, the pegging of the advice with
   the most pegs, and a capacity what-if moving five orders). p50 and p95 (nearest rank).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench_scale  # noqa: E402 (a sibling script, found through the path above)
from bench_scale import (  # noqa: E402
    PROJECT,
    REFRESH_CHILD,
    Stopwatch,
    Table,
    Workdir,
    log,
    machine_line,
    nearest_rank,
    run_child,
)

TARGET_MS = 300
TARGET_MRP_S = 30
SEED = 17
DIVISION = "MF01"
# The Monday after the demo's last day (2026-10-31): MRP plans from "now" on.
MRP_START = date(2026, 11, 2)
MRP_BUCKETS = (52, 26)  # the last is what the page shows: the command's default
SECTION = "Manufacturing at scale"


# --- 1. MRP -------------------------------------------------------------------------------


def time_mrp(url: str, buckets: int, runs: int) -> dict[str, Any]:
    """``run_mrp`` for MF01 ``runs`` times (each a new run, committed)."""
    from sqlalchemy import func
    from sqlmodel import select

    from transactional.database import make_engine, session_scope
    from transactional.manufacturing import mrp
    from transactional.manufacturing.models import MrpAdvice, MrpPeg, MrpRequirement
    from transactional.organisation.models import User

    engine = make_engine(url)
    times: list[float] = []
    cpu: list[float] = []
    run_id = 0
    try:
        for _ in range(runs):
            began, began_cpu = time.perf_counter(), time.process_time()
            with session_scope(engine) as s:
                admin = s.exec(select(User).where(User.username == "admin")).one()
                run = mrp.run_mrp(
                    session=s,
                    user=admin,
                    division=DIVISION,
                    start=MRP_START,
                    bucket="week",
                    buckets=buckets,
                )
                run_id = run.id or 0
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        with session_scope(engine) as s:
            grid, advice = (
                s.exec(select(func.count()).select_from(t).where(t.run_id == run_id)).one()  # type: ignore[attr-defined]
                for t in (MrpRequirement, MrpAdvice)
            )
            pegs = s.exec(
                select(func.count())
                .select_from(MrpPeg)
                .join(MrpAdvice, MrpAdvice.id == MrpPeg.advice_id)  # type: ignore[arg-type]
                .where(MrpAdvice.run_id == run_id)
            ).one()
    finally:
        engine.dispose()
    return {
        "buckets": buckets,
        "runs": times,
        "cpu": statistics.median(cpu),
        "grid": int(grid),
        "advice": int(advice),
        "pegs": int(pegs),
    }


def snapshot_counts(db: Path) -> dict[str, int]:
    """What MF01's MRP reads: items planned, open orders and demand rows (SQLite)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        div = con.execute("select id from division where code = ?", [DIVISION]).fetchone()[0]
        one = lambda sql: int(con.execute(sql, [div]).fetchone()[0])  # noqa: E731
        return {
            "items planned": one("select count(*) from item_planning where division_id = ?"),
            "BOM versions": one("select count(*) from bill_of_materials where division_id = ?"),
            "production orders (all)": one(
                "select count(*) from production_order where division_id = ?"
            ),
            "open production orders (planned, released)": one(
                "select count(*) from production_order where division_id = ?"
                " and status in ('planned', 'released')"
            ),
            "open sales order lines": one(
                "select count(*) from sales_order_line l join sales_order o on o.id = l.order_id"
                " where o.division_id = ? and o.status = 'order'"
                " and l.quantity > l.quantity_delivered"
            ),
            "sales plan rows": one("select count(*) from sales_plan where division_id = ?"),
        }
    finally:
        con.close()


def copy_to_postgres(db: Path, pg_url: str, name: str) -> tuple[str, float, int]:
    """Every table of the SQLite database copied into a fresh PostgreSQL database ``name``
    migrated to the real schema (COPY; foreign-key and immutability triggers off for the
    session, ``session_replication_role = replica``: a data copy, not a business write).
    The id sequences continue after the copied ids."""
    import psycopg

    import transactional.schema  # noqa: F401  (fills the metadata)
    from transactional.migrate import upgrade
    from transactional.schema import metadata

    url = bench_scale.pg_database_url(pg_url, name)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}"')
        admin.execute(f'create database "{name}"')
    upgrade(url)
    started = time.perf_counter()
    copied = 0
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        in_sqlite = {r[0] for r in src.execute("select name from sqlite_master where type='table'")}
        tables = [t for t in metadata.sorted_tables if t.name in in_sqlite]
        with psycopg.connect(url) as con:
            con.execute("set session_replication_role = replica")
            for table in reversed(tables):
                con.execute(f'delete from "{table.name}"')  # rows the migrations seeded
            for table in tables:
                sqlite_columns = {r[1] for r in src.execute(f'pragma table_info("{table.name}")')}
                columns = [c.name for c in table.columns if c.name in sqlite_columns]
                line = " || ',' || ".join(bench_scale._copy_columns(table.name, columns))
                cursor = src.execute(f'select {line} from "{table.name}"')
                quoted = ", ".join(f'"{c}"' for c in columns)
                with con.cursor().copy(
                    f'copy "{table.name}" ({quoted}) from stdin with (format csv)'
                ) as copy:
                    while rows := cursor.fetchmany(20000):
                        copy.write("\n".join(r[0] for r in rows) + "\n")
                        copied += len(rows)
                if "id" in table.columns and table.columns["id"].autoincrement in (True, "auto"):
                    con.execute(
                        "select setval(pg_get_serial_sequence(%s, 'id'),"
                        f' (select coalesce(max(id), 0) + 1 from "{table.name}"), false)',
                        [table.name],
                    )
            con.commit()
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("vacuum analyze")
    finally:
        src.close()
    return url, time.perf_counter() - started, copied


def mrp_tables(work: Workdir, pg_url: str | None, runs: int) -> list[Table]:
    state = work.state()
    if runs <= 0:
        found = state.get("manufacturing_mrp")
        return [] if not found else _mrp_report(found)
    results: dict[str, Any] = {"snapshot": snapshot_counts(work.db), "rows": []}
    backends = [("SQLite", work.url)]
    if pg_url:
        name = f"bench_mfg_{work.root.name}".replace("-", "_").replace(".", "_")
        log(f"copying {work.db} into PostgreSQL database {name} ...")
        url, seconds, rows = copy_to_postgres(work.db, pg_url, name)
        log(f"  {rows:,} rows copied in {seconds:.0f} s")
        backends.append(("PostgreSQL", url))
    # PostgreSQL first: the SQLite runs stored last are what the refresh publishes.
    for backend, url in reversed(backends):
        for buckets in MRP_BUCKETS:
            log(f"run_mrp {DIVISION}, {buckets} weeks, {backend}, {runs} runs ...")
            row = time_mrp(url, buckets, runs)
            row.update(backend=backend, load=os.getloadavg()[0])
            log(f"  {', '.join(f'{t:.2f} s' for t in row['runs'])}")
            results["rows"].append(row)
    results["when"] = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    work.save_state(manufacturing_mrp=results)
    return _mrp_report(results)


def _mrp_report(results: dict[str, Any]) -> list[Table]:
    snapshot = Table(
        f"What MF01's MRP plans from {MRP_START:%Y-%m-%d}",
        ["what", "rows"],
        [[k, f"{v:,}"] for k, v in results["snapshot"].items()],
    )
    rows = []
    for r in results["rows"]:
        t = r["runs"]
        rows.append(
            [
                f"{r['backend']}, weekly x {r['buckets']}",
                f"{min(t):.2f} s",
                f"{statistics.median(t):.2f} s",
                f"{max(t):.2f} s",
                f"{r['cpu']:.2f} s",
                f"{r['advice']:,} / {r['pegs']:,} / {r['grid']:,}",
                f"{r['load']:.1f}",
                f"<= {TARGET_MRP_S} s",
                "yes" if max(t) <= TARGET_MRP_S else "**no**",
            ]
        )
    timing = Table(
        f"`run_mrp` for MF01 end to end, {len(results['rows'][0]['runs'])} runs each "
        f"(measured {results['when']})",
        [
            "database, buckets",
            "min",
            "median",
            "max",
            "CPU (this process)",
            "advice / pegs / grid rows",
            "load avg",
            "target",
            "met?",
        ],
        rows,
    )
    return [snapshot, timing]


# --- 2. the refresh -------------------------------------------------------------------------


def refresh(work: Workdir, reuse: bool) -> dict[str, Any]:
    """Run the full refresh (unless reusing) and return its figures, kept in the state."""
    state = work.state()
    if reuse and work.published() is not None and "manufacturing_refresh" in state:
        log("reusing the published warehouse and its refresh figures")
        return dict(state["manufacturing_refresh"])
    runs = PROJECT / "models" / "target" / "runs"
    started = time.time()
    log("full refresh (run_refresh(full=True)) ...")
    run = run_child("full refresh", REFRESH_CHILD, ["full"], work, "refresh-manufacturing.log")
    folder = dbt_run_folder(work, runs, started)
    figures = {
        "wall_s": run.seconds,
        "run_s": run.result["run_s"],
        "steps": run.result["steps"],
        "nodes": node_times(folder),
        "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "load": os.getloadavg()[0],
    }
    work.save_state(manufacturing_refresh=figures)
    return figures


def dbt_run_folder(work: Workdir, runs: Path, since: float) -> Path:
    """The dbt target folder of the refresh just run: named by its dagster run id when it
    is (other refreshes may run on this machine at the same time), else the newest one
    written since it started."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(work.dagster_home)
    with dg.DagsterInstance.get() as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
    if (runs / run_id / "run_results.json").exists():
        return runs / run_id
    found = [p for p in runs.glob("*/run_results.json") if p.stat().st_mtime >= since]
    if not found:
        raise SystemExit(f"no dbt run_results.json under {runs} since the refresh started")
    return max(found, key=lambda p: p.stat().st_mtime).parent


def node_times(folder: Path) -> list[dict[str, Any]]:
    """Per dbt node: id, whether it is manufacturing's, execution time, start and end. A
    node is manufacturing's when its file is under a ``manufacturing`` folder, or it is a
    test of such a model."""
    results = json.loads((folder / "run_results.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    nodes_meta = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    models = {
        uid
        for uid, n in nodes_meta.items()
        if n.get("resource_type") == "model"
        and "/manufacturing/" in n.get("original_file_path", "")
    }

    def mine(uid: str) -> bool:
        meta = nodes_meta.get(uid, {})
        if uid in models or "/manufacturing/" in meta.get("original_file_path", ""):
            return True
        return any(d in models for d in meta.get("depends_on", {}).get("nodes", []))

    nodes = []
    for result in results["results"]:
        uid = result["unique_id"]
        timing = {t["name"]: t for t in result.get("timing", [])}
        execute = timing.get("execute") or {}
        nodes.append(
            {
                "id": uid,
                "manufacturing": mine(uid),
                "model": uid in models,
                "seconds": float(result.get("execution_time") or 0),
                "start": execute.get("started_at"),
                "end": execute.get("completed_at"),
            }
        )
    return nodes


def _span(nodes: list[dict[str, Any]]) -> float:
    starts = [
        dt.datetime.fromisoformat(n["start"].replace("Z", "+00:00")) for n in nodes if n["start"]
    ]
    ends = [dt.datetime.fromisoformat(n["end"].replace("Z", "+00:00")) for n in nodes if n["end"]]
    return (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0


def refresh_table(figures: dict[str, Any]) -> Table:
    nodes = figures["nodes"]
    mine = [n for n in nodes if n["manufacturing"]]
    models = [n for n in mine if n["model"]]
    total = sum(n["seconds"] for n in nodes)
    share = sum(n["seconds"] for n in mine)
    dbt_step = next((s for k, s in figures["steps"] if k == "erp_dbt_models"), 0.0)
    slowest = sorted(models, key=lambda n: -n["seconds"])[:3]
    return Table(
        f"Full refresh and the manufacturing models' share (measured {figures['when']}, "
        f"load average {figures.get('load', 0):.1f})",
        ["part", "value"],
        [
            ["full refresh, wall (child process)", f"{figures['wall_s']:.1f} s"],
            ["- dagster step `erp_dbt_models` (dbt build)", f"{dbt_step:.1f} s"],
            ["dbt nodes run (models, tests, unit tests)", f"{len(nodes)}"],
            ["of which manufacturing's (models)", f"{len(mine)} ({len(models)})"],
            ["sum of node execution times, all nodes", f"{total:.1f} s"],
            ["sum of node execution times, manufacturing nodes", f"{share:.1f} s"],
            ["- of which the manufacturing models", f"{sum(n['seconds'] for n in models):.1f} s"],
            [
                "slowest manufacturing models",
                ", ".join(f"{n['id'].split('.')[-1]} {n['seconds']:.1f} s" for n in slowest),
            ],
            [
                "manufacturing's share of dbt's work",
                f"{100 * share / total:.1f} %" if total else "–",
            ],
            ["wall span, first to last manufacturing node", f"{_span(mine):.1f} s"],
        ],
    )


# --- 3. the page ----------------------------------------------------------------------------


def opening_page(wh: Any, scope: Any, sw: Stopwatch) -> dict[str, Any]:
    """What the Manufacturing page reads when it opens (every tab: Streamlit runs them)."""
    from dashboards.queries import manufacturing as q

    sw("missing_marts", q.missing_marts, wh)
    sw("divisions", q.divisions, wh)
    sw("kpis", q.kpis, wh, scope)
    by_type = sw("variances_by (cost type)", q.variances_by, wh, scope, "cost_type")
    loss = sw("material_loss", q.material_loss, wh, scope)
    leads = sw("lead_times", q.lead_times, wh, scope)
    sw("wip_position", q.wip_position, wh, scope)
    sw("work_centres", q.work_centres, wh, scope.division_id)
    load = sw("capacity_load", q.capacity_load, wh, scope.division_id)
    weeks = sw("capacity_order_weeks", q.capacity_order_weeks, wh, scope.division_id)
    advice = sw("mrp_advice", q.mrp_advice, wh, scope.division_id)
    return {
        "by_type": by_type,
        "loss": loss,
        "leads": leads,
        "load": load,
        "weeks": weeks,
        "advice": advice,
    }


def drill(wh: Any, scope: Any, sw: Stopwatch, opened: dict[str, Any], peg_advice: int) -> None:
    """The page's drill-downs from what it opened with."""
    from dashboards.queries import manufacturing as q
    from dashboards.writeback import manufacturing_posting as writeback

    by_item = sw("variances_by (item)", q.variances_by, wh, scope, "item")
    by_type = opened["by_type"]
    if not by_type.empty:
        top_type = str(by_type.loc[by_type["variance"].abs().idxmax(), "cost_type"])
        orders = sw("variance_orders (cost type)", q.variance_orders, wh, scope, top_type, None)
        if not orders.empty:
            order = int(orders.iloc[0]["order_id"])
            sw("order_transactions", q.order_transactions, wh, scope.division_id, order)
    if not by_item.empty:
        item = int(by_item.iloc[0]["item_id"])
        sw("variance_orders (item)", q.variance_orders, wh, scope, None, item)
    loss = opened["loss"]
    if not loss.empty:
        component = int(loss.iloc[0]["component_id"])
        sw("material_loss_orders", q.material_loss_orders, wh, scope, component)
    if peg_advice:
        sw("mrp_pegging", q.mrp_pegging, wh, scope.division_id, peg_advice)
    weeks, load = opened["weeks"], opened["load"]
    if not weeks.empty:
        centre = int(weeks["work_centre_id"].value_counts().idxmax())

        def whatif() -> Any:
            orders = writeback.whatif_orders(weeks, centre)
            changes = [
                writeback.PlanChange(
                    int(r.order_id),
                    str(r.order_number),
                    r.start_date,
                    r.due_date,
                    Decimal(str(r.quantity)),
                    shift_weeks=1,
                    new_quantity=Decimal(str(r.quantity)) * 2 if n % 2 else None,
                )
                for n, r in enumerate(orders.head(5).itertuples())
            ]
            return writeback.whatif_load(weeks, load, changes)

        sw("capacity what-if (5 orders moved, 2 resized)", whatif)


def scopes(wh: Any, division_id: int, runs: int) -> list[Any]:
    """The page's default (the latest month with postings) first, then random months of
    the last two years."""
    from dashboards.queries import manufacturing as q

    years = wh.query(
        "select distinct year, month from fct_production_transactions where division_id = $d"
        " order by year, month",
        {"d": division_id},
    )
    months = [(int(r.year), int(r.month)) for r in years.itertuples()]
    last_year = months[-1][0]
    recent = [m for m in months if m[0] >= last_year - 1]
    rng = random.Random(SEED)
    picks = [months[-1], *[rng.choice(recent) for _ in range(runs)]]
    return [q.Scope(division_id, y, m) for y, m in picks]


def page_tables(work: Workdir, runs: int) -> tuple[Table, Table, Table]:
    from dashboards.queries import manufacturing as q
    from dashboards.warehouse import PublishedWarehouse

    publication = work.published()
    assert publication is not None, "no published warehouse: run without --reuse"
    wh = PublishedWarehouse(publication.base, publication.delta)
    found = q.divisions(wh)
    division_id = int(found[found["division_code"] == DIVISION].iloc[0]["division_id"])
    counts = " union all ".join(
        f"select '{m}' as name, count(*) as rows, {n} as n from {m}" for n, m in enumerate(q.MARTS)
    )
    sizes = wh.query(f"select name, rows from ({counts}) order by n")
    pegged = wh.query(
        "select advice_id from mart_mrp_pegging where division_id = $d group by advice_id"
        " order by count(*) desc, advice_id limit 1",
        {"d": division_id},
    )
    peg_advice = int(pegged.iloc[0]["advice_id"]) if len(pegged) else 0
    pages: dict[str, Callable[..., Any]] = {
        "Manufacturing page as it opens": opening_page,
        "Manufacturing drill-downs: variance orders and movements, loss orders, pegging, "
        "capacity what-if": drill,
    }
    totals: dict[str, list[float]] = {name: [] for name in pages}
    per_query: dict[tuple[str, str], list[float]] = {}
    picks = scopes(wh, division_id, runs)
    log(f"page data loads: {runs} runs over varied months (+1 warm-up) ...")
    for n, scope in enumerate(picks):
        sw_open, sw_drill = Stopwatch(), Stopwatch()
        opened = opening_page(wh, scope, sw_open)
        drill(wh, scope, sw_drill, opened, peg_advice)
        if n == 0:
            continue
        for name, sw in zip(pages, (sw_open, sw_drill), strict=True):
            totals[name].append(sum(sw.ms.values()))
            for query, ms in sw.ms.items():
                per_query.setdefault((name, query), []).append(ms)
    p95 = {name: nearest_rank(v, 95) for name, v in totals.items()}
    summary = Table(
        f"Manufacturing page data loads, uncached, {runs} runs (ms)",
        ["page", "p50", "p95", "max", "target", "met?"],
        [
            [
                name,
                f"{nearest_rank(v, 50):.0f}",
                f"{p95[name]:.0f}",
                f"{max(v):.0f}",
                f"<= {TARGET_MS}",
                "yes" if p95[name] <= TARGET_MS else "**no**",
            ]
            for name, v in totals.items()
        ],
    )
    detail = Table(
        "Manufacturing page data loads per query (ms)",
        ["page", "query", "p50", "p95"],
        [
            [page.split(":")[0], query, f"{nearest_rank(v, 50):.1f}", f"{nearest_rank(v, 95):.1f}"]
            for (page, query), v in per_query.items()
        ],
    )
    marts = Table(
        "Rows of the manufacturing marts (all divisions)",
        ["mart", "rows"],
        [[str(r.name), f"{int(r.rows):,}"] for r in sizes.itertuples()],
    )
    return summary, detail, marts


# --- the report -----------------------------------------------------------------------------


def markdown(label: str, machine: str, tables: Sequence[Table], workdir: Path) -> str:
    heading = f"## {SECTION} ({label})"
    body = "\n\n".join(t.markdown() for t in tables)
    return (
        f"{heading}\n\n{machine}\n\n"
        f"`python tests/benchmarks/bench_manufacturing.py --workdir {workdir}`\n\n{body}\n"
    )


def write_doc(path: Path, section: str) -> None:
    """Replace this section of the document (same heading), or add it at the end."""
    text = path.read_text() if path.exists() else "# Performance at scale\n"
    heading = section.splitlines()[0]
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end:])
    path.write_text(text)


def label_of(db: Path) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        lines = con.execute("select count(*) from journal_line").fetchone()[0]
        orders = con.execute(
            "select count(*) from production_order o join division d on d.id = o.division_id"
            " where d.code = ?",
            [DIVISION],
        ).fetchone()[0]
    finally:
        con.close()
    return f"{orders:,} production orders of MF01, {lines:,} journal lines"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir",
        type=Path,
        required=True,
        help="a bench_scale.py work directory with a generated erp.db",
    )
    parser.add_argument(
        "--mrp-runs",
        type=int,
        default=3,
        help="run_mrp runs per bucket count (0: skip, report the last figures)",
    )
    parser.add_argument("--pg-url", help="PostgreSQL server: also time run_mrp on a copy")
    parser.add_argument(
        "--mrp-only", action="store_true", help="time run_mrp and stop (no refresh, no page)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the published warehouse and its refresh figures"
    )
    parser.add_argument("--runs", type=int, default=20, help="page loads measured (default 20)")
    parser.add_argument("--write", type=Path, help="put the section into this markdown file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Workdir(args.workdir.resolve())
    if not work.db.exists() or not bench_scale.has_divisions(work.db):
        raise SystemExit(
            f"{work.db} holds no generated company: run bench_scale.py --generate-only first"
        )
    work.prepare(reuse=True)  # never deletes the generated database
    os.environ.update({k: v for k, v in work.env().items() if k.startswith(("ERP_", "DAGSTER"))})
    machine = machine_line()
    label = label_of(work.db)
    log(f"{label} in {work.db}; {machine}")
    tables = mrp_tables(work, args.pg_url, args.mrp_runs)
    if args.mrp_only:
        print("\n\n".join(t.markdown() for t in tables))
        return 0
    if args.mrp_runs > 0:
        args.reuse = False  # new MRP runs: the warehouse must be refreshed to show them
    figures = refresh(work, args.reuse)
    summary, detail, marts = page_tables(work, args.runs)
    load = os.getloadavg()
    machine += f"; at the end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}."
    section = markdown(
        label, machine, [summary, *tables, refresh_table(figures), marts, detail], args.workdir
    )
    print(section)
    if args.write:
        write_doc(args.write, section)
        log(f"wrote the section to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
