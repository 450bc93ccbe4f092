"""Posting throughput through the services against a raw bulk insert of the same rows.

Not a test (pytest collects ``test_*.py`` only). Run from the repository root:

    python tests/benchmarks/bench_posting.py [--lines 20000] [--clerks 1,8]
        [--backends sqlite,postgresql] [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--variants same,spread] [--batch 1]
    python tests/benchmarks/bench_posting.py --profile [--lines 2000] [--backends sqlite]

Per backend (a SQLite file, a PostgreSQL database created next to ``--pg-url``'s):

1. Set-up, not timed: an empty migrated database with the demo group's master data, made
   by the demo's own functions (organisation, chart, journals, cost centres and units,
   fiscal years 2024-2026, staff, customers), plus extra clerks of Noordwind Nederland so
   eight clerks can share one journal. Each run starts from a copy of it.
2. Posting, timed: sales-shaped entries of 2-10 lines (a receivables line, 1-8 revenue
   lines with cost centre, cost unit and VAT code, a VAT line; every line names the
   customer; foreign customers in their currency at the day's rate), handed to
   ``posting.post_entries`` as the invoice service hands them (``post_invoice`` right,
   control account allowed). Each clerk is a process with its own session and posts
   ``--batch`` entries per transaction (1: a clerk saving a form). ``same`` puts every
   clerk in NL01's sales journal, so they contend for one number sequence; ``spread``
   gives each demo clerk its own division (NL01 x3, US01 x2, UK01 x2, HOLD).
3. The limit, timed: the rows the services wrote (journal_entry and journal_line, same
   values and ids) inserted into a fresh copy in one transaction with one executemany
   (SQLite) or COPY (PostgreSQL), no checks beyond the schema's own constraints and
   indexes, no audit rows.
4. Verification of every run: entries and lines counted, every entry balanced, numbers
   gap-free per journal and fiscal year and equal to the sequence counter, one audit row
   for each entry and for each entry's lines.

``run(...)`` returns the table rows as dicts for another benchmark runner.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing as mp
import os
import pstats
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import select  # noqa: E402

from ingestion.demo.company import (  # noqa: E402
    CLERK_SCOPES,
    DIVISIONS,
    SPECS,
    create_staff,
    set_up_organisation,
)
from ingestion.demo.rates import RateTable, random_walk  # noqa: E402
from ingestion.demo.relations import Party, PartyBook, create_parties  # noqa: E402
from ingestion.demo.timeline import fiscal_years  # noqa: E402
from transactional.database import make_engine, session_scope  # noqa: E402
from transactional.finance.posting import EntryDraft, LineDraft, post_entries  # noqa: E402
from transactional.migrate import upgrade  # noqa: E402
from transactional.money import round_money  # noqa: E402
from transactional.organisation import services as org  # noqa: E402
from transactional.organisation.models import User  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
END = date(2026, 10, 31)
YEARS = fiscal_years(END)  # 2024-2026, all open
POST_FROM = date(2025, 1, 1)  # entries fall in two fiscal years: numbering restarts per year
SAME_DIVISION = "NL01"
JOURNAL = "VK"
VAT_RATES = {"V21": Decimal("0.21"), "V9": Decimal("0.09"), "V0": Decimal(0)}
PARTY_SCALE = 0.05  # customers per division as in a demo of scale 0.05 (NL01: 56)


def _spread() -> list[tuple[str, str]]:
    """The demo's clerks, each in its first division, taken round-robin over divisions so
    the first few clerks are in as many divisions as possible."""
    queues: dict[str, list[str]] = {}
    for name, scope in CLERK_SCOPES.items():
        queues.setdefault(scope[0], []).append(name)
    order: list[tuple[str, str]] = []
    while any(queues.values()):
        order += [(names.pop(0), division) for division, names in queues.items() if names]
    return order


SPREAD = _spread()  # clerk1 NL01, clerk4 US01, clerk6 UK01, clerk8 HOLD, clerk2 NL01, ...


@dataclass
class Backend:
    """A template database holding the master data, and how to copy and drop copies."""

    name: str
    template: str  # SQLite file path or PostgreSQL database name
    admin_url: str  # PostgreSQL maintenance database URL ('' for SQLite)
    workdir: Path

    def url(self, db: str) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{db}"
        return f"{self.admin_url.rsplit('/', 1)[0]}/{db}"

    def copy(self, label: str) -> str:
        """A fresh copy of the template; returns the database (path or name)."""
        if self.name == "sqlite":
            target = self.workdir / f"{label}.db"
            shutil.copy(self.template, target)
            return str(target)
        name = f"{self.template.removesuffix('_tpl')}_{label}"
        _pg_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, db: str) -> None:
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(db + suffix).unlink(missing_ok=True)
        else:
            _pg_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@dataclass
class MasterData:
    rates: RateTable
    parties: PartyBook


def _pg_admin(admin_url: str, sql: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- set-up -------------------------------------------------------------------------------


def _extra_clerks(max_clerks: int) -> list[str]:
    """Clerks of NL01 beyond the demo's four, so ``max_clerks`` can share one journal."""
    demo = [name for name, scope in CLERK_SCOPES.items() if SAME_DIVISION in scope]
    return [f"benchclerk{n}" for n in range(1, max(0, max_clerks - len(demo)) + 1)]


