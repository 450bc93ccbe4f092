"""Work centres: where operations run, at which labour and machine rates per hour, how
efficiently (100 = the routing's times hold; 80 = they take 1/0.8 as long), and how many
hours a week they have.

Right ``manage_items``; audited by the session listener; bad input writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.inputs import managed_division, money, quantity
from transactional.manufacturing.models import WorkCentre
from transactional.organisation.coded_records import find_open_record, require_code_free
from transactional.organisation.models import Division, User

LABEL = "Work centre"


def find_work_centre(
    session: Session,
    division: Division,
    ref: int | str,
    *,
    field: str = "work_centre",
    open_only: bool = True,
) -> WorkCentre:
    """The work centre ``ref`` (id or code) of the division; a closed one is refused
    unless ``open_only`` is False."""
    if open_only:
        return find_open_record(session, WorkCentre, division, ref, label=LABEL, field=field)
    stmt = select(WorkCentre).where(WorkCentre.division_id == division.id)
    stmt = stmt.where(
        WorkCentre.id == ref if isinstance(ref, int) else WorkCentre.code == str(ref).strip()
    )
    found = session.exec(stmt).first()
    if found is None:
        raise ValidationError(
            N_("{label} {ref} does not exist in division {division}."),
            field=field,
            label=LABEL,
            ref=ref,
            division=division.code,
        )
    return found


def create_work_centre(
    *,
    session: Session,
    user: User,
    division: str | int,
    code: str,
    name: str,
    labour_rate: Decimal | str | int = 0,
    machine_rate: Decimal | str | int = 0,
    efficiency_pct: Decimal | str | int = 100,
    hours_per_week: Decimal | str | int = 40,
) -> WorkCentre:
    lookups, div = managed_division(session=session, user=user, division=division)
    code = _code(code)
    name = _name(name)
    values = _values(lookups, div, labour_rate, machine_rate, efficiency_pct, hours_per_week)
    require_code_free(session, WorkCentre, div, code, label=LABEL)
    centre = WorkCentre(division_id=div.id or 0, code=code, name=name)
    for key, value in values.items():
        setattr(centre, key, value)
    session.add(centre)
    session.flush()
    return centre


def update_work_centre(
    *,
    session: Session,
    user: User,
    division: str | int,
    work_centre: str | int,
    name: str | None = None,
    labour_rate: Decimal | str | int | None = None,
    machine_rate: Decimal | str | int | None = None,
    efficiency_pct: Decimal | str | int | None = None,
    hours_per_week: Decimal | str | int | None = None,
    is_active: bool | None = None,
) -> WorkCentre:
    """Change what is given (None keeps the value). The new rates count from the next
    cost calculation and order release; released orders keep the rates they copied."""
    lookups, div = managed_division(session=session, user=user, division=division)
    centre = find_work_centre(session, div, work_centre, open_only=False)
    values = _values(
        lookups,
        div,
        centre.labour_rate if labour_rate is None else labour_rate,
        centre.machine_rate if machine_rate is None else machine_rate,
        centre.efficiency_pct if efficiency_pct is None else efficiency_pct,
        centre.hours_per_week if hours_per_week is None else hours_per_week,
    )
    if name is not None:
        centre.name = _name(name)
    for key, value in values.items():
        setattr(centre, key, value)
    if is_active is not None:
        centre.is_active = bool(is_active)
    session.add(centre)
    session.flush()
    return centre


def _code(value: object) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 20:
        raise ValidationError(
            N_("Work centre code is required (at most 20 characters)."), field="code"
        )
    return text


def _name(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(N_("Name is required."), field="name")
    return text


def _values(
    lookups: Lookups,
    div: Division,
    labour_rate: object,
    machine_rate: object,
    efficiency_pct: object,
    hours_per_week: object,
) -> dict[str, Decimal]:
    return {
        "labour_rate": money(labour_rate, lookups, div, field="labour_rate", label="Labour rate"),
        "machine_rate": money(
            machine_rate, lookups, div, field="machine_rate", label="Machine rate"
        ),
        "efficiency_pct": quantity(
            efficiency_pct, field="efficiency_pct", label="Efficiency", above_zero=True
        ),
        "hours_per_week": quantity(hours_per_week, field="hours_per_week", label="Hours per week"),
    }
