"""A division's records known by code, the one way every service treats them: a new
code must be free in the division (journals, relations, salespeople, items, groups,
warehouses), and a record is found by id or code, a closed one refused on new documents
(``ClosableDivisionCoded``: salespeople, warehouses).
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel, select

from transactional.errors import N_, ValidationError
from transactional.organisation.models import ClosableDivisionCoded, Division

_Record = TypeVar("_Record", bound=ClosableDivisionCoded)


def require_code_free(
    session: Session, model: type[SQLModel], division: Division, code: str, *, label: str
) -> None:
    """Refuse ``code`` when the division already has a ``model`` record with it (a
    table with division_id and code columns)."""
    columns = model.__table__.c  # type: ignore[attr-defined]  # table models only
    taken = session.exec(
        select(model).where(columns.division_id == division.id, columns.code == code)
    ).first()
    if taken:
        raise ValidationError(
            N_("{label} {code} already exists in {division}."),
            field="code",
            label=label,
            code=code,
            division=division.code,
        )


def find_open_record(
    session: Session,
    model: type[_Record],
    division: Division,
    ref: int | str,
    *,
    label: str,
    says_closed: bool = False,
    field: str,
) -> _Record:
    """The record ``ref`` (id, or code with surrounding spaces ignored) of ``division``;
    an inactive one is refused as "closed" (warehouses) or "no longer active" (people)."""
    stmt = select(model).where(model.division_id == division.id)
    stmt = stmt.where(model.id == ref if isinstance(ref, int) else model.code == str(ref).strip())
    found = session.exec(stmt).first()
    if found is None:
        raise ValidationError(
            N_("{label} {ref} does not exist in division {division}."),
            field=field,
            label=label,
            ref=ref,
            division=division.code,
        )
    if not found.is_active:
        raise ValidationError(
            N_("{label} {code} is closed.")
            if says_closed
            else N_("{label} {code} is no longer active."),
            field=field,
            label=label,
            code=found.code,
        )
    return found
