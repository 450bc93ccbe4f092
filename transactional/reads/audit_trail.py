"""The audit trail and the sign-in log as the audit page reads them: filtered and limited
in SQL, newest first, read-only.

A user scoped to some divisions sees only the audit rows of records in those divisions.
Most records carry their ``division_id`` in the row's JSON (an entry's lines as a list
of lines, each with it); an update holds only the changed columns, so its division is
the one its record was inserted with. A row whose division cannot be found this way
(users, shared accounts, currencies, invoice lines) is left out for a scoped user.
The JSON is read by the database (``JSON_EXTRACT`` on SQLite, ``jsonb`` on PostgreSQL),
so the filter, the count and the limit all stay in SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, ColumnElement, and_, cast, func, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from transactional.audit import AuditLog
from transactional.organisation.models import SignInEvent, User, UserDivision
from transactional.reads.master_data import _reading

# The tables an entry's audit rows are kept under, both keyed by the entry's id (the
# lines are audited as one row per entry: transactional.finance.entry_writing).
ENTRY_TABLES = ("journal_entry", "journal_line")


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for; None leaves a filter out."""

    user_id: int | None = None
    table_name: str | None = None
    record_key: str | None = None
    date_from: date | None = None  # UTC days, both ends included
    date_to: date | None = None
    # The divisions whose records may be shown; None: every row (the whole group).
    divisions: frozenset[int] | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    changed_at: datetime  # UTC
    username: str
    table_name: str
    record_key: str
    action: str  # insert | update | delete
    old_value: Any  # the parsed JSON (a dict, a list of dicts for an entry's lines) or None
    new_value: Any


@dataclass(frozen=True)
class SignInRow:
    id: int
    occurred_at: datetime  # UTC
    username: str  # as typed: the user may not exist
    outcome: str
    method: str


T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """The newest ``limit`` rows and how many match in all."""

    rows: list[T]
    total: int


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _period(column: Any, date_from: date | None, date_to: date | None) -> list[Any]:
    conditions = []
    if date_from is not None:
        conditions.append(column >= _day_start(date_from))
    if date_to is not None:
        conditions.append(column < _day_start(date_to + timedelta(days=1)))
    return conditions


def _division_in(session: Session, value: Any) -> ColumnElement[Any]:
    """The ``division_id`` a JSON text holds: the record's own, or its first line's."""
    if session.get_bind().dialect.name == "postgresql":
        doc: Any = cast(value, JSONB)
    else:
        # SQLite's JSON functions read the text as it is (a CAST to JSON would make it 0).
        doc = type_coerce(value, JSON)
    return func.coalesce(doc["division_id"].as_integer(), doc[(0, "division_id")].as_integer())


