"""Grow a generated SQLite database to ``times`` the production of its manufacturing
division by replicating its production orders whole.

The Manufacturing page's benchmark is at scale 10 (issue 17), and generating the demo at
scale 10 takes hours (replicate_ledger.py says why). The page and the manufacturing models
care about how many orders, materials, operations, production transactions and WIP
postings there are and how they spread over items, work centres and months, not about how
they were entered. So a generated database is copied and every production order of the
division (``MF01``) is inserted ``times - 1`` more times, whole: the order with its
materials and operations, its production transactions, the stock movements they made
(issues, returns, receipts, backflush) and the journal entries with all their lines
(WIP, inventory, absorbed labour / machine / overhead, GRNI of outsourced work, stock
differences, variances), with new ids, on the same dates, for the same items. Each copy is
as balanced as its original, so the books stay balanced, the WIP position still equals
the WIP account at every period end (a blocking check) and the stock movements still
equal the inventory accounts (the stock reconciliation, another); and open orders are
copied open, so capacity load and MRP see ``times`` the open work.

Not replicated, and said so where the figures are reported: the sales side (sales orders,
deliveries, invoices of the products) and the purchases of components stay single, so the
copies' products and components are not sold or bought: the stock *quantities* per item
from the movements no longer match ``stock_level`` (no check compares them); audit rows
of the copies are not made; the MRP runs are not copied (run MRP again).

Numbering: copy ``k`` of order ``MO-2025-000123`` is ``MO-2025-000123.k`` (so copies are
recognisable); its entries take numbers ``n + k*N`` in their journal and fiscal year
(``N`` the highest there), their document numbers get the same ``.k``; the journals'
sequences move past the last copy, so posting afterwards continues the series.

Run: ``python tests/benchmarks/replicate_manufacturing.py SOURCE.db TARGET.db --times 10``
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

DIVISION = "MF01"
# The tables an order spans, in insert order, with how each id column moves in copy k:
# column -> table whose offset it takes; and the temp set deciding which rows are copied.
REPLICATED: dict[str, dict[str, str]] = {
    "production_order": {"id": "production_order", "parent_order_id": "production_order"},
    "production_order_material": {
        "id": "production_order_material",
        "order_id": "production_order",
    },
    "production_order_operation": {
        "id": "production_order_operation",
        "order_id": "production_order",
    },
    "journal_entry": {"id": "journal_entry", "reverses_entry_id": "journal_entry"},
    "journal_line": {"id": "journal_line", "entry_id": "journal_entry"},
    "stock_movement": {"id": "stock_movement", "entry_id": "journal_entry"},
    "production_transaction": {
        "id": "production_transaction",
        "order_id": "production_order",
        "material_id": "production_order_material",
        "operation_id": "production_order_operation",
        "stock_movement_id": "stock_movement",
        "entry_id": "journal_entry",
    },
}
ROW_SET = {
    "production_order": ("id", "keep_order"),
    "production_order_material": ("order_id", "keep_order"),
    "production_order_operation": ("order_id", "keep_order"),
    "journal_entry": ("id", "keep_entry"),
    "journal_line": ("entry_id", "keep_entry"),
    "stock_movement": ("id", "keep_movement"),
    "production_transaction": ("order_id", "keep_order"),
}
# Text columns that carry a document's number: copy k appends ".k".
NUMBERED = {
    "production_order": ("number",),
    "journal_entry": ("document_number",),
    "stock_movement": ("document_number",),
}

Progress = Callable[[str], None]


def _script(con: sqlite3.Connection, script: str) -> None:
    """Statements one by one (executescript would commit the open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def _eligible(con: sqlite3.Connection, division_id: int) -> dict[str, int]:
    """Temp tables keep_order / keep_movement / keep_entry: the rows to replicate."""
    _script(
        con,
        f"""
        create temp table keep_order as
          select id from production_order where division_id = {division_id};
        create temp table keep_movement as
          select distinct stock_movement_id as id from production_transaction
          where order_id in (select id from keep_order) and stock_movement_id is not null;
        create temp table keep_entry as
          select entry_id as id from production_transaction
          where order_id in (select id from keep_order) and entry_id is not null
          union
          select entry_id from stock_movement
          where id in (select id from keep_movement) and entry_id is not null;
        create unique index temp.keep_order_id on keep_order(id);
        create unique index temp.keep_movement_id on keep_movement(id);
        create unique index temp.keep_entry_id on keep_entry(id);
        create temp table number_step as
          select journal_id, fiscal_year_id, max(number) as step
          from journal_entry group by journal_id, fiscal_year_id;
        create unique index temp.number_step_key on number_step(journal_id, fiscal_year_id);
        """,
    )
    # Copied whole or not at all: an entry of these orders must not carry a stock movement
    # or a production transaction of anything else, nor reverse an entry left single.
    stray = con.execute(
        """
        select
          (select count(*) from stock_movement where entry_id in (select id from keep_entry)
             and id not in (select id from keep_movement)),
          (select count(*) from production_transaction
             where entry_id in (select id from keep_entry)
             and order_id not in (select id from keep_order)),
          (select count(*) from journal_entry where id in (select id from keep_entry)
             and reverses_entry_id is not null
             and reverses_entry_id not in (select id from keep_entry)),
          (select count(*) from journal_entry where reverses_entry_id in
             (select id from keep_entry) and id not in (select id from keep_entry))
        """
    ).fetchone()
    if any(stray):
        raise RuntimeError(
            "the production orders' entries are shared with other documents "
            f"(movements, transactions, reversals: {stray}); they cannot be copied whole"
        )
    return {
        name: con.execute(f"select count(*) from {name}").fetchone()[0]
        for name in ("keep_order", "keep_movement", "keep_entry")
    }


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in con.execute(f"pragma table_info({table})")]


