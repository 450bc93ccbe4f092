"""Bills of materials and their routings (docs/manufacturing.md §1): versions with
validity dates, one default per item, components with scrap, operations on work centres
or outsourced.

Rules, checked before anything is written (a refusal writes nothing):

- the BOM's item is made or a phantom (``item_planning.supply``);
- a component is never the item itself, and never contains it through any version of any
  level: the refusal names the path, ``A → B → C → A``;
- versions of one item start on different days (so "the valid one with the latest
  start" is always one); the first version of an item is its default, and making a
  version the default takes it from the other;
- quantities above zero, scrap 0-100, batch quantity above zero, hours not negative,
  prices in the currency's decimals; an operation runs on a work centre or is outsourced
  to a supplier, not both; each message names the line or operation.

Right ``manage_items``; audited by the session listener.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.bom_explosion import supply_of
from transactional.manufacturing.inputs import managed_division, money, percentage, quantity
from transactional.manufacturing.models import BillOfMaterials, BomLine, BomOperation
from transactional.manufacturing.work_centres import find_work_centre
from transactional.organisation.models import Division, User
from transactional.purchasing.contracts import find_supplier
from transactional.wholesale.items import find_item
from transactional.wholesale.models import Item


@dataclass(frozen=True)
class BomLineDraft:
    """A component as typed: item code or id, quantity per batch, scrap %."""

    component: str | int
    quantity: Decimal | str | int
    scrap_pct: Decimal | str | int = 0


@dataclass(frozen=True)
class OperationDraft:
    """A routing step as typed: on a work centre (setup and run hours per batch), or
    outsourced to a supplier at a price per unit of the product."""

    sequence: int
    work_centre: str | int | None = None
    setup_hours: Decimal | str | int = 0
    run_hours: Decimal | str | int = 0
    supplier: str | int | None = None
    outsourced_price: Decimal | str | int = 0
    description: str = ""


def find_bom(
    session: Session, division: Division, item: Item, version: str, *, field: str = "version"
) -> BillOfMaterials:
    """The item's version ``version``, or a refusal naming it."""
    found = session.exec(
        select(BillOfMaterials).where(
            BillOfMaterials.division_id == division.id,
            BillOfMaterials.item_id == item.id,
            BillOfMaterials.version == str(version or "").strip(),
        )
    ).first()
    if found is None:
        raise ValidationError(
            N_("Item {item} has no bill of materials version {version}."),
            field=field,
            item=item.code,
            version=version,
        )
    return found


def create_bom(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    version: str,
    valid_from: date | str,
    batch_quantity: Decimal | str | int = 1,
    valid_to: date | str | None = None,
    is_default: bool = False,
    description: str = "",
    lines: list[BomLineDraft],
    operations: list[OperationDraft],
) -> BillOfMaterials:
    """A new version of the item's BOM with its components and routing. The item's first
    version is its default whatever ``is_default`` says."""
    lookups, div = managed_division(session=session, user=user, division=division)
    target = _made_item(session, lookups, div, item)
    version = _version(version)
    start, end = _validity(valid_from, valid_to)
    batch = quantity(
        batch_quantity, field="batch_quantity", label="Batch quantity", above_zero=True
    )
    assert target.id is not None
    versions = _versions(session, target.id)
    if any(v.version == version for v in versions):
        raise ValidationError(
            N_("Item {item} already has a bill of materials version {version}."),
            field="version",
            item=target.code,
            version=version,
        )
    _start_free(versions, target, start, None)
    new_lines = _lines(session, lookups, div, target, lines)
    new_operations = _operations(session, lookups, div, operations)
    default = bool(is_default) or not versions
    if default:
        _take_default(session, versions)
    bom = BillOfMaterials(
        division_id=div.id or 0,
        item_id=target.id,
        version=version,
        description=str(description or "").strip(),
        batch_quantity=batch,
        valid_from=start,
        valid_to=end,
        is_default=default,
        created_by=user.id or 0,
    )
    session.add(bom)
    session.flush()
    _store(session, bom, new_lines, new_operations)
    return bom


def update_bom(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    version: str,
    valid_from: date | str | None = None,
    valid_to: date | str | None = None,
    clear_valid_to: bool = False,
    batch_quantity: Decimal | str | int | None = None,
    description: str | None = None,
) -> BillOfMaterials:
    """Change a version's dates, batch quantity or description (None keeps it;
    ``clear_valid_to`` makes it open-ended). ``set_default_bom`` makes it the default."""
    lookups, div = managed_division(session=session, user=user, division=division)
    target = _made_item(session, lookups, div, item)
    bom = find_bom(session, div, target, version)
    start, end = _validity(
        bom.valid_from if valid_from is None else valid_from,
        None if clear_valid_to else (bom.valid_to if valid_to is None else valid_to),
    )
    batch = (
        bom.batch_quantity
        if batch_quantity is None
        else quantity(
            batch_quantity, field="batch_quantity", label="Batch quantity", above_zero=True
        )
    )
    assert target.id is not None
    _start_free(_versions(session, target.id), target, start, bom.id)
    bom.valid_from, bom.valid_to, bom.batch_quantity = start, end, batch
    if description is not None:
        bom.description = description.strip()
    session.add(bom)
    session.flush()
    return bom


