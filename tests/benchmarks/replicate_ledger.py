"""Grow a generated SQLite database to ``times`` its ledger by replicating finance documents.

The benchmark needs a 10M-line ledger (scale 10) and the demo generator posts about 800
lines/s through the services, one process (its months depend on each other): 10M lines
would take 3.5 hours. The warehouse, the dashboards and the reports directly on the
transactional tables care about how many rows there are and how they spread over
divisions, accounts and periods, not about how they were entered. So a scale-1 database
is copied and its *finance documents* — journal entries with their lines, the invoices and
payments they post, invoice lines, payment allocations and their audit rows — are inserted
``times - 1`` more times with new ids and new document numbers, on the same dates, in the
same divisions and periods. What the copies are not, they are not pretending to be: the
benchmark reports the generation time of scale 1 and the replication time separately.

Left single, so that stock, orders and their ledger keep agreeing (the stock reconciliation
is a blocking check): every entry of a stock document (delivery, receipt, return, count,
transfer, revaluation, price difference), every invoice billing an order line or matched
to a purchase order or crediting a return, payments allocated to such an invoice, and any
entry whose lines settle them. Everything replicated is replicated whole (an invoice with
its entry, lines and allocations), so the books stay balanced and open items still match
the ledger.

Numbering: the copy ``k`` of entry number ``n`` in a journal and fiscal year whose highest
number is ``N`` gets number ``n + k*N`` (document number rewritten alike), and the
journal's sequence moves past the last copy, so posting afterwards continues the series.

Run: ``python tests/benchmarks/replicate_ledger.py SOURCE.db TARGET.db --lines 10000000``
(or ``--times N``).
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# The tables a finance document spans, with how each id column moves in copy k:
# column -> table whose offset it takes.
REPLICATED: dict[str, dict[str, str]] = {
    "journal_entry": {"id": "journal_entry", "reverses_entry_id": "journal_entry"},
    "journal_line": {"id": "journal_line", "entry_id": "journal_entry", "invoice_id": "invoice"},
    "invoice": {"id": "invoice", "entry_id": "journal_entry"},
    "invoice_line": {"id": "invoice_line", "invoice_id": "invoice"},
    "payment": {"id": "payment", "entry_id": "journal_entry"},
    "payment_allocation": {
        "id": "payment_allocation",
        "payment_id": "payment",
        "invoice_id": "invoice",
    },
    "audit_log": {"id": "audit_log"},
}
# Which eligible set decides whether a row is copied.
ROW_SET = {
    "journal_entry": "keep_entry",
    "journal_line": "keep_entry",
    "invoice": "keep_invoice",
    "invoice_line": "keep_invoice",
    "payment": "keep_payment",
    "payment_allocation": "keep_payment",
}
ROW_KEY = {
    "journal_entry": "id",
    "journal_line": "entry_id",
    "invoice": "id",
    "invoice_line": "invoice_id",
    "payment": "id",
    "payment_allocation": "payment_id",
}
# The audit log's record_key for journal lines is their entry (lines are audited per entry).
AUDIT_KEY_TABLE = {
    "journal_entry": "journal_entry",
    "journal_line": "journal_entry",
    "invoice": "invoice",
    "invoice_line": "invoice_line",
    "payment": "payment",
    "payment_allocation": "payment_allocation",
}
AUDIT_KEY_SET = {
    "journal_entry": "keep_entry",
    "journal_line": "keep_entry",
    "invoice": "keep_invoice",
    "invoice_line": "keep_invoice_line",
    "payment": "keep_payment",
    "payment_allocation": "keep_allocation",
}
STOCK_DOCUMENTS = (
    "delivery",
    "goods_receipt",
    "sales_return",
    "supplier_return",
    "stock_count",
    "stock_transfer",
    "stock_movement",
)
FINANCE_SOURCES = ("manual", "sales_invoice", "purchase_invoice", "payment", "reversal")

Progress = Callable[[str], None]


def _script(con: sqlite3.Connection, script: str) -> None:
    """Statements one by one (executescript would commit the open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def _eligible(con: sqlite3.Connection) -> dict[str, int]:
    """Temp tables keep_invoice / keep_payment / keep_entry: the documents to replicate."""
    stock_entries = " union ".join(
        f"select entry_id from {t} where entry_id is not null" for t in STOCK_DOCUMENTS
    )
    _script(
        con,
        f"""
        create temp table keep_invoice as
          select id from invoice i
          where i.entry_id is not null
            and not exists (select 1 from invoice_line l where l.invoice_id = i.id
                  and (l.sales_order_line_id is not null or l.purchase_order_line_id is not null))
            and i.id not in (select invoice_id from invoice_match)
            and i.id not in (select credit_note_id from sales_return
                             where credit_note_id is not null);
        create temp table keep_payment as
          select id from payment p
          where p.entry_id is not null
            and not exists (select 1 from payment_allocation a where a.payment_id = p.id
                            and a.invoice_id not in (select id from keep_invoice));
        create temp table keep_entry as
          select id from journal_entry e
          where e.source_type in {FINANCE_SOURCES!r}
            and e.id not in ({stock_entries})
            and (e.source_type not in ('sales_invoice', 'purchase_invoice')
                 or e.id in (select entry_id from invoice
                             where id in (select id from keep_invoice)))
            and (e.source_type <> 'payment'
                 or e.id in (select entry_id from payment
                             where id in (select id from keep_payment)));
        create unique index temp.keep_invoice_id on keep_invoice(id);
        create unique index temp.keep_payment_id on keep_payment(id);
        create unique index temp.keep_entry_id on keep_entry(id);
        """,
    )
    # To a fixed point: an entry settling a left invoice stays single, and so do the
    # invoice or payment that posted it, and a reversal of an entry left single.
    while True:
        removed = 0
        for sql in (
            """delete from keep_entry where id in (
                 select l.entry_id from journal_line l where l.invoice_id is not null
                 and l.invoice_id not in (select id from keep_invoice))""",
            """delete from keep_entry where id in (
                 select e.id from journal_entry e where e.reverses_entry_id is not null
                 and e.reverses_entry_id not in (select id from keep_entry))""",
            """delete from keep_invoice where id in (
                 select id from invoice where entry_id is not null
                 and entry_id not in (select id from keep_entry))""",
            """delete from keep_payment where id in (
                 select id from payment where entry_id is not null
                 and entry_id not in (select id from keep_entry))""",
            """delete from keep_payment where id in (
                 select payment_id from payment_allocation
                 where invoice_id not in (select id from keep_invoice))""",
            # An invoice part-paid by a payment left single would be open in its copies.
            """delete from keep_invoice where id in (
                 select invoice_id from payment_allocation
                 where payment_id not in (select id from keep_payment))""",
            """delete from keep_entry where id in (
                 select entry_id from invoice where id not in (select id from keep_invoice)
                 union all
                 select entry_id from payment where id not in (select id from keep_payment))""",
        ):
            removed += con.execute(sql).rowcount
        if removed == 0:
            break
    # number_step: the number offset of each journal and fiscal year, its highest so far.
    _script(
        con,
        """
        create temp table keep_invoice_line as
          select id from invoice_line where invoice_id in (select id from keep_invoice);
        create temp table keep_allocation as
          select id from payment_allocation where payment_id in (select id from keep_payment);
        create unique index temp.keep_invoice_line_id on keep_invoice_line(id);
        create unique index temp.keep_allocation_id on keep_allocation(id);
        create temp table number_step as
          select journal_id, fiscal_year_id, max(number) as step
          from journal_entry group by journal_id, fiscal_year_id;
        create unique index temp.number_step_key on number_step(journal_id, fiscal_year_id);
        """,
    )
    return {
        name: con.execute(f"select count(*) from {name}").fetchone()[0]
        for name in ("keep_entry", "keep_invoice", "keep_payment")
    }


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in con.execute(f"pragma table_info({table})")]