def same_division_clerks(max_clerks: int) -> list[str]:
    demo = [name for name, scope in CLERK_SCOPES.items() if SAME_DIVISION in scope]
    return (demo + _extra_clerks(max_clerks))[:max_clerks]


def set_up(url: str, max_clerks: int) -> MasterData:
    """Migrate and fill ``url`` with the demo group's master data (no ledger entries)."""
    upgrade(url)
    rates = random_walk(42, date(YEARS[0], 1, 1), END)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            admin = org.bootstrap_admin(session=session)
            set_up_organisation(session=session, admin=admin, rates=rates, years=YEARS)
            create_staff(session=session, admin=admin)
            for username in _extra_clerks(max_clerks):
                org.create_user(
                    session=session,
                    user=admin,
                    username=username,
                    full_name=username,
                    role="clerk",
                    divisions=[SAME_DIVISION],
                )
            # Customer sizes are weighted by the first month's revenue; a flat figure will do.
            revenue = {spec.code: Decimal(1_000_000) * Decimal(spec.weight) for spec in DIVISIONS}
            parties = create_parties(
                session=session, user=admin, seed=42, scale=PARTY_SCALE, monthly_revenue=revenue
            )
    finally:
        engine.dispose()
    return MasterData(rates=rates, parties=parties)