def replace_bom_lines(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    version: str,
    lines: list[BomLineDraft],
) -> BillOfMaterials:
    """The version's components become ``lines`` (numbered 1, 2, ... in the given order)."""
    lookups, div = managed_division(session=session, user=user, division=division)
    target = _made_item(session, lookups, div, item)
    bom = find_bom(session, div, target, version)
    new_lines = _lines(session, lookups, div, target, lines)
    for old in session.exec(select(BomLine).where(BomLine.bom_id == bom.id)).all():
        session.delete(old)
    session.flush()
    _store(session, bom, new_lines, None)
    return bom


def replace_bom_operations(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    version: str,
    operations: list[OperationDraft],
) -> BillOfMaterials:
    """The version's routing becomes ``operations``."""
    lookups, div = managed_division(session=session, user=user, division=division)
    target = _made_item(session, lookups, div, item)
    bom = find_bom(session, div, target, version)
    new_operations = _operations(session, lookups, div, operations)
    for old in session.exec(select(BomOperation).where(BomOperation.bom_id == bom.id)).all():
        session.delete(old)
    session.flush()
    _store(session, bom, None, new_operations)
    return bom


def set_default_bom(
    *, session: Session, user: User, division: str | int, item: str | int, version: str
) -> BillOfMaterials:
    """Make ``version`` the item's default (the other versions lose it)."""
    lookups, div = managed_division(session=session, user=user, division=division)
    target = _made_item(session, lookups, div, item)
    bom = find_bom(session, div, target, version)
    assert target.id is not None
    _take_default(session, [v for v in _versions(session, target.id) if v.id != bom.id])
    bom.is_default = True
    session.add(bom)
    session.flush()
    return bom


# --- checks ---------------------------------------------------------------------------------


def _made_item(session: Session, lookups: Lookups, div: Division, ref: str | int) -> Item:
    target = find_item(lookups, div, ref)
    assert target.id is not None
    if supply_of(session, target.id) not in ("make", "phantom"):
        raise ValidationError(
            N_(
                "Item {item} is bought; set its supply to make or phantom before giving it a "
                "bill of materials."
            ),
            field="item",
            item=target.code,
        )
    return target


def _version(value: object) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 20:
        raise ValidationError(N_("Version is required (at most 20 characters)."), field="version")
    return text


def _validity(valid_from: object, valid_to: object) -> tuple[date, date | None]:
    start = parse_date(valid_from, field="valid_from", label="Valid from")
    if valid_to in (None, ""):
        return start, None
    end = parse_date(valid_to, field="valid_to", label="Valid to")
    if end < start:
        raise ValidationError(N_("Valid to cannot be before valid from."), field="valid_to")
    return start, end


def _versions(session: Session, item_id: int) -> list[BillOfMaterials]:
    return list(
        session.exec(select(BillOfMaterials).where(BillOfMaterials.item_id == item_id)).all()
    )


def _start_free(
    versions: list[BillOfMaterials], item: Item, start: date, own_id: int | None
) -> None:
    for other in versions:
        if other.id != own_id and other.valid_from == start:
            raise ValidationError(
                N_(
                    "Version {other} of item {item} also starts on {date}; versions of one item "
                    "start on different days."
                ),
                field="valid_from",
                other=other.version,
                item=item.code,
                date=start.isoformat(),
            )


def _take_default(session: Session, versions: list[BillOfMaterials]) -> None:
    for other in versions:
        if other.is_default:
            other.is_default = False
            session.add(other)
    session.flush()


@dataclass(frozen=True)
class _Line:
    component_id: int
    quantity: Decimal
    scrap_pct: Decimal


@dataclass(frozen=True)
class _Operation:
    sequence: int
    description: str
    work_centre_id: int | None
    setup_hours: Decimal
    run_hours: Decimal
    supplier_id: int | None
    outsourced_price: Decimal


def _lines(
    session: Session,
    lookups: Lookups,
    div: Division,
    parent: Item,
    drafts: list[BomLineDraft],
) -> list[_Line]:
    if not drafts:
        raise ValidationError(
            N_("A bill of materials needs at least one component."), field="lines"
        )
    assert parent.id is not None and div.id is not None
    checked: list[_Line] = []
    for n, draft in enumerate(drafts, start=1):
        where = f"Line {n}: "
        field = f"lines.{n}"
        component = find_item(lookups, div, draft.component, field=f"{field}.component")
        if component.id == parent.id:
            raise ValidationError(
                N_("Line {line}: item {item} cannot be a component of itself."),
                field=f"{field}.component",
                line=n,
                item=parent.code,
            )
        checked.append(
            _Line(
                component_id=component.id or 0,
                quantity=quantity(
                    draft.quantity,
                    field=f"{field}.quantity",
                    label="Quantity",
                    above_zero=True,
                    where=where,
                ),
                scrap_pct=percentage(
                    draft.scrap_pct, field=f"{field}.scrap_pct", label="Scrap", where=where
                ),
            )
        )
    _refuse_cycles(session, div, parent, checked)
    return checked


