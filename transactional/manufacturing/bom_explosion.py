"""Bills of materials read for use: the one place that says which version of an item's
BOM holds on a date, and what one unit of a parent takes, one level down, with phantoms
replaced by their components and operations (docs/manufacturing.md §1).

Cost roll-up, production orders and MRP all read BOMs through these functions, so a
version, a phantom or a scrap percentage means the same everywhere:

- ``bom_for(session, item_id, on, version=None)``: the version valid on ``on`` (the
  default one if it is valid then, else the valid one with the latest ``valid_from``;
  ``valid_to`` is the last valid day), or the named version whatever its dates.
- ``explode(session, bom, on)``: ``ComponentNeed`` and ``OperationNeed`` rows per ONE
  unit of the BOM's item.
- ``low_level_codes(session, division_id)``: per item, the deepest level it is used at
  (0: used in no BOM), over every version: an item is planned after every item that uses it.
- ``supplies(session, division_id)``: per item, buy / make / phantom (no planning row:
  buy).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, or_, select

from transactional.errors import N_, ValidationError
from transactional.manufacturing.models import BillOfMaterials, BomLine, BomOperation, ItemPlanning
from transactional.wholesale.models import Item

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ComponentNeed:
    """What one unit of the parent takes of ``item_id``: ``quantity_per_unit`` includes
    the line's scrap (quantity / batch x (1 + scrap/100), and for a component reached
    through a phantom also the phantom's quantity per parent unit with its scrap).
    ``scrap_pct`` is the BOM line's own percentage; ``via_phantom`` the item id of the
    phantom on the parent's BOM it came through (None: a line of the parent's BOM)."""

    item_id: int
    quantity_per_unit: Decimal
    scrap_pct: Decimal
    via_phantom: int | None = None
    bom_line_id: int | None = None


@dataclass(frozen=True)
class OperationNeed:
    """A routing step for the parent. Hours are before the work centre's efficiency.

    ``setup_hours`` is the step's setup as the BOM gives it (per batch: what one order
    takes once); ``setup_hours_per_unit`` spreads it over the batch (setup / batch, times
    the phantom's quantity per parent unit), ``run_hours_per_unit`` the run time per unit
    of the parent, ``outsourced_price_per_unit`` the outsourced price per unit of the
    parent. A phantom's steps are numbered after the parent's own (sequence + the highest
    sequence before them), so sequences stay unique on an order."""

    sequence: int
    description: str
    work_centre_id: int | None
    setup_hours: Decimal
    setup_hours_per_unit: Decimal
    run_hours_per_unit: Decimal
    supplier_id: int | None
    outsourced_price_per_unit: Decimal
    via_phantom: int | None = None
    bom_operation_id: int | None = None


def is_valid_on(bom: BillOfMaterials, on: date) -> bool:
    return bom.valid_from <= on and (bom.valid_to is None or on <= bom.valid_to)


def bom_for(
    session: Session, item_id: int, on: date, version: str | None = None
) -> BillOfMaterials | None:
    """The item's BOM version for ``on`` (None when none is valid), or the named
    ``version`` (None when the item has no such version), whatever its dates."""
    if version is not None:
        return session.exec(
            select(BillOfMaterials).where(
                BillOfMaterials.item_id == item_id, BillOfMaterials.version == version
            )
        ).first()
    valid = session.exec(
        select(BillOfMaterials)
        .where(
            BillOfMaterials.item_id == item_id,
            col(BillOfMaterials.valid_from) <= on,
            or_(col(BillOfMaterials.valid_to).is_(None), col(BillOfMaterials.valid_to) >= on),
        )
        # The default first, then the latest start (versions of an item never share one).
        .order_by(
            col(BillOfMaterials.is_default).desc(),
            col(BillOfMaterials.valid_from).desc(),
            col(BillOfMaterials.id).desc(),
        )
    ).first()
    return valid


def supplies(session: Session, division_id: int) -> dict[int, str]:
    """Item id -> 'buy', 'make' or 'phantom' for the division's items with planning data
    (an item without is bought: ``supply_of``)."""
    return dict(
        session.exec(
            select(ItemPlanning.item_id, ItemPlanning.supply).where(
                ItemPlanning.division_id == division_id
            )
        ).all()
    )


def supply_of(session: Session, item_id: int) -> str:
    plan = session.get(ItemPlanning, item_id)
    return plan.supply if plan is not None else "buy"


def explode(
    session: Session, bom: BillOfMaterials, on: date
) -> tuple[list[ComponentNeed], list[OperationNeed]]:
    """The components and operations one unit of ``bom``'s item takes, one level down,
    phantoms (at any depth) replaced by their components and operations as valid on
    ``on``. A phantom without a BOM valid on ``on`` is refused naming it."""
    components: list[ComponentNeed] = []
    operations: list[OperationNeed] = []
    _explode(session, bom, on, Decimal(1), None, components, operations, [bom.item_id])
    return components, operations


def _explode(
    session: Session,
    bom: BillOfMaterials,
    on: date,
    factor: Decimal,
    via: int | None,
    components: list[ComponentNeed],
    operations: list[OperationNeed],
    path: list[int],
) -> None:
    lines = session.exec(
        select(BomLine).where(BomLine.bom_id == bom.id).order_by(col(BomLine.line_number))
    ).all()
    steps = session.exec(
        select(BomOperation)
        .where(BomOperation.bom_id == bom.id)
        .order_by(col(BomOperation.sequence))
    ).all()
    batch = bom.batch_quantity
    offset = max((op.sequence for op in operations), default=0) if via is not None else 0
    for step in steps:
        operations.append(
            OperationNeed(
                sequence=step.sequence + offset,
                description=step.description,
                work_centre_id=step.work_centre_id,
                setup_hours=step.setup_hours,
                setup_hours_per_unit=step.setup_hours / batch * factor,
                run_hours_per_unit=step.run_hours / batch * factor,
                supplier_id=step.supplier_id,
                outsourced_price_per_unit=step.outsourced_price * factor,
                via_phantom=via,
                bom_operation_id=step.id,
            )
        )
    phantoms: list[tuple[BomLine, Decimal]] = []
    for line in lines:
        per_unit = line.quantity / batch * (1 + line.scrap_pct / HUNDRED) * factor
        if supply_of(session, line.component_id) == "phantom":
            phantoms.append((line, per_unit))
            continue
        components.append(
            ComponentNeed(
                item_id=line.component_id,
                quantity_per_unit=per_unit,
                scrap_pct=line.scrap_pct,
                via_phantom=via,
                bom_line_id=line.id,
            )
        )
    # A phantom's steps come after all of the parent's own.
    for line, per_unit in phantoms:
        if line.component_id in path:  # saved BOMs have no cycles; never loop on a bad one
            raise ValueError(f"BOM cycle through item {line.component_id}")
        inner = bom_for(session, line.component_id, on)
        if inner is None:
            item = session.get(Item, line.component_id)
            raise ValidationError(
                N_("Phantom {item} has no bill of materials valid on {date}."),
                field="bom",
                item=item.code if item is not None else line.component_id,
                date=on.isoformat(),
            )
        _explode(
            session,
            inner,
            on,
            per_unit,
            via if via is not None else line.component_id,
            components,
            operations,
            [*path, line.component_id],
        )


def component_graph(session: Session, division_id: int) -> dict[int, set[int]]:
    """Item id -> the items any of its BOM versions lists as components."""
    graph: dict[int, set[int]] = defaultdict(set)
    rows = session.exec(
        select(BillOfMaterials.item_id, BomLine.component_id)
        .join(BomLine, col(BomLine.bom_id) == BillOfMaterials.id)
        .where(BillOfMaterials.division_id == division_id)
    ).all()
    for parent, component in rows:
        graph[parent].add(component)
    return dict(graph)


def low_level_codes(session: Session, division_id: int) -> dict[int, int]:
    """Item id -> its low-level code over every BOM version of the division: 0 for an
    item no BOM uses, else 1 + the highest code of the items whose BOMs use it. Only the
    items that have a BOM or are a component are listed (others are 0)."""
    graph = component_graph(session, division_id)
    return low_level_codes_of(graph)


def low_level_codes_of(graph: dict[int, set[int]]) -> dict[int, int]:
    """``low_level_codes`` of a parent -> components graph (acyclic)."""
    parents: dict[int, set[int]] = defaultdict(set)
    items: set[int] = set(graph)
    for parent, children in graph.items():
        items |= children
        for child in children:
            parents[child].add(parent)
    codes: dict[int, int] = {}
    # Kahn's order from the top: an item's code is fixed once all its users have theirs.
    waiting = {item: len(parents[item]) for item in items}
    ready = sorted(item for item, n in waiting.items() if n == 0)
    for item in ready:
        codes[item] = 0
    while ready:
        item = ready.pop()
        for child in graph.get(item, ()):
            codes[child] = max(codes.get(child, 0), codes[item] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(codes) != len(items):
        raise ValueError("BOM cycle: low-level codes need an acyclic structure")
    return codes