@contextmanager
def backend_template(
    name: str, pg_url: str, max_clerks: int
) -> Iterator[tuple[Backend, MasterData]]:
    """A template database with the master data for one backend, removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="bench_posting_"))
    backend: Backend | None = None
    try:
        if name == "sqlite":
            path = workdir / "template.db"
            backend = Backend("sqlite", str(path), "", workdir)
            master = set_up(backend.url(str(path)), max_clerks)
        elif name == "postgresql":
            db = f"bench_posting_{os.getpid()}_{uuid.uuid4().hex[:6]}_tpl"
            _pg_admin(pg_url, f'CREATE DATABASE "{db}"')
            backend = Backend("postgresql", db, pg_url, workdir)
            master = set_up(backend.url(db), max_clerks)
        else:
            raise ValueError(f"unknown backend {name!r}: use sqlite or postgresql")
        yield backend, master
    finally:
        if backend is not None and backend.name == "postgresql":
            backend.drop(backend.template)
        shutil.rmtree(workdir, ignore_errors=True)


# --- the entries --------------------------------------------------------------------------


def plan_entries(
    master: MasterData, division: str, lines: int, rng: random.Random
) -> list[EntryDraft]:
    """Sales-shaped entries in ``division`` adding up to at least ``lines`` lines."""
    spec = SPECS[division]
    days = [POST_FROM + timedelta(days=n) for n in range((END - POST_FROM).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    products = spec.product_lines
    mix = [spec.product_mix[p.code] for p in products]
    drafts: list[EntryDraft] = []
    planned = 0
    while planned < lines:
        customer = master.parties.pick(division, "customer", rng)
        on = rng.choice(days)
        draft = _sales_entry(
            master,
            spec.code,
            spec.currency,
            spec.charges_vat,
            customer,
            on,
            [rng.choices(products, weights=mix)[0] for _ in range(rng.randint(1, 8))],
            rng,
        )
        drafts.append(draft)
        planned += len(draft.lines)
    return drafts


def _sales_entry(
    master: MasterData,
    division: str,
    base: str,
    charges_vat: bool,
    customer: Party,
    on: date,
    products: list[Any],
    rng: random.Random,
) -> EntryDraft:
    currency = customer.currency
    rate = master.rates.rate(currency, base, on)
    given_rate = rate if currency != base else None
    lines: list[LineDraft] = []
    vat_total = Decimal(0)
    for product in products:
        quantity = rng.randint(*product.quantity)
        price = Decimal(rng.randint(*product.price_cents)) / 100
        amount = round_money(price * quantity / rate, 2)
        if customer.domestic_vat:
            vat_code: str | None = product.vat_code
        else:
            vat_code = "V0" if charges_vat else None
        vat_total += round_money(amount * VAT_RATES.get(vat_code or "V0", Decimal(0)), 2)
        lines.append(
            LineDraft(
                account=product.account,
                credit=amount,
                description=product.name,
                currency=currency,
                rate=given_rate,
                cost_centre="SALES",
                cost_unit=product.code,
                relation=customer.id,
                vat_code=vat_code,
            )
        )
    if vat_total:
        lines.append(
            LineDraft(
                account="1650",
                credit=vat_total,
                description="VAT",
                currency=currency,
                rate=given_rate,
                relation=customer.id,
            )
        )
    total = sum((Decimal(str(ln.credit)) for ln in lines), Decimal(0))
    # As the invoice service does: the receivable takes the exact base total of the other
    # lines, so rounding per line never unbalances the entry.
    base_total = sum((round_money(Decimal(str(ln.credit)) * rate, 2) for ln in lines), Decimal(0))
    lines.insert(
        0,
        LineDraft(
            account="1300",
            debit=total,
            description=f"Sales {customer.name}",
            currency=currency,
            relation=customer.id,
            amount_base=base_total,
        ),
    )
    return EntryDraft(
        division=division,
        journal=JOURNAL,
        entry_date=on,
        description=f"Sales {customer.name}",
        lines=lines,
        source_type="sales_invoice",
        allow_control_accounts=True,
    )


def plan_run(
    master: MasterData, lines: int, clerks: int, spread: bool
) -> list[tuple[str, list[EntryDraft]]]:
    """(clerk username, entries) per clerk; the lines split evenly between the clerks."""
    if spread:
        if clerks > len(SPREAD):
            raise ValueError(f"the spread variant has at most {len(SPREAD)} clerks")
        who = SPREAD[:clerks]
    else:
        who = [(name, SAME_DIVISION) for name in same_division_clerks(clerks)]
    share = -(-lines // clerks)
    return [
        (name, plan_entries(master, division, share, random.Random(f"42/posting/{n}")))
        for n, (name, division) in enumerate(who)
    ]


# --- posting through the services ---------------------------------------------------------


def _load_user(engine: Any, username: str) -> User:
    with session_scope(engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def post_as_clerk(
    url: str, username: str, drafts: list[EntryDraft], batch: int, done: Any = None
) -> None:
    """Post ``drafts`` as one clerk, ``batch`` entries per transaction."""
    engine = make_engine(url, **({"pool_size": 1} if url.startswith("postgresql") else {}))
    try:
        clerk = _load_user(engine, username)
        for start in range(0, len(drafts), batch):
            chunk = drafts[start : start + batch]
            with session_scope(engine) as session:
                post_entries(session=session, user=clerk, entries=chunk, action="post_invoice")
            if done is not None:
                with done.get_lock():
                    done.value += sum(len(d.lines) for d in chunk)
    finally:
        engine.dispose()


def _clerk_process(
    url: str,
    username: str,
    drafts: list[EntryDraft],
    batch: int,
    barrier: Any,
    done: Any,
    errors: Any,
) -> None:
    try:
        engine = make_engine(url)
        _load_user(engine, username)  # import and connect before the clock starts
        engine.dispose()
        barrier.wait()
        post_as_clerk(url, username, drafts, batch, done)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        errors.put(f"{username}: {type(exc).__name__}: {exc}")
        raise


def post_concurrently(
    url: str, plan: list[tuple[str, list[EntryDraft]]], batch: int, label: str
) -> float:
    """Each clerk in its own process; returns the wall time from start to the last commit."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(plan) + 1)
    done = ctx.Value("q", 0)
    errors = ctx.Queue()
    total = sum(len(d.lines) for _, drafts in plan for d in drafts)
    workers = [
        ctx.Process(target=_clerk_process, args=(url, name, drafts, batch, barrier, done, errors))
        for name, drafts in plan
    ]
    for w in workers:
        w.start()
    barrier.wait(timeout=300)
    started = time.perf_counter()
    with _progress(total, label) as tick:
        while any(w.is_alive() for w in workers):
            for w in workers:
                w.join(timeout=0.5)
            tick(done.value)
            if not errors.empty():
                break
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join(timeout=60)
        if w.is_alive():
            w.terminate()
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    if failures or any(w.exitcode for w in workers):
        raise RuntimeError("a clerk failed: " + "; ".join(failures or ["exit code"]))
    return elapsed


