"""Writing checked journal entries: numbers, entry and line rows, their audit rows.

Entries get their gap-free numbers (transactional.numbering) in the statement that also
checks the master-data token of a fast-path posting; then entries, lines and audit rows
go in as Core statements on the session's connection (one statement on PostgreSQL).
Once in, they are immutable (transactional.finance.posted_records and the database).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from transactional import audit, numbering
from transactional.finance import posted_records  # noqa: F401  (registers the guard)
from transactional.finance.entry_checks import CheckedEntry
from transactional.finance.models import JournalEntry, JournalLine
from transactional.organisation.models import User


def write_entries(
    *,
    session: Session,
    user: User,
    checked: list[CheckedEntry],
    before_lines: Callable[[list[JournalEntry]], None] | None = None,
    token: str | None = None,
) -> list[JournalEntry]:
    """Number and insert the entries, then their lines (after ``before_lines`` ran).

    ``before_lines`` lets the invoice service create its invoices once the entries have
    numbers, and tag the control lines with the invoice id: lines are immutable once in.

    ``token``: the master-data token the entries were checked against when it was not read
    in this transaction (``post_entries``' fast path). It is compared in the statement
    that takes the numbers; when it differs, ``numbering.StaleMasterData`` is raised and
    nothing has been numbered or written.
    """
    # Whatever the caller left pending goes in first, as a flush here always did.
    session.flush()
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    numbers, ids = numbering.allocate_entry_numbers(
        session,
        [(p.journal_id, p.fiscal_year_id) for p in checked],
        token=token,
        entry_ids=postgres,
    )
    now = datetime.now(UTC)
    entries: list[JournalEntry] = []
    for i, (p, number) in enumerate(zip(checked, numbers, strict=True)):
        entries.append(
            JournalEntry(
                id=ids[i] if ids else None,
                division_id=p.division_id,
                journal_id=p.journal_id,
                fiscal_year_id=p.fiscal_year_id,
                period_id=p.period_id,
                number=number,
                document_number=numbering.entry_document_number(
                    p.journal_code, p.fiscal_year, number
                ),
                entry_date=p.entry_date,
                description=p.draft.description,
                source_type=p.draft.source_type,
                source_id=p.draft.source_id,
                reverses_entry_id=p.draft.reverses_entry_id,
                created_by=user.id or 0,
                created_at=now,
            )
        )
    # Entries, lines and their audit rows go in as Core statements on the session's
    # connection: the ORM's unit of work and bulk path cost more than the database does
    # for a one-entry posting. The entries are then attached to the session as loaded
    # objects, so callers use them (ids, numbers) as after a flush.
    #
    # PostgreSQL: the entry ids came with the numbers (``nextval`` of the id sequence), so
    # entries, lines and audit rows go in with one statement (``_insert_rows``): one round
    # trip instead of three. SQLite: ids from INSERT ... RETURNING, then executemany.
    pending: list[tuple[Any, list[dict[str, Any]]]] = []
    if ids is None:
        columns = [c.key for c in _ENTRY_COLUMNS if c.key != "id"]
        new_ids: list[int] = list(
            conn.execute(_ENTRY_INSERT, [{c: getattr(e, c) for c in columns} for e in entries])
            .scalars()
            .all()
        )
        for e, entry_id in zip(entries, new_ids, strict=True):
            e.id = entry_id
        _attach(session, entries)
    else:
        pending.append(
            (
                JournalEntry.__table__,  # type: ignore[attr-defined]
                [{c.key: getattr(e, c.key) for c in _ENTRY_COLUMNS} for e in entries],
            )
        )
    entry_audit = [
        audit.row_for(
            session,
            table="journal_entry",
            key=str(e.id),
            action="insert",
            new={c.key: getattr(e, c.key) for c in _ENTRY_COLUMNS},
        )
        for e in entries
    ]
    if before_lines is not None:
        _insert_rows(conn, [*pending, (_AUDIT_TABLE, entry_audit)])
        if pending:
            _attach(session, entries)
        pending, entry_audit = [], []
        before_lines(entries)
    line_rows: list[dict[str, Any]] = []
    for p, e in zip(checked, entries, strict=True):
        for row in p.lines:
            row["entry_id"] = e.id
            line_rows.append(row)
    # Lines are audited as part of their entry: one audit row per entry's lines.
    line_audit = [
        audit.row_for(session, table="journal_line", key=str(e.id), action="insert", new=p.lines)
        for p, e in zip(checked, entries, strict=True)
    ]
    _insert_rows(
        conn,
        [
            *pending,
            (JournalLine.__table__, line_rows),  # type: ignore[attr-defined]
            (_AUDIT_TABLE, entry_audit + line_audit),
        ],
    )
    if pending:
        _attach(session, entries)
    return entries


def _attach(session: Session, entries: list[JournalEntry]) -> None:
    for e in entries:
        make_transient_to_detached(e)
        session.add(e)


_ENTRY_COLUMNS = list(JournalEntry.__table__.columns)  # type: ignore[attr-defined]
_ENTRY_INSERT = insert(JournalEntry.__table__).returning(  # type: ignore[attr-defined]
    JournalEntry.__table__.c.id,  # type: ignore[attr-defined]
    sort_by_parameter_order=True,
)
_AUDIT_TABLE = audit.AuditLog.__table__  # type: ignore[attr-defined]


def _insert_rows(conn: Connection, groups: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    """Insert the rows of each (table, rows) in order.

    On PostgreSQL as one statement: per table an ``INSERT ... SELECT * FROM unnest(...)``
    with one array parameter per column (rows keep their order), the earlier tables as
    data-modifying CTEs of the last (foreign keys are checked at the end of the
    statement, so lines may reference the entries inserted next to them). One round trip
    instead of one per table, and the statement's text depends only on the tables and
    columns, not on the number of rows: psycopg caches its parsing and the server
    prepares it once per connection. Elsewhere, one executemany per table.
    """
    groups = [(table, rows) for table, rows in groups if rows]
    if not groups:
        return
    if conn.dialect.name != "postgresql":
        for table, rows in groups:
            conn.execute(insert(table), rows)
        return
    shape = tuple((table, tuple(rows[0])) for table, rows in groups)
    sql = _UNNEST_SQL.get(shape)
    if sql is None:
        sql = _UNNEST_SQL[shape] = _unnest_sql(conn, shape)
    params = [
        [row[n] for row in rows]
        for (_, rows), (_, names) in zip(groups, shape, strict=True)
        for n in names
    ]
    conn.exec_driver_sql(sql, tuple(params))


_UNNEST_SQL: dict[tuple[tuple[Any, tuple[str, ...]], ...], str] = {}


def _unnest_sql(conn: Connection, shape: tuple[tuple[Any, tuple[str, ...]], ...]) -> str:
    parts = []
    for table, names in shape:
        arrays = ", ".join(f"%b::{table.c[n].type.compile(dialect=conn.dialect)}[]" for n in names)
        parts.append(
            f'INSERT INTO "{table.name}" ('
            + ", ".join(f'"{n}"' for n in names)
            + f") SELECT * FROM unnest({arrays})"
        )
    *ctes, last = parts
    head = "WITH " + ", ".join(f"w{i} AS ({s})" for i, s in enumerate(ctes)) + " " if ctes else ""
    return head + last
