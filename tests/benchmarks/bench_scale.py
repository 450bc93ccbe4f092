"""Benchmark of the whole platform at one scale; writes the table to docs/performance.md.

Not a test (pytest collects ``test_*.py`` only). Run from the repository root:

    python tests/benchmarks/bench_scale.py --scale 1 [--workdir /tmp/erp-bench-1] [--reuse]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres] [--runs 20]
        [--skip-posting] [--write docs/performance.md]

Everything happens in ``--workdir`` (SQLite database, warehouse, dagster home, logs); the
repository's ``data/`` is not touched. Measured, in this order (issue 5):

1. Demo generation: ``ingestion.demo.generate`` (what ``erp generate`` runs; the command
   itself would overwrite the repository's ``data/control_totals.json``) into an empty,
   migrated SQLite database, in a child process: wall time, journal lines (counted in the
   database), lines/s. Posting throughput through the services, 1 and 8 clerks, SQLite and
   PostgreSQL, against a raw INSERT: ``tests/benchmarks/bench_posting.py``'s ``run()``
   when that file exists (``--skip-posting`` skips it).
2. Full refresh: ``orchestration.refresh.run_refresh(full=True)`` (what ``erp refresh
   --full`` runs) in a child process: wall time, and peak memory of the process tree (the
   refresh and its dbt subprocesses), sampled every 0.2 s from /proc (psutil when it is
   installed); the largest single process's ``ru_maxrss`` is reported beside it.
3. Incremental refresh: one sales invoice posted by a clerk through
   ``transactional.finance.invoices.post_invoice``, then ``run_refresh()`` (``erp refresh``)
   in a child process, then its document number looked up in ``fct_gl_lines`` of the
   newly published file: the time from posting to visible, split into its parts (and the
   dagster steps of both refreshes). Every run adds that one invoice to the work database.
4. Dashboard data loads: the query functions each Insights page calls (dashboards/queries,
   the what-if baseline's dashboards/queries/whatif_baseline.load), called directly on the
   published warehouse, uncached,
   ``--runs`` times with varied filters (division subsets, fiscal years, periods), after one
   warm-up: p50 and p95 (nearest rank) of each page's total and of each query.
5. Trial balance and P&L of one fiscal year (``--fiscal-year``, default the last with
   postings), per division and account, from (a) SQL on the transactional tables
   (journal_line, journal_entry, fiscal_year, account) in SQLite and, with ``--pg-url``, in
   PostgreSQL (the same rows bulk-copied with COPY into a database migrated to the real
   schema); (b) the marts ``mart_trial_balance`` / ``mart_profit_and_loss``;
   (c) DuckDB running the same aggregation over ``fct_gl_lines`` and over the raw extracted
   tables. Every source must give the same rows to the cent, else the run fails.

``--reuse`` keeps what the work directory holds (the generated database, the published
warehouse, the PostgreSQL copy, topped up with new lines) and reports the generation and
full-refresh figures measured when they were made (kept in ``bench_state.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from orchestration.publish import Publication  # noqa: E402 (needs the path above)

DEFAULT_DOC = PROJECT / "docs" / "performance.md"
STATE_FILE = "bench_state.json"
SEED = 42
CENT = Decimal("0.005")
PAGE_TARGET_MS = 300.0
TARGETS = {
    "full_refresh_s": 120.0,
    "incremental_s": 10.0,
    "peak_memory_gb": 4.0,
    "posting_sqlite_8": 2000.0,
    "posting_pg_8": 1000.0,
}
_START = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, with the time since the start."""
    print(f"[{time.perf_counter() - _START:7.1f} s] {message}", file=sys.stderr, flush=True)


# --- the work directory ----------------------------------------------------------------------


@dataclass
class Workdir:
    """Where this benchmark keeps its database, warehouse, dagster home and logs."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "erp.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "ERP_DATABASE_URL": self.url,
            "ERP_WAREHOUSE_DIR": str(self.warehouse),
            "DAGSTER_HOME": str(self.dagster_home),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(PROJECT),
            # A published version is over 10 GB at scale 10: keep one beside the build.
            "ERP_PUBLISHED_VERSIONS": "1",
        }
        env.pop("ERP_WAREHOUSE_PATH", None)
        return env

    def prepare(self, reuse: bool) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not reuse:
            # Only what this benchmark makes: never the folder itself or anything else in it.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.db}{suffix}").unlink(missing_ok=True)
            for folder in (self.warehouse, self.dagster_home):
                shutil.rmtree(folder, ignore_errors=True)
            (self.root / STATE_FILE).unlink(missing_ok=True)
        self.logs.mkdir(exist_ok=True)
        self.dagster_home.mkdir(exist_ok=True)
        template = PROJECT / "orchestration" / "dagster_home" / "dagster.yaml"
        if template.exists() and not (self.dagster_home / "dagster.yaml").exists():
            shutil.copy(template, self.dagster_home / "dagster.yaml")

    def state(self) -> dict[str, Any]:
        path = self.root / STATE_FILE
        return json.loads(path.read_text()) if path.exists() else {}

    def save_state(self, **values: Any) -> None:
        state = {**self.state(), **values}
        (self.root / STATE_FILE).write_text(json.dumps(state, indent=2, default=str))

    def published(self) -> Publication | None:
        from orchestration.publish import current_publication

        return current_publication(self.warehouse)

    @property
    def build(self) -> Path:
        from orchestration.publish import build_path

        return build_path(self.warehouse)


# --- child processes and their memory -------------------------------------------------------


def _tree_rss_proc(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces: the parent pid follows its ')'.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/statm") as f:
                total += int(f.read().split()[1]) * page
        except OSError:
            continue
    return total


def _tree_rss_psutil(pid: int) -> int:
    import psutil  # optional

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += proc.memory_info().rss
    return total


def memory_method() -> tuple[Callable[[int], int], str]:
    if importlib.util.find_spec("psutil") is not None:
        return _tree_rss_psutil, "psutil, process tree RSS sampled every 0.2 s"
    return _tree_rss_proc, "/proc, process tree RSS sampled every 0.2 s"


@dataclass
class ChildRun:
    seconds: float
    peak_tree_rss: int
    result: dict[str, Any]
    log_path: Path


def run_child(label: str, code: str, args: Sequence[str], work: Workdir, log_name: str) -> ChildRun:
    """Run ``python <code as a script> args`` in the work directory's environment,
    sampling memory.

    The child writes its result as JSON to the file named by its last argument; its output
    goes to a log file, whose last line shows in the heartbeat every 15 s.
    """
    sample, _ = memory_method()
    log_path = work.logs / log_name
    result_path = work.logs / f"{log_name}.result.json"
    result_path.unlink(missing_ok=True)
    # Run as a script file, not `python -c`: under -c the main module has no __file__,
    # and pyspark's Connect package (imported by great_expectations when pyspark is
    # installed) takes that for a doctest run and calls sys.exit(0) mid-refresh.
    script = work.logs / f"{log_name}.py"
    script.write_text(code)
    peak = 0
    with log_path.open("w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(script), *args, str(result_path)],
            cwd=PROJECT,
            env=work.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        last_beat = start
        while proc.poll() is None:
            peak = max(peak, sample(proc.pid))
            time.sleep(0.2)
            now = time.perf_counter()
            if now - last_beat >= 15:
                last_beat = now
                log(
                    f"  {label}: {now - start:.0f} s, tree RSS {_gb(sample(proc.pid))} GB, "
                    f"peak {_gb(peak)} GB; {_last_line(log_path)}"
                )
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"{label} failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    return ChildRun(seconds, peak, json.loads(result_path.read_text()), log_path)


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][-100:] if lines else ""


def _gb(n: float) -> str:
    return f"{n / 1024**3:.2f}"


GENERATE_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from ingestion.demo import generate
from transactional.migrate import upgrade
url, seed, scale, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
upgrade(url)
t1 = time.perf_counter()
shown = {}
def progress(stage, done, total):
    now = time.perf_counter()
    if done == total or now - shown.get(stage, 0) > 10:
        shown[stage] = now
        print(f"{stage} {done}/{total}", flush=True)
totals = generate(url, seed=seed, scale=scale, progress=progress)
t2 = time.perf_counter()
Path(out).with_name("control_totals.json").write_text(totals.to_json())
Path(out).write_text(json.dumps({
    "import_and_migrate_s": t1 - t0, "generate_s": t2 - t1,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""

REFRESH_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from orchestration.refresh import run_refresh
import orchestration.definitions
t1 = time.perf_counter()
full, out = sys.argv[1] == "full", sys.argv[2]
job = run_refresh(full=full)
t2 = time.perf_counter()
import dagster as dg
instance = dg.DagsterInstance.get()
run_id = instance.get_runs(limit=1)[0].run_id
stats = instance.get_run_stats(run_id)
steps = [(s.step_key, (s.end_time or 0) - (s.start_time or 0))
         for s in instance.get_run_step_stats(run_id)]
Path(out).write_text(json.dumps({
    "job": job, "import_s": t1 - t0, "run_s": t2 - t1, "steps": steps,
    "dagster_run_s": (stats.end_time or 0) - (stats.start_time or 0),
    "self_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""

# The dashboards' "Refresh warehouse now": the process is up and has imported dagster and
# the definitions already; a clerk posts, presses the button and reads the page. The first
# refresh in a process also imports dbt and parses the project (orchestration.
# dbt_in_process); the next ones, as in a dashboard server that has refreshed before, do
# not: both are measured, the steady state over WARM_RUNS postings.
WARM_RUNS = 3
WARM_CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, "tests/benchmarks")
from bench_scale import post_one_invoice, visible_lines
from orchestration.refresh import run_refresh
from orchestration.publish import current_publication
import orchestration.definitions
import dagster as dg
url, runs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
results = []
for _ in range(runs + 1):
    division_id, number, post_s = post_one_invoice(url)
    t0 = time.perf_counter()
    job = run_refresh()
    t1 = time.perf_counter()
    found = visible_lines(current_publication(), number, division_id)
    t2 = time.perf_counter()
    instance = dg.DagsterInstance.get()
    run_id = instance.get_runs(limit=1)[0].run_id
    steps = [(s.step_key, (s.end_time or 0) - (s.start_time or 0))
             for s in instance.get_run_step_stats(run_id)]
    results.append({
        "job": job, "number": number, "post_s": post_s, "run_s": t1 - t0,
        "check_s": t2 - t1, "found": found, "steps": steps,
    })
Path(out).write_text(json.dumps({"runs": results}))
"""