def _division_of_row(session: Session) -> ColumnElement[Any]:
    """The division of an audit row's record, or NULL when it cannot be told."""
    inserted = aliased(AuditLog)
    at_insert = (
        select(_division_in(session, inserted.new_value))
        .where(
            inserted.table_name == AuditLog.table_name,
            inserted.record_key == AuditLog.record_key,
            inserted.action == "insert",
        )
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(
        _division_in(session, AuditLog.new_value),
        _division_in(session, AuditLog.old_value),
        at_insert,
    )


def _audit_conditions(session: Session, filters: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if filters.user_id is not None:
        conditions.append(AuditLog.user_id == filters.user_id)
    if filters.table_name:
        conditions.append(AuditLog.table_name == filters.table_name)
    if filters.record_key:
        conditions.append(AuditLog.record_key == filters.record_key.strip())
    conditions.extend(_period(AuditLog.changed_at, filters.date_from, filters.date_to))
    if filters.divisions is not None:
        # An empty scope sees nothing; IN () is not valid SQL everywhere.
        ids = sorted(filters.divisions) or [-1]
        conditions.append(_division_of_row(session).in_(ids))
    return conditions


def _parsed(value: str | None) -> Any:
    return json.loads(value) if value is not None else None


def audit_rows(filters: AuditFilter, *, limit: int = 500) -> Found[AuditRow]:
    """The newest ``limit`` audit rows matching ``filters``, and how many match."""
    with _reading() as session:
        conditions = _audit_conditions(session, filters)
        total = session.exec(
            select(func.count()).select_from(AuditLog).where(and_(True, *conditions))
        ).one()
        found = session.exec(
            select(AuditLog, User.username)
            .join(User, col(User.id) == AuditLog.user_id)
            .where(and_(True, *conditions))
            .order_by(col(AuditLog.changed_at).desc(), col(AuditLog.id).desc())
            .limit(limit)
        ).all()
        rows = [
            AuditRow(
                id=log.id or 0,
                changed_at=_utc(log.changed_at),
                username=username,
                table_name=log.table_name,
                record_key=log.record_key,
                action=log.action,
                old_value=_parsed(log.old_value),
                new_value=_parsed(log.new_value),
            )
            for log, username in found
        ]
        return Found(rows, int(total))


def entry_audit(entry_id: int, *, divisions: frozenset[int] | None = None) -> list[AuditRow]:
    """Every audit row of journal entry ``entry_id`` and of its lines, oldest first (an
    entry is never changed after posting: its insert, then any reversal's marks)."""
    found: list[AuditRow] = []
    for table in ENTRY_TABLES:
        found.extend(
            audit_rows(
                AuditFilter(table_name=table, record_key=str(entry_id), divisions=divisions),
                limit=1000,
            ).rows
        )
    return sorted(found, key=lambda r: (r.changed_at, r.id))


def audited_tables() -> list[str]:
    """The tables the audit log holds rows of, by name."""
    with _reading() as session:
        return list(
            session.exec(
                select(AuditLog.table_name).distinct().order_by(col(AuditLog.table_name))
            ).all()
        )


def users() -> dict[int, str]:
    """Every user's id and user name, by user name (the filters' choices)."""
    with _reading() as session:
        found = session.exec(select(User.id, User.username).order_by(col(User.username)))
        return {user_id: username for user_id, username in found if user_id is not None}


def sign_in_events(
    *,
    user_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    divisions: frozenset[int] | None = None,
    limit: int = 500,
) -> Found[SignInRow]:
    """The newest ``limit`` sign-in log rows (sign-ins, failures, lockouts, sign-outs) of
    ``user_id`` (all users when None) in the period, and how many match.

    A user scoped to ``divisions`` sees the events of the users who share one of those
    divisions (themself included), not those of admins or of names typed that belong to
    no user.
    """
    with _reading() as session:
        conditions: list[Any] = _period(SignInEvent.occurred_at, date_from, date_to)
        if user_id is not None:
            conditions.append(SignInEvent.user_id == user_id)
        if divisions is not None:
            sharing = select(UserDivision.user_id).where(
                col(UserDivision.division_id).in_(sorted(divisions) or [-1])
            )
            conditions.append(col(SignInEvent.user_id).in_(sharing))
        total = session.exec(
            select(func.count()).select_from(SignInEvent).where(and_(True, *conditions))
        ).one()
        found = session.exec(
            select(SignInEvent)
            .where(and_(True, *conditions))
            .order_by(col(SignInEvent.occurred_at).desc(), col(SignInEvent.id).desc())
            .limit(limit)
        ).all()
        return Found(
            [
                SignInRow(
                    id=e.id or 0,
                    occurred_at=_utc(e.occurred_at),
                    username=e.username,
                    outcome=e.outcome,
                    method=e.method,
                )
                for e in found
            ],
            int(total),
        )


__all__ = [
    "ENTRY_TABLES",
    "AuditFilter",
    "AuditRow",
    "Found",
    "SignInRow",
    "audit_rows",
    "audited_tables",
    "entry_audit",
    "sign_in_events",
    "users",
]