@contextmanager
def _progress(total: int, label: str) -> Iterator[Any]:
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dev dependency
        last = [time.monotonic()]

        def tick(n: int) -> None:
            if time.monotonic() - last[0] > 5:
                last[0] = time.monotonic()
                _say(f"  {label}: {n:,}/{total:,} lines")

        yield tick
        return
    bar = tqdm(
        total=total, desc=f"  {label}", unit="line", file=sys.stderr, leave=False, mininterval=1.0
    )

    def update(n: int) -> None:
        bar.update(n - bar.n)

    try:
        yield update
    finally:
        bar.close()


# --- verification -------------------------------------------------------------------------


def verify(url: str, *, posted_by_services: bool = True) -> dict[str, int]:
    """Counts of what was posted; raises if an entry is unbalanced or a number is missing."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            entries: int = conn.execute(text("select count(*) from journal_entry")).scalar_one()
            lines: int = conn.execute(text("select count(*) from journal_line")).scalar_one()
            unbalanced: int = conn.execute(
                text(
                    "select count(*) from (select entry_id from journal_line group by entry_id "
                    "having sum(amount_base) <> 0) u"
                )
            ).scalar_one()
            sizes = conn.execute(
                text(
                    "select min(n), max(n) from (select count(*) as n from journal_line "
                    "group by entry_id) s"
                )
            ).one()
            sequences = conn.execute(
                text(
                    "select e.journal_id, e.fiscal_year_id, count(*), count(distinct e.number), "
                    "min(e.number), max(e.number), max(s.last_number) from journal_entry e "
                    "left join document_sequence s on s.journal_id = e.journal_id "
                    "and s.fiscal_year_id = e.fiscal_year_id "
                    "group by e.journal_id, e.fiscal_year_id"
                )
            ).all()
            audited: dict[str, int] = dict(
                conn.execute(
                    text(
                        "select table_name, count(*) from audit_log "
                        "where table_name in ('journal_entry', 'journal_line') group by table_name"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    # The raw copy has no sequence counters: there only the numbers themselves are checked.
    gaps = [
        s
        for s in sequences
        if not (s[2] == s[3] == s[5] and s[4] == 1 and (s[6] == s[5] or not posted_by_services))
    ]
    problems = []
    if unbalanced:
        problems.append(f"{unbalanced} unbalanced entries")
    if gaps:
        problems.append(
            f"numbering not gap-free in (journal, year, count, distinct, min, max, "
            f"counter) {gaps[:5]}"
        )
    if (
        posted_by_services
        and entries
        and (audited.get("journal_entry") != entries or audited.get("journal_line") != entries)
    ):
        problems.append(f"audit rows {audited} for {entries} entries")
    if entries and not 2 <= sizes[0] <= sizes[1] <= 10:
        problems.append(f"entry sizes {sizes[0]}-{sizes[1]} lines")
    if problems:
        raise AssertionError(f"{url}: " + "; ".join(problems))
    return {
        "entries": entries,
        "lines": lines,
        "unbalanced": unbalanced,
        "sequences": len(sequences),
        "gaps": len(gaps),
        "audit_rows": sum(audited.values()),
    }


# --- the raw limit ------------------------------------------------------------------------


def raw_insert(backend: Backend, source: str, target: str) -> tuple[int, float]:
    """Insert ``source``'s entries and lines into ``target`` in one go; (lines, seconds)."""
    if backend.name == "sqlite":
        return _raw_sqlite(source, target)
    return _raw_postgresql(backend, source, target)