# --- the report -------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
    body: str = ""  # a table already in Markdown (another benchmark's)

    def markdown(self) -> str:
        out = [f"**{self.title}**", ""] if self.title else []
        if self.body:
            return "\n".join([*out, self.body, *(["", self.note] if self.note else [])])
        out.append("| " + " | ".join(self.headers) + " |")
        out.append(
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.headers))) + "|"
        )
        out += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.note:
            out += ["", self.note]
        return "\n".join(out)


@dataclass
class Report:
    scale: float
    summary: Table = field(
        default_factory=lambda: Table("", ["measure", "value", "unit", "target", "met?"])
    )
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: str = ""

    def measure(
        self, name: str, value: float | None, unit: str, fmt: str, target: str = "", met: Any = ""
    ) -> None:
        shown = "–" if value is None else format(value, fmt)
        ok = "" if met == "" else ("yes" if met else "**no**")
        self.summary.rows.append([name, shown, unit, target, ok])

    def markdown(self) -> str:
        parts = [f"## Scale {self.scale:g}", "", self.machine, "", self.summary.markdown()]
        for table in self.tables:
            parts += ["", table.markdown()]
        if self.notes:
            parts += ["", *[f"- {n}" for n in self.notes]]
        return "\n".join(parts) + "\n"


def machine_line() -> str:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        mem = f", {kb / 1024**2:.0f} GB RAM"
    import duckdb

    return (
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs{mem}; Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}, SQLite {sqlite3.sqlite_version}. `uptime`: {uptime}"
    )


# --- 1. generation and posting ----------------------------------------------------------------


def count_lines(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("select count(*) from journal_line").fetchone()[0])
    finally:
        con.close()


def has_divisions(db: Path) -> bool:
    if not db.exists():
        return False
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("select count(*) from division").fetchone()[0] > 0
    except sqlite3.Error:
        return False
    finally:
        con.close()


