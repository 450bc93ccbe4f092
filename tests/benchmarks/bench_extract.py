"""Benchmark of the extract (ingestion.extract_load): the sqlite3 reader against ADBC.

Not a test (pytest collects ``test_*.py`` only). Run from the repository root:

    python tests/benchmarks/bench_extract.py /tmp/extract-1.db [--readers sqlite3 adbc]
                                             [--runs 1] [--top 12]

For each reader (``ERP_EXTRACT_READER``), in a fresh child process so that each has its own
peak RSS, it times ``extract_load(url, <temporary duckdb>, full=True)`` table by table (the
time between two progress calls: read, decode and insert of that table), then, separately,
the read alone: every table streamed through the reader without loading it. With
``--runs`` above one the fastest run counts. It prints one row per table (the ``--top``
slowest; the others summed), the totals and the peak RSS of the extracting process and of
the ADBC reader process it starts.

The database is only read, but opening it writes its ``-shm`` file: run it on a copy
(``sqlite3 erp.db ".backup /tmp/extract.db"``). The figures are in
docs/performance-refresh.md, "Extract through ADBC".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

READERS = ("sqlite3", "adbc")


# Peak RSS of each ADBC reader process, read just before it ends. (RUSAGE_CHILDREN would
# report this process's own size: Linux keeps the high-water mark across fork and exec.)
READER_PEAKS_KB: list[int] = []


def watch_reader_memory() -> None:
    from ingestion import extract_load as module

    close = module._AdbcReader.close

    def close_and_measure(reader: Any) -> None:
        status = Path(f"/proc/{reader._process.pid}/status")
        for line in status.read_text().splitlines() if status.exists() else []:
            if line.startswith("VmHWM:"):
                READER_PEAKS_KB.append(int(line.split()[1]))
        close(reader)

    module._AdbcReader.close = close_and_measure  # type: ignore[method-assign]


def timed_extract(url: str) -> dict[str, Any]:
    """One full extract into a temporary DuckDB file, timed table by table."""
    from ingestion.extract_load import extract_load

    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        started = last = time.perf_counter()

        def progress(table: str, rows: int) -> None:
            nonlocal last
            now = time.perf_counter()
            seconds[table] = now - last
            last = now

        rows = extract_load(url, Path(tmp) / "w.duckdb", progress, full=True)
        total = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "total": total}


def measure(url: str, runs: int) -> dict[str, Any]:
    """In the child: the best of ``runs`` extracts, then the read alone."""
    from ingestion import extract_load as module
    from transactional.schema import metadata

    watch_reader_memory()
    best = min((timed_extract(url) for _ in range(runs)), key=lambda r: float(r["total"]))
    read: dict[str, float] = {}
    started = time.perf_counter()
    with module._gc_paused(), module._source(url) as source:
        for table in metadata.sorted_tables:
            began = time.perf_counter()
            after = 0 if table.name in module.INCREMENTAL_TABLES else None
            for _batch in source(table, after):
                pass
            read[table.name] = time.perf_counter() - began
    best["read"] = read
    best["read_total"] = time.perf_counter() - started
    best["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best["reader_rss_mb"] = max(READER_PEAKS_KB, default=0) / 1024
    return best


def run_child(path: Path, reader: str, runs: int) -> dict[str, Any]:
    env = {**os.environ, "ERP_EXTRACT_READER": reader}
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--runs", str(runs)],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def report(results: dict[str, dict[str, Any]], top: int) -> None:
    readers = list(results)
    first = results[readers[0]]
    tables = sorted(first["rows"], key=lambda t: -max(r["seconds"][t] for r in results.values()))
    shown, rest = tables[:top], tables[top:]
    head = f"{'table':<24}{'rows':>11}"
    head += "".join(f"{'extract ' + r:>16}" for r in readers)
    head += "".join(f"{'read ' + r:>13}" for r in readers)
    print("extract_load(full=True) per table, seconds: extract = read + decode + insert")
    print(head)
    print("-" * len(head))

    def line(label: str, rows: int, extract: list[float], read: list[float]) -> None:
        cells = "".join(f"{s:>16.2f}" for s in extract) + "".join(f"{s:>13.2f}" for s in read)
        print(f"{label:<24}{rows:>11,}{cells}")

    def sums(names: list[str]) -> tuple[int, list[float], list[float]]:
        rows = sum(first["rows"][t] for t in names)
        extract = [sum(r["seconds"][t] for t in names) for r in results.values()]
        read = [sum(r["read"][t] for t in names) for r in results.values()]
        return rows, extract, read

    for name in shown:
        line(name, *sums([name]))
    if rest:
        line(f"({len(rest)} other tables)", *sums(rest))
    print("-" * len(head))
    line(
        "total",
        sum(first["rows"].values()),
        [r["total"] for r in results.values()],
        [r["read_total"] for r in results.values()],
    )
    peaks = "".join(f"{r['peak_rss_mb']:>16.0f}" for r in results.values())
    print(f"{'peak RSS (MB)':<35}{peaks}")
    peaks = "".join(f"{r['reader_rss_mb']:>16.0f}" for r in results.values())
    print(f"{'reader process peak RSS (MB)':<35}{peaks}")
    if len(readers) == 2:
        a, b = (results[r] for r in readers)
        print(
            f"\n{readers[1]} against {readers[0]}: extract {a['total'] / b['total']:.2f}x,"
            f" read {a['read_total'] / b['read_total']:.2f}x as fast"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", help="an SQLite database file (a copy: it is opened)")
    parser.add_argument("--readers", nargs="+", choices=READERS, default=list(READERS))
    parser.add_argument("--runs", type=int, default=1, help="extracts per reader (best counts)")
    parser.add_argument("--top", type=int, default=12, help="tables shown one by one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = Path(args.database).resolve()
    if not path.is_file():
        parser.error(f"no database file at {path}")
    url = f"sqlite:///{path}"
    if args.child:
        print(json.dumps(measure(url, args.runs)))
        return
    results = {}
    for reader in args.readers:
        print(f"== {reader} ...", file=sys.stderr, flush=True)
        results[reader] = run_child(path, reader, args.runs)
    print(f"database: {path} ({path.stat().st_size / 1e6:,.0f} MB)\n")
    report(results, args.top)


if __name__ == "__main__":
    main()
