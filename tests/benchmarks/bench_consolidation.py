"""Benchmark of consolidation: the Consolidation page's data loads and the consolidation
models' share of the full refresh. Prints a table; ``--write`` puts it in
docs/performance.md (section "Consolidation at scale N").

Not a test (pytest collects ``test_*.py`` only). Run from the repository root, on a work
directory that bench_scale.py generated (and, for scale 10, grew):

    python tests/benchmarks/bench_scale.py --scale 1 --workdir /tmp/erp-bench-1 --generate-only
    python tests/benchmarks/bench_consolidation.py --workdir /tmp/erp-bench-1 [--reuse]
        [--runs 20] [--write docs/performance.md]

Measured:
1. A full refresh (``run_refresh(full=True)``, as ``erp refresh --full``) in a child process,
   unless ``--reuse`` finds a published warehouse. From that run's dbt ``run_results.json``:
   the time dbt spent on the consolidation nodes (models, unit and data tests under a
   ``consolidation`` folder, and the singular tests on them) against all nodes, as a sum of
   node execution times (dbt runs nodes on several threads, so the sum exceeds the wall
   time) and as the wall span from the first consolidation node's start to the last one's
   end.
2. The Consolidation page's data loads, uncached, called directly on the published
   warehouse as the page calls them (dashboards/queries/consolidation.py): ``--runs`` times
   over varied month ends, after one warm-up, for the page as it opens (levels, members,
   KPIs, the three statements, the profit chart, currency effects, CTA and NCI movements,
   intercompany) and for the drill-down from the group's revenue to the eliminations,
   the divisions' translations and the largest division's ledger lines. p50 and p95
   (nearest rank).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
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
SEED = 16
SECTION = "Consolidation at scale"


def refresh(work: Workdir, reuse: bool) -> dict[str, Any]:
    """Run the full refresh (unless reusing) and return its figures, kept in the state."""
    state = work.state()
    if reuse and work.published() is not None and "consolidation_refresh" in state:
        log("reusing the published warehouse and its refresh figures")
        return dict(state["consolidation_refresh"])
    runs = PROJECT / "models" / "target" / "runs"
    started = time.time()
    log("full refresh (run_refresh(full=True)) ...")
    run = run_child("full refresh", REFRESH_CHILD, ["full"], work, "refresh-consolidation.log")
    results = newest_run_results(runs, started)
    figures = {
        "wall_s": run.seconds,
        "run_s": run.result["run_s"],
        "steps": run.result["steps"],
        "nodes": node_times(results),
        "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    }
    work.save_state(consolidation_refresh=figures)
    return figures


def newest_run_results(runs: Path, since: float) -> dict[str, Any]:
    """The run_results.json of the refresh's ``dbt build`` (the newest written since)."""
    found = [p for p in runs.glob("*/run_results.json") if p.stat().st_mtime >= since]
    if not found:
        raise SystemExit(f"no dbt run_results.json under {runs} since the refresh started")
    return json.loads(max(found, key=lambda p: p.stat().st_mtime).read_text())