def _raw_sqlite(source: str, target: str) -> tuple[int, float]:
    with sqlite3.connect(source) as src:
        tables = {}
        for table in ("journal_entry", "journal_line"):
            cur = src.execute(f"select * from {table} order by id")  # noqa: S608
            tables[table] = ([c[0] for c in cur.description], cur.fetchall())
    src.close()
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        # As the application's engine sets them (journal_mode=WAL is stored in the file).
        conn.execute("pragma foreign_keys = on")
        conn.execute("pragma synchronous = normal")
        started = time.perf_counter()
        conn.execute("begin immediate")
        for table, (columns, rows) in tables.items():
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"insert into {table} ({', '.join(columns)}) values ({marks})",  # noqa: S608
                rows,
            )
        conn.execute("commit")
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return len(tables["journal_line"][1]), elapsed


def _raw_postgresql(backend: Backend, source: str, target: str) -> tuple[int, float]:
    # COPY's own text format both ways: no Python conversion of values in the timed part.
    data: dict[str, bytes] = {}
    with psycopg.connect(backend.url(source)) as src:
        for table in ("journal_entry", "journal_line"):
            buf = io.BytesIO()
            with src.cursor().copy(f"copy {table} to stdout") as copy:  # type: ignore[arg-type]
                for chunk in copy:
                    buf.write(chunk)
            data[table] = buf.getvalue()
    lines = data["journal_line"].count(b"\n")
    with psycopg.connect(backend.url(target)) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for table, payload in data.items():
                with cur.copy(f"copy {table} from stdin") as copy:  # type: ignore[arg-type]
                    copy.write(payload)
        conn.commit()
        elapsed = time.perf_counter() - started
    return lines, elapsed


# --- the runs -----------------------------------------------------------------------------


def run(
    lines: int,
    clerks: list[int],
    backends: list[str],
    pg_url: str = DEFAULT_PG_URL,
    *,
    variants: tuple[str, ...] = ("same", "spread"),
    batch: int = 1,
) -> list[dict]:
    """Time posting and the raw limit per backend and clerk count; returns the table rows.

    ``spread`` runs only for more than one clerk (one clerk is in one division anyway).
    """
    rows: list[dict] = []
    for name in backends:
        _say(f"{name}: setting up the master data")
        with backend_template(name, pg_url, max(clerks)) as (backend, master):
            backend_rows: list[dict] = []
            first_posted: str | None = None
            for n in clerks:
                for variant in variants:
                    if variant == "spread" and n == 1:
                        continue
                    plan = plan_run(master, lines, n, variant == "spread")
                    db = backend.copy(f"{variant}_{n}")
                    label = f"{name}, {n} clerk{'s' if n > 1 else ''}, {variant}"
                    seconds = post_concurrently(backend.url(db), plan, batch, label)
                    check = verify(backend.url(db))
                    _say(
                        f"  {label}: {check['entries']:,} entries, {check['lines']:,} lines in "
                        f"{seconds:.1f} s; unbalanced {check['unbalanced']}, "
                        f"{check['sequences']} number sequences with {check['gaps']} gaps, "
                        f"{check['audit_rows']:,} audit rows"
                    )
                    backend_rows.append(
                        {
                            "backend": name,
                            "clerks": n,
                            "variant": variant,
                            "batch": batch,
                            "entries": check["entries"],
                            "lines": check["lines"],
                            "seconds": seconds,
                            "lines_per_s": check["lines"] / seconds,
                            "entries_per_s": check["entries"] / seconds,
                        }
                    )
                    if first_posted is None:
                        first_posted = db
                    else:
                        backend.drop(db)
            raw_per_s = None
            if first_posted is not None:
                target = backend.copy("raw")
                raw_lines, raw_seconds = raw_insert(backend, first_posted, target)
                raw_check = verify(backend.url(target), posted_by_services=False)
                raw_per_s = raw_lines / raw_seconds
                _say(
                    f"  {name}, raw insert: {raw_check['entries']:,} entries, "
                    f"{raw_check['lines']:,} lines in {raw_seconds:.2f} s"
                )
                backend.drop(target)
                backend.drop(first_posted)
            for row in backend_rows:
                row["raw_lines_per_s"] = raw_per_s
                row["ratio"] = row["lines_per_s"] / raw_per_s if raw_per_s else None
            rows += backend_rows
    return rows


