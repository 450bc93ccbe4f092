"""The audit log: who changed what, when, from which value to which.

A session listener writes one row per inserted, updated or deleted record, inside the
same transaction as the change, so a change and its audit row commit or roll back
together. A flush without an acting user is refused: every change records one.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, event, insert, inspect
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

ACTOR_KEY = "erp_actor_id"
# Columns whose values never reach the log (the audit page shows it): only that they were
# set or changed.
SECRET_COLUMNS = frozenset({"password_hash"})
SECRET_MARK = "(set)"


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    changed_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    table_name: str = Field(max_length=60, index=True)
    record_key: str = Field(max_length=60)
    action: str = Field(max_length=10)  # insert | update | delete
    old_value: str | None = None
    new_value: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _columns(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {c.key: _jsonable(getattr(obj, c.key)) for c in mapper.column_attrs}


def _table(obj: Any) -> str:
    return str(obj.__tablename__)


def _key(obj: Any) -> str:
    # The identity key is only assigned after the flush; the primary key values are set.
    values = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in values)


def set_actor(session: Session, user_id: int) -> None:
    """Name the user whose changes the session's next flushes record."""
    session.info[ACTOR_KEY] = user_id


def row_for(
    session: Session, *, table: str, key: str, action: str, new: Any = None, old: Any = None
) -> dict[str, Any]:
    """An audit row for a change made outside the ORM (bulk line inserts)."""
    return _row(session, table, key, action, old, new)


def _row(session: Session, table: str, key: str, action: str, old: Any, new: Any) -> dict:
    actor = session.info.get(ACTOR_KEY)
    if actor is None:
        from transactional.errors import N_, PermissionDenied

        raise PermissionDenied(N_("Every change needs an acting user; none was given."))
    return {
        "user_id": actor,
        "changed_at": datetime.now(UTC),
        "table_name": table,
        "record_key": key,
        "action": action,
        "old_value": json.dumps(_redacted(old), default=_jsonable) if old is not None else None,
        "new_value": json.dumps(_redacted(new), default=_jsonable) if new is not None else None,
    }


def _redacted(values: Any) -> Any:
    if not isinstance(values, dict):
        return values
    return {
        k: SECRET_MARK if k in SECRET_COLUMNS and v is not None else v for k, v in values.items()
    }


def insert_audited(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``table`` (a model's Table with an ``id`` key) with one
    executemany, and one audit row per record, as the flush listener writes them (every
    column, the id included), with a second executemany; returns the new ids in order.

    For services that write many records of a kind: the ORM's unit of work and the
    listener cost far more per record than the database does.
    """
    if not rows:
        return []
    conn = session.connection()
    ids: list[int] = list(conn.execute(_returning_id(table), rows).scalars().all())
    names = [c.key for c in table.columns]
    audit_rows = []
    for row, new_id in zip(rows, ids, strict=True):
        values = {name: _jsonable(row.get(name)) for name in names}
        values["id"] = new_id
        audit_rows.append(_row(session, table.name, str(new_id), "insert", None, values))
    conn.execute(insert(AuditLog), audit_rows)
    return ids


_RETURNING: dict[Any, Any] = {}


def _returning_id(table: Any) -> Any:
    stmt = _RETURNING.get(table)
    if stmt is None:
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        _RETURNING[table] = stmt
    return stmt


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context: Any) -> None:
    rows: list[dict] = []
    for obj in session.new:
        if isinstance(obj, AuditLog) or not isinstance(obj, SQLModel):
            continue
        rows.append(_row(session, _table(obj), _key(obj), "insert", None, _columns(obj)))
    for obj in session.dirty:
        if not isinstance(obj, SQLModel) or not session.is_modified(obj):
            continue
        state = inspect(obj)
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if hist.has_changes():
                old[attr.key] = _jsonable(hist.deleted[0]) if hist.deleted else None
                new[attr.key] = _jsonable(hist.added[0]) if hist.added else None
        if new:
            rows.append(_row(session, _table(obj), _key(obj), "update", old, new))
    for obj in session.deleted:
        if isinstance(obj, SQLModel):
            rows.append(_row(session, _table(obj), _key(obj), "delete", _columns(obj), None))
    if rows:
        session.connection().execute(insert(AuditLog), rows)