def _refuse_cycles(session: Session, div: Division, parent: Item, lines: list[_Line]) -> None:
    """A component whose structure (any version, any level) holds the parent would make
    the BOM its own ancestor: refused with the path. Only the components' own structures
    are read (a save in a large division does not load every BOM)."""
    assert div.id is not None and parent.id is not None
    children: dict[int, set[int]] = {}

    def components_of(item_id: int) -> set[int]:
        if item_id not in children:
            children[item_id] = set(
                session.exec(
                    select(BomLine.component_id)
                    .join(BillOfMaterials, col(BillOfMaterials.id) == BomLine.bom_id)
                    .where(BillOfMaterials.item_id == item_id)
                ).all()
            )
        return children[item_id]

    for n, line in enumerate(lines, start=1):
        path = path_to(components_of, line.component_id, parent.id)
        if path is None:
            continue
        codes = dict(
            session.exec(
                select(Item.id, Item.code).where(col(Item.id).in_([parent.id, *path]))
            ).all()
        )
        shown = " → ".join(codes[i] for i in [parent.id, *path])
        raise ValidationError(
            N_("Line {line}: component {component} contains {item} itself: {path}."),
            field=f"lines.{n}.component",
            line=n,
            component=codes[line.component_id],
            item=parent.code,
            path=shown,
        )


def path_to(components_of: Callable[[int], set[int]], start: int, goal: int) -> list[int] | None:
    """The items from ``start`` down to ``goal`` (both included), or None. The search
    stops at ``goal``, so the parent's own versions (being replaced) are never read."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for child in sorted(components_of(node), reverse=True):
            stack.append((child, [*path, child]))
    return None


def _operations(
    session: Session, lookups: Lookups, div: Division, drafts: list[OperationDraft]
) -> list[_Operation]:
    checked: list[_Operation] = []
    sequences: set[int] = set()
    for n, draft in enumerate(drafts, start=1):
        field = f"operations.{n}"
        where = f"Operation {draft.sequence}: "
        sequence = draft.sequence
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence <= 0:
            raise ValidationError(
                N_("Operation {n}: the sequence must be a whole number above zero."),
                field=f"{field}.sequence",
                n=n,
            )
        if sequence in sequences:
            raise ValidationError(
                N_("Operation {sequence} appears twice; each step has its own sequence."),
                field=f"{field}.sequence",
                sequence=sequence,
            )
        sequences.add(sequence)
        has_centre = draft.work_centre not in (None, "")
        has_supplier = draft.supplier not in (None, "")
        if has_centre == has_supplier:
            raise ValidationError(
                N_(
                    "Operation {sequence}: give a work centre, or a supplier for an outsourced "
                    "step (not both)."
                ),
                field=f"{field}.work_centre",
                sequence=sequence,
            )
        setup = quantity(
            draft.setup_hours, field=f"{field}.setup_hours", label="Setup hours", where=where
        )
        run = quantity(draft.run_hours, field=f"{field}.run_hours", label="Run hours", where=where)
        price = money(
            draft.outsourced_price,
            lookups,
            div,
            field=f"{field}.outsourced_price",
            label="Outsourced price",
            where=where,
        )
        centre = supplier = None
        if has_centre:
            assert draft.work_centre is not None
            centre = find_work_centre(session, div, draft.work_centre, field=f"{field}.work_centre")
            if price != 0:
                raise ValidationError(
                    N_("Operation {sequence}: a step on a work centre has no outsourced price."),
                    field=f"{field}.outsourced_price",
                    sequence=sequence,
                )
        else:
            assert draft.supplier is not None
            supplier = find_supplier(lookups, div, draft.supplier, field=f"{field}.supplier")
            if setup != 0 or run != 0:
                raise ValidationError(
                    N_(
                        "Operation {sequence}: an outsourced step has a price, not hours on a "
                        "work centre."
                    ),
                    field=f"{field}.setup_hours",
                    sequence=sequence,
                )
        checked.append(
            _Operation(
                sequence=sequence,
                description=str(draft.description or "").strip(),
                work_centre_id=centre.id if centre is not None else None,
                setup_hours=setup,
                run_hours=run,
                supplier_id=supplier.id if supplier is not None else None,
                outsourced_price=price,
            )
        )
    return checked


def _store(
    session: Session,
    bom: BillOfMaterials,
    lines: list[_Line] | None,
    operations: list[_Operation] | None,
) -> None:
    assert bom.id is not None
    for n, line in enumerate(lines or [], start=1):
        session.add(
            BomLine(
                bom_id=bom.id,
                line_number=n,
                component_id=line.component_id,
                quantity=line.quantity,
                scrap_pct=line.scrap_pct,
            )
        )
    for op in operations or []:
        session.add(
            BomOperation(
                bom_id=bom.id,
                sequence=op.sequence,
                description=op.description,
                work_centre_id=op.work_centre_id,
                setup_hours=op.setup_hours,
                run_hours=op.run_hours,
                supplier_id=op.supplier_id,
                outsourced_price=op.outsourced_price,
            )
        )
    session.flush()