def markdown(rows: list[dict]) -> str:
    head = (
        "| backend | clerks | journal | batch | entries | lines | seconds | lines/s | "
        "entries/s | raw lines/s | ratio |"
    )
    out = [head, "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        where = f"{SAME_DIVISION} {JOURNAL}" if r["variant"] == "same" else "spread"
        raw = f"{r['raw_lines_per_s']:,.0f}" if r["raw_lines_per_s"] else "-"
        ratio = f"{r['ratio']:.3f}" if r["ratio"] else "-"
        out.append(
            f"| {r['backend']} | {r['clerks']} | {where} | {r['batch']} | {r['entries']:,} | "
            f"{r['lines']:,} | {r['seconds']:.1f} | {r['lines_per_s']:,.0f} | "
            f"{r['entries_per_s']:,.0f} | {raw} | {ratio} |"
        )
    return "\n".join(out)


def profile_one_clerk(backend_name: str, lines: int, batch: int, pg_url: str, top: int) -> None:
    """cProfile of one clerk posting in this process (where the time goes)."""
    with backend_template(backend_name, pg_url, 1) as (backend, master):
        plan = plan_run(master, lines, 1, spread=False)
        db = backend.copy("profile")
        username, drafts = plan[0]
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(post_as_clerk, backend.url(db), username, drafts, batch)
        elapsed = time.perf_counter() - started
        check = verify(backend.url(db))
        backend.drop(db)
    print(
        f"{backend_name}, 1 clerk, batch {batch}: {check['lines']:,} lines in {elapsed:.1f} s "
        f"under cProfile ({check['lines'] / elapsed:,.0f} lines/s)\n"
    )
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(top)
        print(stream.getvalue())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lines", type=int, default=20_000, help="journal lines to post per run (default 20000)"
    )
    parser.add_argument(
        "--clerks", default="1,8", help="comma-separated clerk counts, one run each (default 1,8)"
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="a PostgreSQL maintenance database; bench databases are created "
        "and dropped next to it",
    )
    parser.add_argument(
        "--variants",
        default="same,spread",
        help="same: every clerk in NL01's sales journal; spread: each demo "
        "clerk in its own division (clerk counts > 1 only)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="entries per transaction (default 1: a clerk saving a form)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead: cProfile one clerk posting --lines on the first backend",
    )
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    args = parser.parse_args(argv)
    # A stopped run still drops its PostgreSQL databases and temporary files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.profile:
        profile_one_clerk(backends[0], args.lines, args.batch, args.pg_url, args.top)
        return
    clerks = [int(c) for c in args.clerks.split(",") if c.strip()]
    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    rows = run(args.lines, clerks, backends, args.pg_url, variants=variants, batch=args.batch)
    print(
        f"\nposting {args.lines:,} lines per run; {os.cpu_count()} cores; "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    print(markdown(rows))


if __name__ == "__main__":
    main()