def _copy(con: sqlite3.Connection, table: str, k: int, offsets: dict[str, int]) -> int:
    moves = REPLICATED[table]
    select = []
    for column in _columns(con, table):
        if column in moves:
            select.append(f"t.{column} + {k * offsets[moves[column]]}")
        elif column in NUMBERED.get(table, ()):
            select.append(f"t.{column} || '.{k}'")
        elif table == "journal_entry" and column == "number":
            select.append(f"t.number + {k} * s.step")
        elif table in ("journal_entry", "stock_movement") and column == "source_id":
            select.append(
                f"case when t.source_type = 'production_order'"
                f" then t.source_id + {k * offsets['production_order']} else t.source_id end"
            )
        else:
            select.append(f"t.{column}")
    joins = (
        " join number_step s using (journal_id, fiscal_year_id)" if table == "journal_entry" else ""
    )
    key, keep = ROW_SET[table]
    sql = (
        f"insert into {table} ({', '.join(_columns(con, table))})"
        f" select {', '.join(select)} from {table} t{joins}"
        f" where t.{key} in (select id from {keep})"
        f" and t.id <= {offsets[table]}"
    )
    return con.execute(sql).rowcount


def _drop_indexes(con: sqlite3.Connection) -> list[str]:
    """Drop the named indexes of the replicated tables; their CREATE statements."""
    tables = ", ".join(f"'{t}'" for t in REPLICATED)
    found = con.execute(
        f"select name, sql from sqlite_master where type = 'index' and sql is not null"
        f" and tbl_name in ({tables})"
    ).fetchall()
    for name, _ in found:
        con.execute(f'drop index "{name}"')
    return [sql for _, sql in found]


def replicate(
    source: Path, target: Path, times: int, progress: Progress | None = None
) -> dict[str, int]:
    """Copy ``source`` to ``target`` and replicate MF01's production orders ``times`` over.
    Returns row counts before and after."""
    if times < 2:
        raise ValueError("times must be at least 2")
    say: Progress = progress or (lambda message: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    say(f"copied {source} in {time.perf_counter() - started:.1f} s")
    con = sqlite3.connect(target, isolation_level=None)
    try:
        con.execute("pragma journal_mode = wal")
        con.execute("pragma synchronous = off")
        con.execute("pragma cache_size = -1000000")
        con.execute("pragma temp_store = memory")
        con.execute("pragma foreign_keys = off")  # checked once at the end
        before = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in REPLICATED}
        con.execute("begin")
        division = con.execute("select id from division where code = ?", [DIVISION]).fetchone()
        if division is None:
            raise RuntimeError(f"{source} has no division {DIVISION}")
        kept = _eligible(con, int(division[0]))
        say(
            f"replicating {kept['keep_order']:,} production orders, {kept['keep_entry']:,}"
            f" entries, {kept['keep_movement']:,} stock movements x{times}"
        )
        indexes = _drop_indexes(con)
        offsets = {
            table: con.execute(f"select coalesce(max(id), 0) from {table}").fetchone()[0]
            for table in REPLICATED
        }
        for k in range(1, times):
            for table in REPLICATED:
                _copy(con, table, k, offsets)
            say(f"copy {k} of {times - 1} done ({time.perf_counter() - started:.0f} s)")
        for sql in indexes:
            con.execute(sql)
        con.execute(
            """update document_sequence set last_number = (
                 select max(number) from journal_entry e
                 where e.journal_id = document_sequence.journal_id
                   and e.fiscal_year_id = document_sequence.fiscal_year_id)
               where exists (select 1 from journal_entry e
                 where e.journal_id = document_sequence.journal_id
                   and e.fiscal_year_id = document_sequence.fiscal_year_id)"""
        )
        broken = con.execute("pragma foreign_key_check").fetchmany(5)
        if broken:
            con.execute("rollback")
            raise RuntimeError(f"replication broke foreign keys, e.g. {broken}")
        con.execute("commit")
        after = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in REPLICATED}
        con.execute("analyze")
    finally:
        con.close()
    say(f"replicated in {time.perf_counter() - started:.0f} s")
    return {
        **{f"{t} before": n for t, n in before.items()},
        **{f"{t} after": n for t, n in after.items()},
        "times": times,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="a generated SQLite database (read only)")
    parser.add_argument("target", type=Path, help="the grown copy (replaced)")
    parser.add_argument("--times", type=int, default=10, help="how many times the orders")
    args = parser.parse_args(argv)
    counts = replicate(args.source, args.target, args.times, progress=print)
    for name, n in counts.items():
        print(f"{name}: {n:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