def node_times(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per dbt node: id, whether it is consolidation's, execution time, start and end."""
    nodes = []
    for result in results["results"]:
        uid = result["unique_id"]
        timing = {t["name"]: t for t in result.get("timing", [])}
        execute = timing.get("execute") or {}
        nodes.append(
            {
                "id": uid,
                "consolidation": "consolidation" in uid or "consolidat" in uid.split(".")[-1],
                "seconds": float(result.get("execution_time") or 0),
                "start": execute.get("started_at"),
                "end": execute.get("completed_at"),
            }
        )
    return nodes


def _span(nodes: list[dict[str, Any]]) -> float:
    starts = [dt.datetime.fromisoformat(n["start"].replace("Z", "+00:00")) for n in nodes
              if n["start"]]
    ends = [dt.datetime.fromisoformat(n["end"].replace("Z", "+00:00")) for n in nodes
            if n["end"]]
    return (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0


def refresh_table(figures: dict[str, Any]) -> Table:
    nodes = figures["nodes"]
    mine = [n for n in nodes if n["consolidation"]]
    total = sum(n["seconds"] for n in nodes)
    share = sum(n["seconds"] for n in mine)
    dbt_step = next((s for k, s in figures["steps"] if k == "erp_dbt_models"), 0.0)
    return Table(
        f"Full refresh and the consolidation models' share (measured {figures['when']})",
        ["part", "value"],
        [
            ["full refresh, wall (child process)", f"{figures['wall_s']:.1f} s"],
            ["- dagster step `erp_dbt_models` (dbt build)", f"{dbt_step:.1f} s"],
            ["dbt nodes run (models, tests, unit tests)", f"{len(nodes)}"],
            ["of which consolidation's", f"{len(mine)}"],
            ["sum of node execution times, all nodes", f"{total:.1f} s"],
            ["sum of node execution times, consolidation nodes", f"{share:.1f} s"],
            ["consolidation's share of dbt's work", f"{100 * share / total:.1f} %" if total
             else "–"],
            ["wall span, first to last consolidation node", f"{_span(mine):.1f} s"],
        ],
    )


def opening_page(wh: Any, level: Any, sw: Stopwatch) -> None:
    """What the Consolidation page reads when it opens on a level and month end."""
    from dashboards.queries import consolidation as q

    sw("levels", q.levels, wh)
    sw("members", q.members, wh, level)
    sw("period_ends", q.period_ends, wh, level.group_division_id)
    sw("group_accounts", q.group_accounts, wh)
    sw("kpis", q.kpis, wh, level)
    sw("columns", q.columns, wh, level)
    sw("income_statement", q.income_statement, wh, level)
    sw("balance_sheet", q.balance_sheet, wh, level)
    sw("trial_balance", q.trial_balance, wh, level)
    sw("profit_by_column", q.profit_by_column, wh, level)
    sw("currency_effects", q.currency_effects, wh, level)
    sw("currency_effect_by_division", q.currency_effect_by_division, wh, level)
    sw("cta_movement", q.cta_movement, wh, level)
    sw("nci_movement", q.nci_movement, wh, level)
    sw("intercompany", q.intercompany, wh, level)


def revenue_figure(wh: Any) -> Any:
    """The group column of the group account holding the most revenue."""
    from dashboards.queries import consolidation as q

    accounts = q.group_accounts(wh)
    revenue = accounts[accounts["account_class"] == "revenue"].iloc[0]
    return q.Figure(int(revenue.group_account_id), str(revenue.code), str(revenue.name),
                    str(revenue.account_type), q.GROUP_COLUMN, "group", None)


def drill(wh: Any, level: Any, sw: Stopwatch) -> None:
    """From the group's revenue to eliminations, translations and one division's lines."""
    from dashboards.queries import consolidation as q

    figure = revenue_figure(wh)
    sw("figure_amount", q.figure_amount, wh, level, figure)
    translated = sw("translations", q.translations, wh, level, figure)
    sw("eliminations", q.eliminations, wh, level, figure)
    if translated.empty:
        return
    largest = int(translated.loc[translated["amount_group"].abs().idxmax(), "division_id"])
    sw("ledger_total", q.ledger_total, wh, level, figure, largest)
    sw("ledger_lines (first 1,000)", q.ledger_lines, wh, level, figure, largest)


def page_table(work: Workdir, runs: int) -> tuple[Table, Table, dict[str, float]]:
    from dashboards.queries import consolidation as q
    from dashboards.warehouse import PublishedWarehouse

    publication = work.published()
    assert publication is not None, "no published warehouse: run without --reuse"
    wh = PublishedWarehouse(publication.base, publication.delta)
    top = q.levels(wh).iloc[0]
    ends = list(q.period_ends(wh, int(top.group_division_id))["period_end"])
    rng = random.Random(SEED)
    # The first (warm-up) opens on the latest month end, as the page does.
    picks = [ends[0], *[rng.choice(ends) for _ in range(runs)]]
    pages: dict[str, Callable[[Any, Any, Stopwatch], None]] = {
        "Consolidation page as it opens": opening_page,
        "Consolidation drill-down: group revenue to eliminations, translations, ledger lines":
            drill,
    }
    totals: dict[str, list[float]] = {name: [] for name in pages}
    per_query: dict[tuple[str, str], list[float]] = {}
    log(f"page data loads: {runs} runs over varied month ends (+1 warm-up) ...")
    for n, end in enumerate(picks):
        level = q.Level(int(top.group_division_id), end.date() if hasattr(end, "date") else end)
        for name, load in pages.items():
            sw = Stopwatch()
            load(wh, level, sw)
            if n == 0:
                continue
            totals[name].append(sum(sw.ms.values()))
            for query, ms in sw.ms.items():
                per_query.setdefault((name, query), []).append(ms)
    p95 = {name: nearest_rank(v, 95) for name, v in totals.items()}
    summary = Table(
        f"Consolidation page data loads, uncached, {runs} runs (ms)",
        ["page", "p50", "p95", "max", "target", "met?"],
        [
            [name, f"{nearest_rank(v, 50):.0f}", f"{p95[name]:.0f}", f"{max(v):.0f}",
             f"<= {TARGET_MS}", "yes" if p95[name] <= TARGET_MS else "**no**"]
            for name, v in totals.items()
        ],
    )
    detail = Table(
        "Consolidation page data loads per query (ms)",
        ["page", "query", "p50", "p95"],
        [
            [page.split(":")[0], query, f"{nearest_rank(v, 50):.1f}", f"{nearest_rank(v, 95):.1f}"]
            for (page, query), v in per_query.items()
        ],
    )
    return summary, detail, p95


def count_lines(work: Workdir) -> int:
    return bench_scale.count_lines(work.db)


def markdown(lines: int, machine: str, tables: Sequence[Table], workdir: Path) -> str:
    heading = f"## {SECTION} ({lines:,} journal lines)"
    body = "\n\n".join(t.markdown() for t in tables)
    return (
        f"{heading}\n\n{machine}\n\n"
        f"`python tests/benchmarks/bench_consolidation.py --workdir {workdir}`\n\n{body}\n"
    )


def write_doc(path: Path, section: str) -> None:
    """Replace this scale's section of the document, or add it at the end."""
    text = path.read_text() if path.exists() else "# Performance at scale\n"
    heading = section.splitlines()[0]
    start = text.find(heading.split(" (")[0] + " (" + heading.split(" (")[1])
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end:])
    path.write_text(text)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True,
                        help="a bench_scale.py work directory with a generated erp.db")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the published warehouse and its refresh figures")
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
    import os

    os.environ.update({k: v for k, v in work.env().items() if k.startswith(("ERP_", "DAGSTER"))})
    machine = machine_line()
    lines = count_lines(work)
    log(f"{lines:,} journal lines in {work.db}; {machine}")
    figures = refresh(work, args.reuse)
    summary, detail, _p95 = page_table(work, args.runs)
    section = markdown(lines, machine, [summary, refresh_table(figures), detail], args.workdir)
    print(section)
    if args.write:
        write_doc(args.write, section)
        log(f"wrote the section to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
