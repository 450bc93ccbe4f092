"""Cost scenarios: named ways to calculate cost prices (docs/manufacturing.md §2) — which
price a bought component counts at, and the surcharges. At most one scenario per division
is its default: production orders take their overhead surcharges from it at release.

Right ``manage_items``; audited by the session listener; bad input writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.errors import N_, ValidationError
from transactional.manufacturing.inputs import managed_division, quantity
from transactional.manufacturing.models import PRICE_BASES, CostScenario
from transactional.organisation.coded_records import find_open_record, require_code_free
from transactional.organisation.models import Division, User

LABEL = "Cost scenario"


def find_cost_scenario(
    session: Session, division: Division, ref: int | str, *, field: str = "scenario"
) -> CostScenario:
    """The scenario ``ref`` (id or code) of the division; a closed one is refused."""
    return find_open_record(session, CostScenario, division, ref, label=LABEL, field=field)


def default_cost_scenario(session: Session, division_id: int) -> CostScenario | None:
    """The division's default scenario (its surcharges measure production orders)."""
    return session.exec(
        select(CostScenario).where(
            CostScenario.division_id == division_id,
            col(CostScenario.is_default).is_(True),
            col(CostScenario.is_active).is_(True),
        )
    ).first()


def create_cost_scenario(
    *,
    session: Session,
    user: User,
    division: str | int,
    code: str,
    name: str,
    price_basis: str = "latest_purchase",
    with_surcharges: bool = True,
    material_surcharge_pct: Decimal | str | int = 0,
    conversion_surcharge_pct: Decimal | str | int = 0,
    is_default: bool = False,
) -> CostScenario:
    """Add a scenario; ``is_default`` takes the default from the division's other one."""
    _, div = managed_division(session=session, user=user, division=division)
    code = str(code or "").strip()
    if not code or len(code) > 20:
        raise ValidationError(
            N_("Cost scenario code is required (at most 20 characters)."), field="code"
        )
    name = str(name or "").strip()
    if not name:
        raise ValidationError(N_("Name is required."), field="name")
    basis, material, conversion = _checked(
        price_basis, material_surcharge_pct, conversion_surcharge_pct
    )
    require_code_free(session, CostScenario, div, code, label=LABEL)
    if is_default:
        _take_default(session, div)
    scenario = CostScenario(
        division_id=div.id or 0,
        code=code,
        name=name,
        price_basis=basis,
        with_surcharges=bool(with_surcharges),
        material_surcharge_pct=material,
        conversion_surcharge_pct=conversion,
        is_default=bool(is_default),
    )
    session.add(scenario)
    session.flush()
    return scenario


def update_cost_scenario(
    *,
    session: Session,
    user: User,
    division: str | int,
    scenario: str | int,
    name: str | None = None,
    price_basis: str | None = None,
    with_surcharges: bool | None = None,
    material_surcharge_pct: Decimal | str | int | None = None,
    conversion_surcharge_pct: Decimal | str | int | None = None,
    is_default: bool | None = None,
) -> CostScenario:
    """Change what is given (None keeps it); ``is_default=True`` takes the default from
    the division's other scenario."""
    _, div = managed_division(session=session, user=user, division=division)
    target = find_cost_scenario(session, div, scenario)
    basis, material, conversion = _checked(
        target.price_basis if price_basis is None else price_basis,
        target.material_surcharge_pct if material_surcharge_pct is None else material_surcharge_pct,
        target.conversion_surcharge_pct
        if conversion_surcharge_pct is None
        else conversion_surcharge_pct,
    )
    if name is not None:
        if not name.strip():
            raise ValidationError(N_("Name is required."), field="name")
        target.name = name.strip()
    if is_default and not target.is_default:
        _take_default(session, div)
    if is_default is not None:
        target.is_default = bool(is_default)
    if with_surcharges is not None:
        target.with_surcharges = bool(with_surcharges)
    target.price_basis = basis
    target.material_surcharge_pct = material
    target.conversion_surcharge_pct = conversion
    session.add(target)
    session.flush()
    return target


def _checked(basis: object, material: object, conversion: object) -> tuple[str, Decimal, Decimal]:
    text = str(basis or "").strip()
    if text not in PRICE_BASES:
        raise ValidationError(
            N_("Price basis must be one of {price_bases}."),
            field="price_basis",
            price_bases=", ".join(PRICE_BASES),
        )
    # Surcharges may exceed 100 % (overhead can be larger than the material it rides on).
    return (
        text,
        quantity(material, field="material_surcharge_pct", label="Material surcharge"),
        quantity(conversion, field="conversion_surcharge_pct", label="Conversion surcharge"),
    )


def _take_default(session: Session, div: Division) -> None:
    for other in session.exec(
        select(CostScenario).where(
            CostScenario.division_id == div.id, col(CostScenario.is_default).is_(True)
        )
    ).all():
        other.is_default = False
        session.add(other)
    session.flush()