def step_generate(
    work: Workdir, scale: float, reuse: bool, report: Report, grow_from: Path | None = None
) -> int:
    state = work.state()
    if reuse and has_divisions(work.db):
        if state.get("scale") not in (None, scale):
            raise SystemExit(
                f"{work.root} holds a scale {state['scale']} dataset; use another --workdir."
            )
        lines = count_lines(work.db)
        gen = state.get("generate")
        log(f"reusing the generated database ({lines:,} journal lines)")
        when = f" (measured {gen['when']})" if gen else " (not measured here)"
        _generation_rows(report, lines, gen, when)
        return lines
    if has_divisions(work.db):
        raise SystemExit(f"{work.db} is not empty; run without --reuse to start afresh.")
    if grow_from is not None:
        return grow(work, scale, grow_from, report)
    log(f"generating the demo group at scale {scale:g} into {work.db} ...")
    run = run_child(
        "generate", GENERATE_CHILD, [work.url, str(SEED), str(scale)], work, "generate.log"
    )
    lines = count_lines(work.db)
    gen = {
        "wall_s": run.seconds,
        "generate_s": run.result["generate_s"],
        "lines": lines,
        "maxrss_kb": run.result["maxrss_kb"],
        "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    }
    work.save_state(scale=scale, generate=gen)
    log(f"generated {lines:,} journal lines in {run.seconds:.1f} s")
    _generation_rows(report, lines, gen, "")
    return lines


def sibling_script(name: str) -> Any:
    """Another script of tests/benchmarks (a folder of scripts, not a package), imported."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def grow(work: Workdir, scale: float, source: Path, report: Report) -> int:
    """The ledger of a generated smaller scale, its finance documents replicated.

    Generating 10M lines through the services takes hours (replicate_ledger.py says why);
    what is measured after this does not depend on how the rows were entered.
    """
    source_work = Workdir(source.resolve())
    source_state = source_work.state()
    source_scale = source_state.get("scale")
    source_gen = source_state.get("generate")
    if not source_scale or not source_gen or not has_divisions(source_work.db):
        raise SystemExit(f"{source} holds no generated benchmark database (bench_state.json)")
    if scale < 2 * source_scale:
        raise SystemExit(f"--scale {scale:g} is not at least twice the source's {source_scale:g}")
    # As many lines as generating at this scale would give (scale 1: about 1.09M).
    target_lines = round(source_gen["lines"] * scale / source_scale)
    module = sibling_script("replicate_ledger")
    log(f"replicating the scale {source_scale:g} ledger of {source_work.db} ...")
    started = time.perf_counter()
    counts = module.replicate(
        source_work.db, work.db, progress=lambda m: log(f"  {m}"), target_lines=target_lines
    )
    seconds = time.perf_counter() - started
    gen = {
        **source_gen,
        "grown_from": str(source_work.db),
        "source_scale": source_scale,
        "times": counts["times"],
        "replicate_s": seconds,
        "counts": counts,
    }
    work.save_state(scale=scale, generate=gen)
    lines = count_lines(work.db)
    _generation_rows(report, lines, gen, "")
    return lines


def _generation_rows(report: Report, lines: int, gen: dict[str, Any] | None, when: str) -> None:
    report.measure("Journal lines in the ledger", lines, "lines", ",")
    if gen is not None and "grown_from" in gen:
        rate = gen["lines"] / gen["wall_s"]
        report.measure(
            f"Demo generation of scale {gen['source_scale']:g}, wall (measured {gen['when']})",
            gen["wall_s"],
            "s",
            ".1f",
        )
        report.measure(
            f"Demo generation rate at scale {gen['source_scale']:g} (lines / wall)",
            rate,
            "lines/s",
            ",.0f",
        )
        report.measure(
            "Demo generation of this scale at that rate (estimate, not run)",
            lines / rate,
            "s",
            ",.0f",
        )
        report.measure(
            f"Replication of the scale {gen['source_scale']:g} finance documents "
            f"x{gen['times']} (replicate_ledger.py)",
            gen["replicate_s"],
            "s",
            ".1f",
        )
        report.notes.append(
            f"This ledger is the scale {gen['source_scale']:g} database "
            f"({gen['counts']['lines_before']:,} lines) with its finance documents (journal "
            f"entries, invoices, payments, allocations, audit rows: "
            f"{gen['counts']['keep_entry']:,} entries) copied {gen['times'] - 1} more times "
            "by tests/benchmarks/replicate_ledger.py: same dates, divisions and periods, new "
            "ids and numbers; stock documents and their entries are left single. Generating "
            "it through the services would take the estimate above."
        )
        return
    if gen is None:
        report.measure(f"Demo generation{when}", None, "s", "")
        return
    report.measure(f"Demo generation, wall{when}", gen["wall_s"], "s", ".1f")
    report.measure(
        "Demo generation rate (lines / wall)", gen["lines"] / gen["wall_s"], "lines/s", ",.0f"
    )


def step_posting(pg_url: str | None, lines: int, report: Report) -> None:
    path = Path(__file__).with_name("bench_posting.py")
    if not path.exists():
        report.notes.append("Posting throughput: tests/benchmarks/bench_posting.py not found.")
        return
    module = sibling_script("bench_posting")
    backends = ["sqlite", "postgresql"] if pg_url else ["sqlite"]
    log(f"posting throughput (bench_posting.run, {lines:,} lines, {', '.join(backends)}) ...")
    kwargs = {"pg_url": pg_url} if pg_url else {}
    rows: list[dict[str, Any]] = module.run(lines, [1, 8], backends, **kwargs)
    if not rows:
        return
    if hasattr(module, "markdown"):
        table = Table("Posting throughput (tests/benchmarks/bench_posting.py)", [])
        table.body = module.markdown(rows)
    else:
        headers = list(dict.fromkeys(k for row in rows for k in row))
        table = Table(
            "Posting throughput (tests/benchmarks/bench_posting.py)",
            headers,
            [[_cell(row.get(h)) for h in headers] for row in rows],
        )
    report.tables.append(table)
    labels = {
        "sqlite": ("SQLite", "posting_sqlite_8"),
        "postgresql": ("PostgreSQL", "posting_pg_8"),
    }
    for row in rows:
        if row.get("clerks") != 8 or row.get("backend") not in labels:
            continue
        label, key = labels[row["backend"]]
        variant = {"same": "one division", "spread": "spread over divisions"}.get(
            str(row.get("variant")), str(row.get("variant", ""))
        )
        rate, target = float(row["lines_per_s"]), TARGETS[key]
        report.measure(
            f"Posting through the services, {label}, 8 clerks, {variant}",
            rate,
            "lines/s",
            ",.0f",
            f">= {target:,.0f}",
            rate >= target,
        )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


# --- 2. full refresh --------------------------------------------------------------------------


def step_full_refresh(work: Workdir, reuse: bool, report: Report) -> None:
    state = work.state()
    method = memory_method()[1]
    if reuse and work.published() is not None and "full_refresh" in state:
        full = state["full_refresh"]
        log("reusing the published warehouse")
        when = f" (measured {full['when']})"
    else:
        log("full refresh (run_refresh(full=True), as `erp refresh --full`) ...")
        run = run_child("full refresh", REFRESH_CHILD, ["full"], work, "refresh-full.log")
        full = {
            "wall_s": run.seconds,
            "import_s": run.result["import_s"],
            "run_s": run.result["run_s"],
            "peak_tree_rss": run.peak_tree_rss,
            "self_maxrss_kb": run.result["self_maxrss_kb"],
            "children_maxrss_kb": run.result["children_maxrss_kb"],
            "steps": run.result["steps"],
            "dbt": dbt_summary(run.log_path),
            "method": method,
            "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        }
        work.save_state(full_refresh=full)
        log(f"full refresh: {run.seconds:.1f} s, peak tree RSS {_gb(run.peak_tree_rss)} GB")
        when = ""
    if "full_again" not in work.state():
        # The scheduled case: a full refresh of a warehouse that exists (the append-only
        # raw tables get their new rows and are checked against the source, not re-read).
        log("full refresh again, on the existing warehouse ...")
        again = run_child("full refresh again", REFRESH_CHILD, ["full"], work, "refresh-again.log")
        work.save_state(
            full_again={
                "wall_s": again.seconds,
                "peak_tree_rss": again.peak_tree_rss,
                "steps": again.result["steps"],
                "run_s": again.result["run_s"],
                "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            }
        )
    again_state = work.state()["full_again"]
    size = work.published()
    peak_gb = full["peak_tree_rss"] / 1024**3
    report.measure(
        f"Full refresh, wall (`erp refresh --full` into an empty warehouse){when}",
        full["wall_s"],
        "s",
        ".1f",
        f"<= {TARGETS['full_refresh_s']:.0f} s",
        full["wall_s"] <= TARGETS["full_refresh_s"],
    )
    report.measure(
        f"Full refresh, peak memory of the process tree{when}",
        peak_gb,
        "GB",
        ".2f",
        f"<= {TARGETS['peak_memory_gb']:.0f} GB",
        peak_gb <= TARGETS["peak_memory_gb"],
    )
    report.measure(
        "Full refresh of the existing warehouse (`erp refresh --full` again: the schedule's"
        f" case) (measured {again_state['when']})",
        again_state["wall_s"],
        "s",
        ".1f",
        f"<= {TARGETS['full_refresh_s']:.0f} s",
        again_state["wall_s"] <= TARGETS["full_refresh_s"],
    )
    report.tables.append(
        Table(
            "Full refresh of the existing warehouse",
            ["part", "value"],
            [
                ["wall time, child process", f"{again_state['wall_s']:.1f} s"],
                ["peak RSS, process tree", f"{_gb(again_state['peak_tree_rss'])} GB"],
                *step_rows(again_state["run_s"], again_state.get("steps", []), "", " s"),
            ],
        )
    )
    report.tables.append(
        Table(
            "Full refresh",
            ["part", "value"],
            [
                ["wall time, child process", f"{full['wall_s']:.1f} s"],
                [
                    "of which Python start and imports (dagster, definitions)",
                    f"{full['import_s']:.1f} s",
                ],
                [
                    "of which the refresh job (extract, dbt build, checks, publish)",
                    f"{full['run_s']:.1f} s",
                ],
                [f"peak RSS, process tree ({full['method']})", f"{_gb(full['peak_tree_rss'])} GB"],
                ["ru_maxrss, refresh process", f"{full['self_maxrss_kb'] / 1024**2:.2f} GB"],
                [
                    "ru_maxrss, largest child (dbt)",
                    f"{full['children_maxrss_kb'] / 1024**2:.2f} GB",
                ],
                *step_rows(full["run_s"], full.get("steps", []), full.get("dbt", ""), " s"),
                [
                    "published warehouse file",
                    f"{size.base.stat().st_size / 1024**2:,.0f} MB" if size else "–",
                ],
            ],
        )
    )


def dbt_summary(log_path: Path) -> str:
    """dbt's own closing line: what it ran and in how long."""
    found = re.findall(r"^Finished running (.*)$", log_path.read_text(errors="replace"), re.M)
    return found[-1].strip() if found else ""


def step_rows(run_s: float, steps: list[Any], dbt: str, unit: str = "") -> list[list[str]]:
    """The refresh job's dagster steps (run one after the other) and what lies around them."""
    rows = [[f"- step `{key}`", f"{seconds:.1f}{unit}"] for key, seconds in steps]
    if steps:
        outside = run_s - sum(seconds for _, seconds in steps)
        rows.append(["- outside the steps (job set-up, planning, events)", f"{outside:.1f}{unit}"])
    if dbt:
        rows.append([f"- dbt: {dbt.split(' in ')[0]}", ""])
    return rows


# --- 3. incremental refresh -------------------------------------------------------------------


def post_one_invoice(url: str) -> tuple[int, str, float]:
    """A clerk posts one sales invoice on the division's last day with postings."""
    from sqlalchemy import func
    from sqlmodel import col, select

    import transactional.schema  # noqa: F401  (every table mapped, for the flush order)
    from transactional.database import make_engine, session_scope
    from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
    from transactional.finance.models import JournalEntry
    from transactional.organisation.models import Division, User
    from transactional.relations.models import Relation

    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            division = session.exec(select(Division).where(Division.code == "NL01")).one()
            day = session.exec(
                select(func.max(JournalEntry.entry_date)).where(
                    JournalEntry.division_id == division.id
                )
            ).one()
            customer = session.exec(
                select(Relation)
                .where(Relation.division_id == division.id, Relation.relation_type == "customer")
                .order_by(col(Relation.id))
            ).first()
            assert customer is not None and day is not None
        start = time.perf_counter()
        with session_scope(engine) as session:
            clerk = session.exec(select(User).where(User.username == "clerk1")).one()
            invoice = post_invoice(
                session=session,
                user=clerk,
                invoice=InvoiceDraft(
                    division="NL01",
                    invoice_type="sales",
                    relation=customer.code,
                    invoice_date=day,
                    description="bench_scale: incremental refresh probe",
                    lines=[InvoiceLineDraft(account="8100", quantity="1", unit_price="123.45")],
                ),
            )
            number = invoice.document_number
        return int(division.id or 0), str(number), time.perf_counter() - start
    finally:
        engine.dispose()


def visible_lines(published: Publication | None, number: str, division_id: int) -> int:
    """How many lines of document ``number`` the published ``fct_gl_lines`` holds."""
    from orchestration.publish import connect

    assert published is not None, "nothing is published"
    con = connect(published)
    try:
        found = con.execute(
            "select count(*) from fct_gl_lines where document_number = ? and division_id = ?",
            [number, division_id],
        ).fetchone()
    finally:
        con.close()
    return int(found[0]) if found else 0


def measure_incremental(report: Report, how: str, seconds: float) -> None:
    target = TARGETS["incremental_s"]
    report.measure(
        f"Incremental refresh, {how}", seconds, "s", ".1f", f"<= {target:.0f} s", seconds <= target
    )


def step_incremental(work: Workdir, report: Report) -> None:
    step_incremental_cold(work, report)
    step_incremental_warm(work, report)


def step_incremental_warm(work: Workdir, report: Report) -> None:
    """Post and refresh in one warm process, as the dashboards' button does: the first
    refresh of the process, then WARM_RUNS more (the steady state)."""
    log("incremental refresh in a warm process (the dashboards' Refresh warehouse now) ...")
    run = run_child(
        "warm refresh", WARM_CHILD, [work.url, str(WARM_RUNS)], work, "refresh-warm.log"
    )
    runs = run.result["runs"]
    for r in runs:
        if not r["found"]:
            raise SystemExit(f"{r['number']} is not in the published fct_gl_lines")
    totals = [r["post_s"] + r["run_s"] + r["check_s"] for r in runs]
    steady = statistics.median(totals[1:])
    log(
        f"warm: first {totals[0]:.1f} s, then {', '.join(f'{t:.1f}' for t in totals[1:])} s"
        f" (jobs {', '.join(sorted({r['job'] for r in runs}))})"
    )
    measure_incremental(
        report,
        "warm process (dashboards' *Refresh warehouse now*), the process's first refresh",
        totals[0],
    )
    measure_incremental(
        report,
        f"warm process that has refreshed before: median of {len(totals) - 1} postings",
        steady,
    )
    names = [step for step, _ in runs[0]["steps"]]
    rows = [
        ["invoice", *[r["number"] for r in runs]],
        ["job", *[r["job"] for r in runs]],
        ["post the invoice through the services (clerk1)", *[f"{r['post_s']:.2f}" for r in runs]],
        ["`run_refresh()` in the warm process", *[f"{r['run_s']:.1f}" for r in runs]],
    ]
    for name in names:
        rows.append([f"- step `{name}`", *[f"{dict(r['steps']).get(name, 0):.2f}" for r in runs]])
    rows += [
        [
            "look the document number up in the new publication",
            *[f"{r['check_s']:.2f}" for r in runs],
        ],
        ["total, posting to visible", *[f"{t:.1f}" for t in totals]],
    ]
    report.tables.append(
        Table(
            "Incremental refresh in a warm process (seconds; run 1 is the process's first)",
            ["part", *[f"run {i + 1}" for i in range(len(runs))]],
            rows,
        )
    )


def step_incremental_cold(work: Workdir, report: Report) -> None:
    before = work.published()
    division_id, number, post_s = post_one_invoice(work.url)
    log(f"posted {number}; incremental refresh (run_refresh(), as `erp refresh`) ...")
    start = time.perf_counter() - post_s
    run = run_child("refresh", REFRESH_CHILD, ["incremental"], work, "refresh-incremental.log")
    check_start = time.perf_counter()
    published = work.published()
    assert published is not None and published != before, "the refresh published nothing new"
    found = visible_lines(published, number, division_id)
    visible = time.perf_counter()
    if not found:
        raise SystemExit(f"{number} is not in the published fct_gl_lines after the refresh")
    total = visible - start
    log(f"{number} visible after {total:.1f} s")
    measure_incremental(
        report,
        "`erp refresh` (new process): posting one invoice to seeing it in the published marts",
        total,
    )
    report.tables.append(
        Table(
            f"Incremental refresh, `erp refresh` ({number}, {found} lines, job "
            f"`{run.result.get('job', '?')}`)",
            ["part", "seconds"],
            [
                ["post the invoice through the services (clerk1)", f"{post_s:.2f}"],
                ["`erp refresh`: child process wall", f"{run.seconds:.1f}"],
                ["of which Python start and imports", f"{run.result['import_s']:.1f}"],
                ["of which the refresh job", f"{run.result['run_s']:.1f}"],
                *step_rows(run.result["run_s"], run.result["steps"], dbt_summary(run.log_path)),
                [
                    "look the document number up in the new published file",
                    f"{visible - check_start:.2f}",
                ],
                ["total, posting to visible", f"{total:.1f}"],
            ],
            "The dashboards' *Refresh warehouse now* runs the same job in the Streamlit "
            "process, where the imports are paid once: a clerk there waits for the job's time.",
        )
    )


# --- 4. dashboard data loads -----------------------------------------------------------------


class Stopwatch:
    """Times named calls; a name called twice in one page load adds up."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def __call__(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000


def finance_main(wh: Any, sel: Any, sw: Stopwatch) -> None:
    """Finance page, tabs KPIs, P&L, balance sheet, receivables/payables, cash."""
    from dashboards.queries import finance

    sw("finance.kpis", finance.kpis, wh, sel)
    sw("finance.pnl_by_month", finance.pnl_by_month, wh, sel)
    sw("finance.pnl_by_section", finance.pnl_by_section, wh, sel)
    sw("finance.pnl_by_account", finance.pnl_by_account, wh, sel)
    sw("finance.balance_sheet", finance.balance_sheet, wh, sel)
    for kind in ("receivables", "payables"):
        sw("finance.ageing_buckets", finance.ageing_buckets, wh, sel, kind)
        sw("finance.open_invoices", finance.open_invoices, wh, sel, kind)
    sw("finance.cash_position", finance.cash_position, wh, sel)


def finance_budget(wh: Any, sel: Any, sw: Stopwatch, divisions: Any) -> None:
    """Finance page, tabs Budget vs actual and Cash forecast, as the page calls them."""
    from dashboards.queries import budgets
    from dashboards.selection import Selection

    found = sw("budgets.versions", budgets.versions, wh, sel)
    if not found.empty:
        choices = budgets.version_choices(found)
        version_ids = budgets.chosen_versions(found, next(iter(choices)))
        chosen = found[found["version_id"].isin(version_ids)]
        version_sel = Selection(
            tuple(sorted(int(d) for d in chosen["division_id"])),
            sel.fiscal_year,
            sel.period_through,
            sel.currency,
            sel.in_group_currency,
        )
        groups = budgets.divisions_by_currency(divisions, version_sel)
        if len(groups) > 1:
            sw("budgets.by_division", budgets.by_division, wh, sel, version_ids)
        if groups:
            currency = next(iter(groups))
            scope = budgets.in_currency(sel, currency, groups[currency])
            ids = tuple(
                sorted(
                    int(v)
                    for v in chosen[chosen["division_id"].isin(scope.division_ids)]["version_id"]
                )
            )
            sw("budgets.by_account", budgets.by_account, wh, scope, ids)
            sw("budgets.by_month", budgets.by_month, wh, scope, ids)
            sw("budgets.by_section", budgets.by_section, wh, scope, ids)
    groups = budgets.divisions_by_currency(divisions, sel)
    if groups:
        currency = next(iter(groups))
        scope = budgets.in_currency(sel, currency, groups[currency])
        weeks = sw("budgets.cash_forecast", budgets.cash_forecast, wh, scope)
        if not weeks.empty:
            as_of = sw("budgets.as_of_date", budgets.as_of_date, wh)
            if as_of is not None:
                sw("budgets.forecast_opening", budgets.forecast_opening, wh, scope, as_of)


def finance_drill(wh: Any, sel: Any, sw: Stopwatch) -> None:
    """Finance drill-down: the ledger lines behind the largest P&L account."""
    from dashboards.queries import finance, ledger

    accounts = finance.pnl_by_account(wh, sel)  # on screen already: not timed
    if accounts.empty:
        return
    row = next(accounts.loc[[accounts["this_year"].abs().idxmax()]].itertuples())
    figure = ledger.account_figure(row)
    # What the page loads: the count and totals, then one page of lines (the last page;
    # given the count, the page reads it from the newest end, as the Finance page does).
    check = sw("ledger.reconciliation", ledger.reconciliation, wh, sel, figure)
    last = ledger.page_count(int(check["lines"].sum()))
    sw(
        "ledger.ledger_lines (one page)",
        ledger.ledger_lines,
        wh,
        sel,
        figure,
        page=last,
        per_page=ledger.LINES_PER_PAGE,
        total=int(check["lines"].sum()),
    )


def wholesale_page(wh: Any, sel: Any, sw: Stopwatch) -> Any:
    """Wholesale page with its default choices (ABC of items by revenue, 12 months)."""
    from dashboards.queries import abc, wholesale

    missing = sw("wholesale.missing_marts", wholesale.missing_marts, wh)
    if not missing.empty:
        return None
    sw("wholesale.kpis", wholesale.kpis, wh, sel)
    ranked = sw("wholesale.divisions_by_sales", wholesale.divisions_by_sales, wh)
    ranked = [d for d in ranked if d in sel.division_ids] or list(sel.division_ids)
    choice = abc.AbcChoice((int(ranked[0]),), sel.fiscal_year, sel.period_through)
    classified = sw("abc.classify", abc.classify, wh, choice)
    if not classified.empty:
        sw("abc.class_summary (pandas)", abc.class_summary, classified)
    sw("wholesale.stock_position", wholesale.stock_position, wh, sel, False, 180)
    sw("wholesale.supplier_performance", wholesale.supplier_performance, wh, sel)
    sw("wholesale.sales_by", wholesale.sales_by, wh, sel, next(iter(wholesale.DIMENSIONS)))
    return choice


def wholesale_drill(wh: Any, sel: Any, sw: Stopwatch, choice: Any) -> None:
    """Wholesale drill-down: the sales documents of the top item of the ABC table."""
    from dashboards.queries import abc

    if choice is None:
        return
    classified = abc.classify(wh, choice)  # on screen already: not timed
    if classified.empty:
        return
    key = int(classified["key"].iloc[0])
    sw("abc.documents", abc.documents, wh, choice, int(choice.division_ids[0]), key)


def whatif_page(wh: Any, sel: Any, sw: Stopwatch) -> None:
    """What-if page: the baseline of the full year, then the engine at zero drivers."""
    from decimal import Decimal as D

    from dashboards.queries import whatif_baseline as baseline
    from transactional.planning import whatif as engine

    try:
        base = sw(
            "whatif.baseline.load", baseline.load, str(wh.path), sel.division_ids, sel.fiscal_year
        )
    except (ValueError, LookupError):
        return  # the page shows the error
    if not sel.in_group_currency and sel.currency != base.group_currency:
        # The page's in_shown_currency(): divisions sharing a currency are shown in it.
        base = dataclasses.replace(base, group_currency=sel.currency, rates={sel.currency: D(1)})
    sw("whatif.engine.run", engine.run, base, engine.Drivers())


def alerts_page(wh: Any, sel: Any, sw: Stopwatch) -> None:
    from dashboards.queries import budgets

    sw("budgets.alerts", budgets.alerts, wh, sel)
    sw("budgets.as_of_date", budgets.as_of_date, wh)


def budgets_page(wh: Any, sel: Any, sw: Stopwatch) -> None:
    """Budgets page: the version list read from the transactional database (not the marts)."""
    from dashboards.writeback import budget_posting

    sw("budget_posting.budget_versions (SQLite)", budget_posting.budget_versions, sel.division_ids)


def nearest_rank(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def selections(wh: Any, runs: int) -> list[Any]:
    """Seeded, varied filters: division subsets, fiscal years, periods (first: all, the
    period the sidebar opens on)."""
    from dashboards.queries import finance
    from dashboards.selection import build_selection, default_period
    from transactional import clock

    divisions = finance.divisions(wh)
    periods = finance.fiscal_periods(wh)
    ids = [int(d) for d in divisions["division_id"]]
    year_now, period_now = default_period(periods, clock.today(), finance.last_posting_date(wh))
    years = sorted(y for y in {int(y) for y in periods["fiscal_year"]} if y <= year_now)
    subsets: list[list[int]] = [[], *[[d] for d in ids]]
    subsets += [list(p) for p in zip(ids, ids[1:], strict=False)]
    rng = random.Random(SEED)
    out = [build_selection(divisions, [], year_now, period_now)]
    while len(out) < runs + 1:
        year = rng.choice(years)
        last = period_now if year == year_now else 12
        out.append(build_selection(divisions, rng.choice(subsets), year, rng.randint(1, last)))
    return out


def step_pages(work: Workdir, runs: int, report: Report) -> None:
    from dashboards.queries import finance
    from dashboards.warehouse import PublishedWarehouse

    publication = work.published()
    assert publication is not None
    wh = PublishedWarehouse(publication.base, publication.delta)
    divisions = finance.divisions(wh)
    sels = selections(wh, runs)
    pages: dict[str, Callable[[Any, Any, Stopwatch], Any]] = {
        "Sidebar filters (once per published version)": lambda w, s, sw: (
            sw("finance.divisions", finance.divisions, w),
            sw("finance.fiscal_periods", finance.fiscal_periods, w),
        ),
        "Finance (KPIs, P&L, balance sheet, open items, cash)": finance_main,
        "Budget vs actual / cash forecast (Finance tabs)": lambda w, s, sw: finance_budget(
            w, s, sw, divisions
        ),
        "Wholesale": wholesale_page,
        "What-if (baseline + engine)": whatif_page,
        "Alerts": alerts_page,
        "Budgets (transactional database)": budgets_page,
    }
    drills: dict[str, Callable[[Any, Any, Stopwatch, Any], Any]] = {
        "Finance drill-down: ledger lines of the largest P&L account": lambda w, s, sw, _: (
            finance_drill(w, s, sw)
        ),
        "Wholesale drill-down: sales documents of the top ABC item": wholesale_drill,
    }
    totals: dict[str, list[float]] = {name: [] for name in [*pages, *drills]}
    totals["Finance page, all six tabs (Streamlit runs every tab)"] = []
    per_query: dict[tuple[str, str], list[float]] = {}
    log(f"page data loads: {runs} runs with varied filters (+1 warm-up) ...")
    for n, sel in enumerate(sels):
        choice = None
        for name in [*pages, *drills]:
            sw = Stopwatch()
            if name in drills:
                drills[name](wh, sel, sw, choice)
            else:
                result = pages[name](wh, sel, sw)
                if name == "Wholesale":
                    choice = result
            if n == 0 or not sw.ms:
                continue  # the warm-up, or a drill-down with nothing to drill into
            totals[name].append(sum(sw.ms.values()))
            for query, ms in sw.ms.items():
                per_query.setdefault((name, query), []).append(ms)
        if n:
            totals["Finance page, all six tabs (Streamlit runs every tab)"].append(
                totals["Finance (KPIs, P&L, balance sheet, open items, cash)"][-1]
                + totals["Budget vs actual / cash forecast (Finance tabs)"][-1]
            )
    page_table = Table(
        f"Dashboard data loads, uncached, {runs} runs with varied filters (ms)",
        ["page", "p50", "p95", "max", "target", "met?"],
        note="Sum of the query functions one page load calls, timed directly on the "
        "published warehouse through `PublishedWarehouse.query`, as the pages call them "
        "(one read-only connection per published file, a cursor per query); charts and "
        "tables are not drawn. The sidebar's two queries are cached per "
        "published version, so a filter change does not rerun them: they are a row of "
        "their own. p95 is the nearest rank (19th of 20). Drill-downs run when a row is "
        "picked, not on page load.",
    )
    for name, values in totals.items():
        if not values:
            continue
        p50, p95 = statistics.median(values), nearest_rank(values, 95)
        page_table.rows.append(
            [name, f"{p50:.0f}", f"{p95:.0f}", f"{max(values):.0f}", "<= 300", _yes(p95 <= 300)]
        )
        if name.startswith(("Sidebar", "Budgets (transactional")):
            continue
        report.measure(
            f"Page data load p95: {name}",
            p95,
            "ms",
            ".0f",
            f"<= {PAGE_TARGET_MS:.0f} ms",
            p95 <= PAGE_TARGET_MS,
        )
    floor = connection_floor(publication, runs)
    page_table.note += (
        f" Read: {publication.version}. Opening and closing the publication read-only "
        f"(with a delta: an in-memory database attaching both files, one view per mart), "
        f"without a query, takes {floor:.1f} ms (p50) here while the dashboards' connection "
        "to it is open (a process pays it once per published version)."
    )
    report.tables.append(page_table)
    query_table = Table(
        "Per query (ms over the runs that called it)",
        ["page", "query", "calls", "p50", "p95", "max"],
    )
    query_table.rows.append(
        [
            "(floor)",
            "duckdb.connect(read_only) + close, no query",
            str(runs),
            f"{floor:.1f}",
            "",
            "",
        ]
    )
    order = list(totals)
    for (name, query), values in sorted(per_query.items(), key=lambda kv: order.index(kv[0][0])):
        query_table.rows.append(
            [
                name.split(" (")[0].split(":")[0],
                query,
                str(len(values)),
                f"{statistics.median(values):.1f}",
                f"{nearest_rank(values, 95):.1f}",
                f"{max(values):.1f}",
            ]
        )
    report.tables.append(query_table)


def connection_floor(publication: Publication, runs: int) -> float:
    """p50 ms of opening and closing the publication read-only (once per version)."""
    from orchestration.publish import connect

    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        connect(publication).close()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:])


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


# --- 5. trial balance and P&L: transactional database, marts, raw DuckDB ---------------------

# The same SQL on SQLite, PostgreSQL and DuckDB's raw tables: what an ERP without a warehouse
# runs. Balance-sheet accounts open with every earlier year; P&L accounts start at zero.
TB_SQL = """
select l.division_id, l.account_id,
       sum(case when fy.year < :year then l.amount_base else 0 end) as opening,
       sum(case when fy.year = :year and l.amount_base > 0 then l.amount_base else 0 end)
           as debit,
       sum(case when fy.year = :year and l.amount_base < 0 then -l.amount_base else 0 end)
           as credit
from {s}journal_line l
join {s}journal_entry e on e.id = l.entry_id
join {s}fiscal_year fy on fy.id = e.fiscal_year_id
join {s}account a on a.id = l.account_id
where fy.year = :year or (fy.year < :year and a.account_type = 'balance_sheet')
group by l.division_id, l.account_id
"""

PL_SQL = """
select l.division_id, l.account_id, -sum(l.amount_base) as amount
from {s}journal_line l
join {s}journal_entry e on e.id = l.entry_id
join {s}fiscal_year fy on fy.id = e.fiscal_year_id
join {s}account a on a.id = l.account_id
where fy.year = :year and a.account_type = 'profit_loss'
group by l.division_id, l.account_id
"""

# The same aggregation on the denormalised fact (the engine's limit on the warehouse).
TB_FACT_SQL = """
select g.division_id, g.account_id,
       sum(case when g.fiscal_year < :year then g.amount_base else 0 end) as opening,
       sum(case when g.fiscal_year = :year then g.debit_base else 0 end) as debit,
       sum(case when g.fiscal_year = :year then g.credit_base else 0 end) as credit
from fct_gl_lines g
join dim_accounts a on a.account_id = g.account_id
where g.fiscal_year = :year or (g.fiscal_year < :year and a.account_type = 'balance_sheet')
group by g.division_id, g.account_id
"""

PL_FACT_SQL = """
select g.division_id, g.account_id, -sum(g.amount_base) as amount
from fct_gl_lines g
join dim_accounts a on a.account_id = g.account_id
where g.fiscal_year = :year and a.account_type = 'profit_loss'
group by g.division_id, g.account_id
"""

# The marts, read as a report of the year would read them.
TB_MART_SQL = """
select division_id, account_id,
       arg_min(opening_balance, period_number) as opening,
       sum(debit) as debit, sum(credit) as credit
from mart_trial_balance
where fiscal_year = :year
group by division_id, account_id
"""

PL_MART_SQL = """
select division_id, account_id, sum(amount) as amount
from mart_profit_and_loss
where fiscal_year = :year
group by division_id, account_id
"""

Rows = dict[tuple[int, int], tuple[Decimal, ...]]


def _sqlite_query(db: Path, sql: str, year: int) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(sql.format(s=""), {"year": year}).fetchall()
    finally:
        con.close()
    # Money is a scaled integer on SQLite (transactional/money.py): 4 decimals.
    return [(*r[:2], *(Decimal(int(v)).scaleb(-4) for v in r[2:])) for r in rows]


def _pg_query(url: str, sql: str, year: int) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute(sql.format(s="").replace(":year", "%(year)s"), {"year": year}).fetchall()


def _duck_query(
    source: Publication | Path, sql: str, year: int, schema: str = ""
) -> list[tuple[Any, ...]]:
    """On a publication: a cursor of the one read-only connection kept for it, as the
    dashboards keep theirs (opening a full copy with a delta builds the marts' views, tens
    of ms once per version). On a file (the build's raw layer): a fresh connection."""
    import duckdb

    if isinstance(source, Publication):
        con = _published_connection(source).cursor()
    else:
        con = duckdb.connect(str(source), read_only=True)
    try:
        params = {"year": year} if ":year" in sql else {}
        return con.execute(sql.format(s=schema).replace(":year", "$year"), params).fetchall()
    finally:
        con.close()


@functools.cache
def _published_connection(publication: Publication) -> Any:
    from orchestration.publish import connect

    return connect(publication)


def _tb_rows(raw: list[tuple[Any, ...]]) -> Rows:
    """(division, account) -> (opening, debit, credit, closing), all-zero rows left out."""
    out: Rows = {}
    for division, account, opening, debit, credit in raw:
        values = tuple(Decimal(v or 0) for v in (opening, debit, credit))
        closing = values[0] + values[1] - values[2]
        if any(values):
            out[(int(division), int(account))] = (*values, closing)
    return out


def _pl_rows(raw: list[tuple[Any, ...]]) -> Rows:
    return {(int(d), int(a)): (Decimal(v or 0),) for d, a, v in raw if v}


def _differences(name: str, got: Rows, expected: Rows, what: str) -> list[str]:
    problems = []
    for key in sorted(set(got) | set(expected)):
        a, b = got.get(key), expected.get(key)
        if a is None or b is None or any(abs(x - y) >= CENT for x, y in zip(a, b, strict=True)):
            problems.append(f"{what} {name} vs SQLite, division/account {key}: {a} vs {b}")
    return problems


def pg_database_url(pg_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def _copy_columns(table: str, pg_columns: list[str]) -> list[str]:
    """SQLite expressions giving one CSV field per column, money unscaled to decimal text."""
    import transactional.schema  # noqa: F401  (fills the metadata)
    from transactional.money import ExactDecimal
    from transactional.schema import metadata

    columns = metadata.tables[table].columns
    out = []
    for name in pg_columns:
        column_type = columns[name].type
        if isinstance(column_type, ExactDecimal):
            f, s = 10**column_type.scale, column_type.scale
            out.append(
                f"case when {name} is null then '' else "
                f"(case when {name} < 0 then '-' else '' end) || (abs({name}) / {f}) || '.' "
                f"|| substr('{'0' * s}' || (abs({name}) % {f}), -{s}) end"
            )
            continue
        try:
            numeric = column_type.python_type in (int, bool)
        except NotImplementedError:
            numeric = False
        if numeric:
            out.append(f"coalesce({name}, '')")
        else:
            out.append(
                f"case when {name} is null then '' else "
                f"'\"' || replace({name}, '\"', '\"\"') || '\"' end"
            )
    return out


LEDGER_TABLES = ("fiscal_year", "account", "journal_entry", "journal_line")
APPEND_ONLY = ("journal_entry", "journal_line")


def load_pg(db: Path, pg_url: str, name: str, fresh: bool) -> tuple[str, float, int]:
    """The ledger tables copied into PostgreSQL database ``name`` (real schema, COPY).

    A pure data copy for the benchmark, not a business write: foreign-key and immutability
    triggers are off for the session (``session_replication_role = replica``). Journal
    tables are append-only, so a reused copy only gets the lines it lacks.
    """
    import psycopg

    from transactional.migrate import upgrade

    url = pg_database_url(pg_url, name)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        exists = admin.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
        if exists and fresh:
            admin.execute(f'drop database "{name}"')
        if fresh or not exists:
            admin.execute(f'create database "{name}"')
    upgrade(url)
    start = time.perf_counter()
    copied = 0
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        with psycopg.connect(url) as con:
            con.execute("set session_replication_role = replica")
            for table in LEDGER_TABLES:
                pg_columns = [
                    r[0]
                    for r in con.execute(
                        "select column_name from information_schema.columns "
                        "where table_name = %s and table_schema = 'public' "
                        "order by ordinal_position",
                        [table],
                    )
                ]
                after = 0
                if table in APPEND_ONLY:
                    after = _scalar(con, f"select coalesce(max(id), 0) from {table}")
                else:
                    con.execute(f"delete from {table}")
                line = " || ',' || ".join(_copy_columns(table, pg_columns))
                cursor = src.execute(
                    f"select {line} from {table} where id > ? order by id", [after]
                )
                with con.cursor().copy(
                    f"copy {table} ({', '.join(pg_columns)}) from stdin with (format csv)"
                ) as copy:
                    last = time.perf_counter()
                    while rows := cursor.fetchmany(20000):
                        copy.write("\n".join(r[0] for r in rows) + "\n")
                        copied += len(rows)
                        if time.perf_counter() - last > 15:
                            last = time.perf_counter()
                            log(f"  PostgreSQL copy: {table}, {copied:,} rows so far")
            con.commit()
        with psycopg.connect(url, autocommit=True) as con:
            for table in LEDGER_TABLES:
                con.execute(f"vacuum analyze {table}")
            pg_lines = _scalar(con, "select count(*) from journal_line")
    finally:
        src.close()
    if pg_lines != count_lines(db):
        raise SystemExit(f"PostgreSQL copy {name} has {pg_lines:,} journal lines, SQLite more")
    return url, time.perf_counter() - start, copied


def _scalar(con: Any, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def timed_median(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def step_ledger_reports(
    work: Workdir,
    pg_url: str | None,
    year: int | None,
    runs: int,
    reuse: bool,
    report: Report,
) -> bool:
    """Trial balance and P&L from every source; True when all agree to the cent."""
    published = work.published()
    assert published is not None
    if year is None:
        year = int(_duck_query(published, "select max(fiscal_year) from fct_gl_lines", 0)[0][0])
    sources: list[tuple[str, Callable[[str], list[tuple[Any, ...]]], str, str]] = [
        (
            "SQLite: SQL on journal_line, journal_entry, fiscal_year, account",
            lambda sql: _sqlite_query(work.db, sql, year),
            TB_SQL,
            PL_SQL,
        ),
    ]
    if pg_url:
        name = "erp_bench_" + hashlib.sha1(str(work.root.resolve()).encode()).hexdigest()[:10]
        log(f"copying the ledger tables into PostgreSQL database {name} ...")
        url, copy_s, copied = load_pg(work.db, pg_url, name, fresh=not reuse)
        report.notes.append(
            f"PostgreSQL copy `{name}` (real schema via Alembic, COPY of "
            f"{', '.join(LEDGER_TABLES)}; "
            f"{copied:,} rows copied this run in {copy_s:.1f} s, then VACUUM ANALYZE). "
            f"Drop it with `dropdb -h 127.0.0.1 -U postgres {name}`."
        )

        def pg(sql: str, url: str = url) -> list[tuple[Any, ...]]:
            return _pg_query(url, sql, year)

        sources.append(("PostgreSQL: the same SQL on the same tables", pg, TB_SQL, PL_SQL))
    else:
        report.notes.append("PostgreSQL parts skipped: no --pg-url.")
    sources += [
        (
            "Marts: mart_trial_balance, mart_profit_and_loss (DuckDB)",
            lambda sql: _duck_query(published, sql, year),
            TB_MART_SQL,
            PL_MART_SQL,
        ),
        (
            "DuckDB: the same aggregation over fct_gl_lines",
            lambda sql: _duck_query(published, sql, year),
            TB_FACT_SQL,
            PL_FACT_SQL,
        ),
        (
            "DuckDB: the same SQL over the raw extracted tables",
            lambda sql: _duck_query(work.build, sql, year, "raw."),
            TB_SQL,
            PL_SQL,
        ),
    ]
    results: list[tuple[str, float, float, Rows, Rows]] = []
    for label, query, tb_sql, pl_sql in sources:
        log(f"trial balance and P&L {year}: {label.split(':')[0]} ({runs} runs) ...")
        tb_ms, tb_raw = timed_median(runs, lambda q=query, s=tb_sql: q(s))  # type: ignore[misc]
        pl_ms, pl_raw = timed_median(runs, lambda q=query, s=pl_sql: q(s))  # type: ignore[misc]
        results.append((label, tb_ms, pl_ms, _tb_rows(tb_raw), _pl_rows(pl_raw)))

    _, _, _, tb_ref, pl_ref = results[0]
    problems: list[str] = []
    for label, _, _, tb, pl in results[1:]:
        problems += _differences(label.split(":")[0], tb, tb_ref, "TB")
        problems += _differences(label.split(":")[0], pl, pl_ref, "P&L")
    for division in sorted({d for d, _ in tb_ref}):
        rows = [v for (d, _), v in tb_ref.items() if d == division]
        # Earlier years' results are not closed into equity by entries (the balance sheet
        # computes them), so the closing balances add up to them, not to zero: only the
        # year's movements must balance.
        debit = sum((r[1] for r in rows), Decimal(0))
        credit = sum((r[2] for r in rows), Decimal(0))
        if abs(debit - credit) >= CENT:
            problems.append(f"TB of division {division} does not balance: {debit} / {credit}")

    mart_tb = next(r[1] for r in results if r[0].startswith("Marts"))
    mart_pl = next(r[2] for r in results if r[0].startswith("Marts"))
    table = Table(
        f"Trial balance and P&L of fiscal year {year} (median of {runs} runs, ms)",
        ["source", "trial balance", "x marts", "P&L", "x marts", "rows (TB / P&L)"],
        note="SQLite, PostgreSQL and the raw DuckDB tables: each query on a fresh connection; "
        "the marts and fct_gl_lines: on the one connection kept to the publication, as the "
        "dashboards keep it (a cursor per query). All rows fetched into Python. SQLite is "
        "read as the ERP leaves it (no ANALYZE); the PostgreSQL copy is vacuumed and "
        "analysed.",
    )
    for label, tb_ms, pl_ms, tb, pl in results:
        table.rows.append(
            [
                label,
                f"{tb_ms:,.1f}",
                f"{tb_ms / mart_tb:,.1f}",
                f"{pl_ms:,.1f}",
                f"{pl_ms / mart_pl:,.1f}",
                f"{len(tb)} / {len(pl)}",
            ]
        )
        if label.startswith(("SQLite", "PostgreSQL")):
            engine = label.split(":")[0]
            report.measure(
                f"Trial balance {year}: {engine} SQL / marts", tb_ms / mart_tb, "x", ",.1f"
            )
    report.measure(f"Trial balance {year} from the marts", mart_tb, "ms", ".1f")
    report.tables.append(table)

    totals = Table(
        f"Ledger totals of {year} per division (base currency), the same from every source",
        ["division", "accounts", "opening", "debit", "credit", "closing", "net result"],
    )
    codes = dict(_duck_query(published, "select division_id, division_code from dim_divisions", 0))
    for division in sorted({d for d, _ in tb_ref}):
        rows = [v for (d, _), v in tb_ref.items() if d == division]
        net = sum((v[0] for (d, _), v in pl_ref.items() if d == division), Decimal(0))
        totals.rows.append(
            [
                str(codes.get(division, division)),
                str(len(rows)),
                *(f"{sum(r[i] for r in rows):,.2f}" for i in range(4)),
                f"{net:,.2f}",
            ]
        )
    agreed = not problems
    totals.note = (
        f"All {len(results)} sources give the same {len(tb_ref)} trial-balance rows "
        f"(division x account: opening, debit, credit, closing) and {len(pl_ref)} P&L rows "
        "to the cent."
        if agreed
        else "**The sources disagree:**\n" + "\n".join(f"- {p}" for p in problems[:30])
    )
    report.tables.append(totals)
    report.measure(
        "Trial balance and P&L agree across all sources (to the cent)",
        None,
        "",
        "",
        "all agree",
        agreed,
    )
    return agreed


# --- docs/performance.md ----------------------------------------------------------------------

INTRO = """# Performance at scale

What the platform costs at about 1 million (scale 1) and 10 million (scale 10) journal
lines, measured by one command on this 2-core machine (issue 5):

```bash
.venv/bin/python tests/benchmarks/bench_scale.py --scale 1 --workdir /tmp/erp-bench-1 \\
    --pg-url postgresql://postgres@127.0.0.1:5432/postgres --write docs/performance.md
```

`--reuse` measures again on what the work directory already holds (generation and the full
refresh are not repeated); `--skip-posting` leaves out the posting benchmark;
`--help` lists the rest. Each run replaces its own "Scale S" section below.

What is measured (details in the script's docstring):

1. demo generation (what `erp generate` runs: wall time, journal lines, lines/s) and posting
   throughput through the services, 1 and 8 clerks, SQLite and PostgreSQL, against a raw
   INSERT (`tests/benchmarks/bench_posting.py`);
2. the full refresh (`erp refresh --full`: extract, dbt build, checks, publish): wall time
   and peak memory of the process tree;
3. the incremental refresh: from posting one sales invoice to its document number in the
   published `fct_gl_lines`;
4. each dashboard page's data load, uncached, p50 and p95 over 20 runs with varied filters;
5. the trial balance and P&L of a fiscal year straight off the transactional database
   (SQLite, PostgreSQL), from the marts, and as a raw DuckDB aggregation of the same ledger
   lines, with their ratios; all sources must agree to the cent.

Targets at 10M lines on this 2-core machine: full refresh <= 120 s; incremental refresh
<= 10 s; every page's data load p95 <= 300 ms; posting >= 2,000 lines/s on SQLite and
>= 1,000 lines/s on PostgreSQL with 8 clerks; peak memory <= 4 GB. Smaller scales are
checked against the same targets ("met?") as a trend.
"""


def write_doc(path: Path, report: Report) -> None:
    text = path.read_text() if path.exists() else INTRO
    section = report.markdown()
    heading = f"## Scale {report.scale:g}"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        # In order of scale, after the intro and before any other section.
        scales = list(re.finditer(r"^## Scale ([\d.]+)\n.*?(?=^## |\Z)", text, re.M | re.S))
        larger = [m for m in scales if float(m.group(1)) > report.scale]
        if larger:
            at = larger[0].start()
        elif scales:
            at = scales[-1].end()
        else:
            other = re.search(r"^## ", text, re.M)
            at = other.start() if other else len(text)
        text = text[:at].rstrip("\n") + "\n\n" + section + "\n" + text[at:].lstrip("\n")
    path.write_text(text.rstrip("\n") + "\n")


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure the platform at one scale (issue 5) and print the table.",
    )
    parser.add_argument("--scale", type=float, required=True, help="1.0 is about 1M journal lines")
    parser.add_argument("--workdir", type=Path, help="default: /tmp/erp-bench-<scale>")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the generated database and published warehouse"
    )
    parser.add_argument("--pg-url", help="PostgreSQL server for the ledger copy and posting")
    parser.add_argument("--runs", type=int, default=20, help="page loads per page")
    parser.add_argument("--tb-runs", type=int, default=3, help="runs per trial balance / P&L")
    parser.add_argument("--fiscal-year", type=int, help="default: the last with postings")
    parser.add_argument("--skip-posting", action="store_true", help="skip bench_posting.run")
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="generate the work directory's database and stop (measure later with --reuse)",
    )
    parser.add_argument(
        "--grow-from",
        type=Path,
        help="a smaller scale's work directory: replicate its ledger's finance documents up to"
        " --scale instead of generating (replicate_ledger.py)",
    )
    parser.add_argument(
        "--posting-lines", type=int, default=4000, help="lines per bench_posting case"
    )
    parser.add_argument(
        "--write",
        type=Path,
        nargs="?",
        const=DEFAULT_DOC,
        help="replace this scale's section in the file (default docs/performance.md)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Workdir((args.workdir or Path(f"/tmp/erp-bench-{args.scale:g}")).resolve())
    work.prepare(args.reuse)
    # In-process reads (services, Budgets page) use the work directory, never data/.
    os.environ.update({k: v for k, v in work.env().items() if k.startswith(("ERP_", "DAGSTER"))})
    report = Report(args.scale)
    report.machine = machine_line()
    log(f"scale {args.scale:g} in {work.root}; {report.machine}")

    step_generate(work, args.scale, args.reuse, report, args.grow_from)
    if args.generate_only:
        print(report.markdown())
        return 0
    if not args.skip_posting:
        step_posting(args.pg_url, args.posting_lines, report)
    step_full_refresh(work, args.reuse, report)
    step_incremental(work, report)
    step_pages(work, args.runs, report)
    agreed = step_ledger_reports(
        work, args.pg_url, args.fiscal_year, args.tb_runs, args.reuse, report
    )
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    report.notes.append(f"`uptime` at the end: {load}")
    report.notes.append(
        "Targets are for 10M journal lines (scale 10); below that, met? shows the trend."
    )
    text = report.markdown()
    print(text)
    if not agreed:
        log("the trial balances disagree: nothing written")
        return 1
    if args.write:
        write_doc(args.write, report)
        log(f"wrote the Scale {args.scale:g} section of {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