def _renumbered(number_sql: str, step_sql: str, k: int, document_sql: str) -> str:
    """The document number of copy k: its last six digits moved by k steps."""
    return (
        f"substr({document_sql}, 1, length({document_sql}) - 6)"
        f" || printf('%06d', {number_sql} + {k} * {step_sql})"
    )


def _copy(con: sqlite3.Connection, table: str, k: int, offsets: dict[str, int]) -> int:
    moves = REPLICATED[table]
    select = []
    joins = ""
    for column in _columns(con, table):
        if column in moves:
            select.append(f"t.{column} + {k * offsets[moves[column]]}")
        elif table == "journal_entry" and column == "number":
            select.append(f"t.number + {k} * s.step")
        elif table == "journal_entry" and column == "document_number":
            select.append(_renumbered("t.number", "s.step", k, "t.document_number"))
        elif table == "journal_entry" and column == "source_id":
            select.append(
                "case t.source_type"
                f" when 'sales_invoice' then t.source_id + {k * offsets['invoice']}"
                f" when 'purchase_invoice' then t.source_id + {k * offsets['invoice']}"
                f" when 'payment' then t.source_id + {k * offsets['payment']}"
                f" when 'reversal' then t.source_id + {k * offsets['journal_entry']}"
                " else t.source_id end"
            )
        elif table in ("invoice", "payment") and column == "document_number":
            select.append(_renumbered("e.number", "s.step", k, "t.document_number"))
        else:
            select.append(f"t.{column}")
    if table == "journal_entry":
        joins = " join number_step s using (journal_id, fiscal_year_id)"
    elif table in ("invoice", "payment"):
        joins = (
            " join journal_entry e on e.id = t.entry_id"
            " join number_step s on s.journal_id = e.journal_id"
            " and s.fiscal_year_id = e.fiscal_year_id"
        )
    keep = ROW_SET[table]
    sql = (
        f"insert into {table} ({', '.join(_columns(con, table))})"
        f" select {', '.join(select)} from {table} t{joins}"
        f" where t.{ROW_KEY[table]} in (select id from {keep})"
        f" and t.id <= {offsets[table]}"
    )
    return con.execute(sql).rowcount


