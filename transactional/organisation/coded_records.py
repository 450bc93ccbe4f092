"""Finding a division's coded records (``ClosableDivisionCoded``: salespeople, warehouses)
the one way every service does: by id or by code, refusing a closed one on new documents.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, select

from transactional.errors import ValidationError
from transactional.organisation.models import ClosableDivisionCoded, Division

_Record = TypeVar("_Record", bound=ClosableDivisionCoded)


def find_open_record(
    session: Session,
    model: type[_Record],
    division: Division,
    ref: int | str,
    *,
    label: str,
    closed: str,
    field: str,
) -> _Record:
    """The record ``ref`` (id, or code with surrounding spaces ignored) of ``division``;
    ``closed`` completes "<label> <code> ..." when it is no longer active."""
    stmt = select(model).where(model.division_id == division.id)
    stmt = stmt.where(model.id == ref if isinstance(ref, int) else model.code == str(ref).strip())
    found = session.exec(stmt).first()
    if found is None:
        raise ValidationError(
            f"{label} {ref} does not exist in division {division.code}.", field=field
        )
    if not found.is_active:
        raise ValidationError(f"{label} {found.code} {closed}.", field=field)
    return found