def _copy_audit(con: sqlite3.Connection, k: int, offsets: dict[str, int]) -> int:
    copied = 0
    columns = _columns(con, "audit_log")
    for table, key_table in AUDIT_KEY_TABLE.items():
        row_offset = k * offsets[table]
        key_offset = k * offsets[key_table]
        select = []
        for column in columns:
            if column == "id":
                select.append(f"a.id + {k * offsets['audit_log']}")
            elif column == "record_key":
                select.append(f"cast(cast(a.record_key as integer) + {key_offset} as text)")
            elif column == "new_value":
                # The row's own id inside the stored values moves with it (lines are a list).
                select.append(
                    "case when json_valid(a.new_value) and json_type(a.new_value) = 'object'"
                    f" and json_type(a.new_value, '$.id') = 'integer'"
                    f" then json_set(a.new_value, '$.id', json_extract(a.new_value, '$.id')"
                    f" + {row_offset}) else a.new_value end"
                )
            else:
                select.append(f"a.{column}")
        sql = (
            f"insert into audit_log ({', '.join(columns)})"
            f" select {', '.join(select)} from audit_log a"
            f" where a.table_name = '{table}' and a.id <= {offsets['audit_log']}"
            f" and cast(a.record_key as integer) in (select id from {AUDIT_KEY_SET[table]})"
        )
        copied += con.execute(sql).rowcount
    return copied


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
    source: Path,
    target: Path,
    times: int | None = None,
    progress: Progress | None = None,
    *,
    target_lines: int | None = None,
) -> dict[str, int]:
    """Copy ``source`` to ``target`` and replicate its finance documents.

    ``times`` copies the documents to that many times over; ``target_lines`` instead picks
    the number of copies that brings the ledger closest to that many journal lines (the
    stock documents stay single, so ``times`` alone falls short of ``times`` x the lines).
    Returns row counts: journal lines before and after, the documents replicated, and the
    copies made.
    """
    if (times is None) == (target_lines is None):
        raise ValueError("give times or target_lines")
    if times is not None and times < 2:
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
        # Checked once at the end (foreign_key_check), not row by row.
        con.execute("pragma foreign_keys = off")
        lines_before = con.execute("select count(*) from journal_line").fetchone()[0]
        con.execute("begin")
        kept = _eligible(con)
        if times is None:
            kept_lines = con.execute(
                "select count(*) from journal_line where entry_id in (select id from keep_entry)"
            ).fetchone()[0]
            times = 1 + max(1, round((int(target_lines or 0) - lines_before) / max(kept_lines, 1)))
        kept["times"] = times
        say(
            f"replicating {kept['keep_entry']:,} entries, {kept['keep_invoice']:,} invoices,"
            f" {kept['keep_payment']:,} payments x{times}"
        )
        # Indexes are rebuilt once at the end: maintaining them row by row made each copy
        # slower than the last.
        indexes = _drop_indexes(con)
        offsets = {
            table: con.execute(f"select coalesce(max(id), 0) from {table}").fetchone()[0]
            for table in REPLICATED
        }
        for k in range(1, times):
            for table in ROW_SET:
                _copy(con, table, k, offsets)
            _copy_audit(con, k, offsets)
            say(f"copy {k} of {times - 1} done ({time.perf_counter() - started:.0f} s)")
        for sql in indexes:
            con.execute(sql)
        say(f"indexes rebuilt ({time.perf_counter() - started:.0f} s)")
        # Posting afterwards continues each journal's series after the last copy.
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
        lines_after = con.execute("select count(*) from journal_line").fetchone()[0]
        con.execute("analyze")
    finally:
        con.close()
    seconds = time.perf_counter() - started
    say(f"{lines_before:,} -> {lines_after:,} journal lines in {seconds:.0f} s")
    return {"lines_before": lines_before, "lines_after": lines_after, **kept}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="a generated SQLite database (read only)")
    parser.add_argument("target", type=Path, help="the grown copy (replaced)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--times", type=int, help="how many times the finance documents")
    group.add_argument("--lines", type=int, help="about how many journal lines in the end")
    args = parser.parse_args(argv)
    replicate(args.source, args.target, args.times, progress=print, target_lines=args.lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
