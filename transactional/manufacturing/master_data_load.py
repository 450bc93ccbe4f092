"""Loading a manufacturer's master data from files (docs/manufacturing.md §7): work
centres, items with their planning, BOMs, routings and the sales plan.

Each loader takes the rows of one file (``ingestion.manufacturing.files`` reads them),
checks the acting user's right, validates **every** row before anything is written (each
refusal names the file's row), and works out the plan: per record (the key of §7) whether
it is created, updated or unchanged, and what changes. A dry run returns the plan and
writes nothing; a load applies the changes through the services that own the tables
(``wholesale.items``, ``stock.standard_cost``, ``manufacturing.work_centres``,
``item_planning``, ``boms``, ``sales_plan``), which check their own rules and are audited.
Loading the same file again finds every record unchanged and writes nothing.

A cell left empty (or a column left out) keeps the record's current value; a new record
gets the service's default. The components of a BOM version and the operations of its
routing are replaced by the file's rows of that version, so there an empty cell is the
default (no scrap, no hours, no description).

The services run in a savepoint in a dry run too, rolled back at the end: a dry run is
refused by exactly what would refuse the load, and still writes nothing.

Every kind goes the same way (``_Load``): the right, the rows checked one by one (a cell's
own checks are ``file_cells``'), each record planned as created, updated or unchanged with
the service calls that make it, then the calls run. A loader below says only what is its
kind's: its key, its columns and their checks, and which services create and update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from transactional import clock
from transactional.errors import N_, PermissionDenied, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing import boms, item_planning, sales_plan, work_centres
from transactional.manufacturing import file_cells as cells
from transactional.manufacturing.file_cells import show
from transactional.manufacturing.models import (
    SUPPLY_TYPES,
    BillOfMaterials,
    BomLine,
    BomOperation,
    ItemPlanning,
    SalesPlan,
    WorkCentre,
)
from transactional.organisation import rights
from transactional.organisation.models import Division, User
from transactional.relations.models import Relation
from transactional.stock import standard_cost
from transactional.wholesale import items as wholesale_items
from transactional.wholesale.items import UNITS
from transactional.wholesale.models import COST_METHODS, Item


@dataclass(frozen=True)
class WorkCentreRow:
    """One row of a work-centres file; ``row`` is its row number in the file. A number
    left empty (None) keeps the work centre's value (a new one gets the default)."""

    row: int
    code: str
    name: str
    labour_rate: Decimal | None = None
    machine_rate: Decimal | None = None
    efficiency_pct: Decimal | None = None
    hours_per_week: Decimal | None = None


@dataclass(frozen=True)
class ItemRow:
    """One row of an items file: the item and how it is planned. Empty (None or "") keeps
    the item's value (a new item gets the default)."""

    row: int
    code: str
    name: str
    supply: str
    unit: str = ""
    cost_method: str = ""
    standard_cost: Decimal | None = None
    purchase_price: Decimal | None = None
    sales_price: Decimal | None = None
    lead_time_days: int | None = None
    minimum_quantity: Decimal | None = None
    order_multiple: Decimal | None = None
    safety_stock: Decimal | None = None
    supplier: str = ""


@dataclass(frozen=True)
class BomRow:
    """One component line of a BOM version. The version's own columns (batch quantity,
    validity, default) may be given on any of its rows, the same on each."""

    row: int
    item: str
    version: str
    component: str
    quantity: Decimal | None
    scrap_pct: Decimal | None = None
    batch_quantity: Decimal | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    is_default: bool | None = None


@dataclass(frozen=True)
class RoutingRow:
    """One operation of a BOM version's routing: on a work centre, or outsourced to a
    supplier at a price per unit of the product."""

    row: int
    item: str
    version: str
    sequence: int | None
    work_centre: str = ""
    setup_hours: Decimal | None = None
    run_hours: Decimal | None = None
    supplier: str = ""
    outsourced_price: Decimal | None = None
    description: str = ""


@dataclass(frozen=True)
class SalesPlanRow:
    """Expected sales of an item from ``period_start`` for ``period_days`` days."""

    row: int
    item: str
    period_start: date | None
    quantity: Decimal | None
    period_days: int | None = None


@dataclass(frozen=True)
class PlannedChange:
    """What a load does to one record of the file: ``action`` create, update, unchanged or
    remove (an operation of a routing the file replaces); ``detail`` says what changes
    (``labour_rate 35.00 -> 37.50``). ``row`` is the record's first row in the file."""

    row: int
    key: str
    action: str
    detail: str = ""


# --- one file's load ------------------------------------------------------------------------


# A planned change with the service calls that make it (not run in a plain dry run).
@dataclass
class _Step:
    change: PlannedChange
    apply: Callable[[], object] | None = None


# The tables a loader compares the file with; each holds a division's records.
_Record = TypeVar("_Record", WorkCentre, Item, ItemPlanning, SalesPlan, BillOfMaterials, Relation)
# Those of them a file names by code.
_Coded = TypeVar("_Coded", WorkCentre, Item, Relation)


@dataclass
class _Load:
    """A file being loaded: by whom and into which division (every service call names
    both), the records its rows have named so far and the steps planned for them."""

    session: Session
    user: User
    div: Division
    seen: dict[Any, int] = field(default_factory=dict)  # a record's key -> its first row
    steps: list[_Step] = field(default_factory=list)

    def records(self, model: type[_Record]) -> Sequence[_Record]:
        return self.session.exec(select(model).where(model.division_id == self.div.id)).all()

    def currency(self) -> cells.Currency:
        code = self.div.currency_code
        return cells.Currency(code, Lookups(self.session).currency(code).decimals)

    def once(self, key: Any, row: int, what: str) -> None:
        """Refuse a record named twice in one file (the second row would silently win)."""
        if key in self.seen:
            raise ValidationError(
                N_("Row {row}: {what} is already on row {first}; give each once."),
                field="rows",
                row=row,
                what=what,
                first=self.seen[key],
            )
        self.seen[key] = row

    def call(self, service: Callable[..., object], **kwargs: Any) -> object:
        return service(session=self.session, user=self.user, division=self.div.code, **kwargs)

    def later(self, service: Callable[..., object], **kwargs: Any) -> Callable[[], object]:
        """The service call, made when the steps run: after every row is checked."""
        return lambda: self.call(service, **kwargs)

    def plan(
        self, row: int, key: str, *, new: bool, detail: str, apply: Callable[[], object]
    ) -> None:
        """A record's step: its change, and the calls that make it unless it is unchanged."""
        change = _change(row, key, new=new, detail=detail)
        self.steps.append(_Step(change, None if change.action == "unchanged" else apply))

    def run(self, dry_run: bool) -> list[PlannedChange]:
        """Apply the steps' service calls in a savepoint: kept by a load, rolled back by a
        dry run (which so meets every refusal the load would)."""
        todo = [s for s in self.steps if s.apply is not None]
        if todo:
            savepoint = self.session.begin_nested()
            try:
                for step in todo:
                    assert step.apply is not None
                    with _row_of(step.change.row):
                        step.apply()
                self.session.flush()
            except BaseException:
                savepoint.rollback()
                raise
            if dry_run:
                savepoint.rollback()
            else:
                savepoint.commit()
        return [s.change for s in self.steps]


def _begin(
    session: Session, user: User, division: str | int, right: str, rows: list[Any], kind: str
) -> _Load:
    """The load of a file the user may make; a file with no rows is refused."""
    div = Lookups(session).division(division)
    rights.require(session, user, right, div.id)  # a dry run too: it shows the data
    if not rows:
        raise ValidationError(N_("The {kind} file has no rows."), field="rows", kind=kind)
    return _Load(session, user, div)


def _change(row: int, key: str, *, new: bool, detail: str) -> PlannedChange:
    """A record created (``detail``: what it gets), updated (``detail``: what changes) or,
    where nothing changes, unchanged."""
    if new:
        return PlannedChange(row, key, "create", detail)
    if not detail:
        return PlannedChange(row, key, "unchanged")
    return PlannedChange(row, key, "update", detail)


@contextmanager
def _row_of(row: int) -> Iterator[None]:
    """A service's refusal while a row is applied names the row (the words are the
    service's: the refusal itself is the parameter, so a page translates it too)."""
    try:
        yield
    except PermissionDenied:
        raise
    except ValidationError as err:
        raise ValidationError(
            N_("Row {row}: {reason}"), field=err.field, row=row, reason=err
        ) from None


# --- what the rows name ---------------------------------------------------------------------


def _code_and_name(load: _Load, r: WorkCentreRow | ItemRow, length: int, what: str) -> str:
    """The code a work centre or an item is keyed by (once in the file), and its name."""
    code = cells.code(r.row, "code", r.code, length)
    load.once(code, r.row, f"{what} {code}")
    cells.required(r.row, "name", r.name)
    return code


def _item(items: dict[str, Item], row: int, column: str, code: str) -> Item:
    cells.required(row, column, code)
    found = items.get(code.strip())
    if found is None:
        raise ValidationError(
            N_(
                "Row {row}, column {column}: item {item} does not exist; load it with the "
                "items file first."
            ),
            **cells.at(row, column),
            item=code.strip(),
        )
    return found


def _supplier(load: _Load, row: int, column: str, code: str) -> Relation | None:
    code = code.strip()
    if not code:
        return None
    found = load.session.exec(
        select(Relation).where(Relation.division_id == load.div.id, Relation.code == code)
    ).first()
    if found is None:
        raise ValidationError(
            N_(
                "Row {row}, column {column}: supplier {supplier} does not exist in division "
                "{division}."
            ),
            **cells.at(row, column),
            supplier=code,
            division=load.div.code,
        )
    if found.relation_type not in ("supplier", "both"):
        raise ValidationError(
            N_("Row {row}, column {column}: relation {supplier} is not a supplier."),
            **cells.at(row, column),
            supplier=code,
        )
    return found


def _by_code(records: Iterable[_Coded]) -> dict[str, _Coded]:
    return {r.code: r for r in records}


def _codes(records: Iterable[_Coded]) -> dict[int | None, str]:
    return {r.id: r.code for r in records}


# --- what changes ---------------------------------------------------------------------------


def _given(values: Mapping[str, object]) -> dict[str, object]:
    """The values the file gives (an empty cell keeps the record's)."""
    return {k: v for k, v in values.items() if v is not None}


def _changes(record: object, values: Mapping[str, object]) -> dict[str, object]:
    """The given values that differ from the record's."""
    return {k: v for k, v in _given(values).items() if v != getattr(record, k)}


def _diff(fields: list[tuple[str, object, object]]) -> str:
    """``name old -> new`` for each field given (new not None) that differs."""
    return "; ".join(
        f"{name} {show(old)} -> {show(new)}"
        for name, old, new in fields
        if new is not None and new != old
    )


def _was(record: object, changes: Mapping[str, object]) -> list[tuple[str, object, object]]:
    """The changes with the record's values before them, for ``_diff``."""
    return [(k, getattr(record, k), v) for k, v in changes.items()]


def _new(given: Mapping[str, object]) -> str:
    return "; ".join(f"{k} {show(v)}" for k, v in given.items() if k != "name")


# --- work centres ---------------------------------------------------------------------------


def load_work_centres(
    *,
    session: Session,
    user: User,
    division: str | int,
    rows: list[WorkCentreRow],
    dry_run: bool = False,
) -> list[PlannedChange]:
    """Create or update the work centres of the file (key: code); right ``manage_items``."""
    load = _begin(session, user, division, "manage_items", rows, "work-centres")
    currency = load.currency()
    existing = _by_code(load.records(WorkCentre))
    for r in rows:
        code = _code_and_name(load, r, 20, "work centre")
        given = _given(
            {
                "name": r.name.strip(),
                "labour_rate": cells.money(r.row, "labour_rate", r.labour_rate, currency),
                "machine_rate": cells.money(r.row, "machine_rate", r.machine_rate, currency),
                "efficiency_pct": cells.quantity(
                    r.row, "efficiency_pct", r.efficiency_pct, above_zero=True
                ),
                "hours_per_week": cells.quantity(r.row, "hours_per_week", r.hours_per_week),
            }
        )
        current = existing.get(code)
        if current is None:
            detail = _new(given)
            apply = load.later(work_centres.create_work_centre, code=code, **given)
        else:
            changes = _changes(current, given)
            detail = _diff(_was(current, changes))
            apply = load.later(work_centres.update_work_centre, work_centre=code, **changes)
        load.plan(r.row, code, new=current is None, detail=detail, apply=apply)
    return load.run(dry_run)


# --- items ----------------------------------------------------------------------------------

_PLANNING_DEFAULTS: dict[str, object] = {
    "supply": "buy",
    "lead_time_days": 0,
    "minimum_quantity": Decimal(0),
    "order_multiple": Decimal(0),
    "safety_stock": Decimal(0),
    "supplier": None,
}


def load_items(
    *,
    session: Session,
    user: User,
    division: str | int,
    rows: list[ItemRow],
    on: date | None = None,
    dry_run: bool = False,
) -> list[PlannedChange]:
    """Create or update the items of the file and how each is planned (key: code); right
    ``manage_items``. A changed standard cost or cost method of an existing item goes
    through the stock core's revaluation (``stock.standard_cost``), dated ``on`` (default
    today): its stock on hand is revalued then."""
    load = _begin(session, user, division, "manage_items", rows, "items")
    day = on or clock.today()
    currency = load.currency()
    items = _by_code(load.records(Item))
    plans = {p.item_id: p for p in load.records(ItemPlanning)}
    relations = _codes(load.records(Relation))
    for r in rows:
        code = _code_and_name(load, r, 30, "item")
        cells.required(r.row, "supply", r.supply)
        supply = r.supply.strip().lower()
        cells.one_of(r.row, "supply", supply, SUPPLY_TYPES)
        unit = r.unit.strip() or None
        if unit is not None:
            cells.one_of(r.row, "unit", unit, UNITS)
        method = r.cost_method.strip().lower() or None
        if method is not None:
            cells.one_of(r.row, "cost_method", method, COST_METHODS)
        supplier = _supplier(load, r.row, "supplier", r.supplier)
        item_values: dict[str, object] = {
            "name": r.name.strip(),
            "unit": unit,
            "sales_price": cells.money(r.row, "sales_price", r.sales_price, currency),
            "purchase_price": cells.money(r.row, "purchase_price", r.purchase_price, currency),
        }
        standard = cells.money(r.row, "standard_cost", r.standard_cost, currency)
        cells.whole(r.row, "lead_time_days", r.lead_time_days)
        planning = _given(
            {
                "supply": supply,
                "lead_time_days": r.lead_time_days,
                "minimum_quantity": cells.quantity(r.row, "minimum_quantity", r.minimum_quantity),
                "order_multiple": cells.quantity(r.row, "order_multiple", r.order_multiple),
                "safety_stock": cells.quantity(r.row, "safety_stock", r.safety_stock),
                "supplier": supplier.code if supplier is not None else None,
            }
        )
        current = items.get(code)
        final_method = method or (current.cost_method if current is not None else "average")
        final_standard = (
            standard
            if standard is not None
            else (current.standard_cost if current is not None else Decimal(0))
        )
        if final_method == "standard" and final_standard <= 0:
            raise ValidationError(
                N_(
                    "Row {row}: item {item} is valued at standard cost and needs a standard "
                    "cost above zero (column standard_cost)."
                ),
                field="standard_cost",
                row=r.row,
                item=code,
            )
        if current is None:
            given = _given(item_values)
            if method is not None:
                given["cost_method"] = method
            if standard is not None:
                given["standard_cost"] = standard
            detail = _new({**given, **planning})
            apply = _create_item(load, code, given, planning)
        else:
            plan = plans.get(current.id or 0)
            now_planning = _planning_of(plan, relations)
            detail, apply = _item_update(
                load, current, plan, now_planning, item_values, method, standard, planning, day
            )
        load.plan(r.row, code, new=current is None, detail=detail, apply=apply)
    return load.run(dry_run)


def _create_item(
    load: _Load, code: str, given: dict[str, object], planning: dict[str, object]
) -> Callable[[], object]:
    def apply() -> None:
        load.call(wholesale_items.create_item, code=code, **given)
        load.call(item_planning.set_item_planning, item=code, **{**_PLANNING_DEFAULTS, **planning})

    return apply


def _planning_of(plan: ItemPlanning | None, relations: dict[int | None, str]) -> dict[str, object]:
    """How an item is planned now, in the file's terms (the defaults where it is not yet)."""
    if plan is None:
        return dict(_PLANNING_DEFAULTS)
    return {
        "supply": plan.supply,
        "lead_time_days": plan.lead_time_days,
        "minimum_quantity": plan.minimum_quantity,
        "order_multiple": plan.order_multiple,
        "safety_stock": plan.safety_stock,
        "supplier": relations.get(plan.supplier_id) if plan.supplier_id else None,
    }


def _item_update(
    load: _Load,
    current: Item,
    plan: ItemPlanning | None,
    now_planning: dict[str, object],
    item_values: dict[str, object],
    method: str | None,
    standard: Decimal | None,
    planning: dict[str, object],
    day: date,
) -> tuple[str, Callable[[], object]]:
    """What changes of an existing item, and the service calls that change it."""
    code = current.code
    item_changes = _changes(current, item_values)
    method_change = method is not None and method != current.cost_method
    # A standard cost given for an item valued at average is only its stored figure.
    standard_change = standard is not None and standard != current.standard_cost
    if standard_change and not method_change and current.cost_method == "average":
        item_changes["standard_cost"] = standard
    planning_changes = {k: v for k, v in planning.items() if v != now_planning[k]}
    if plan is None:
        # No planning yet: it is created, with the file's values or the defaults.
        planning_changes = {**planning_changes, "supply": planning["supply"]}
    detail = _diff(
        _was(current, item_changes)
        + ([("cost_method", current.cost_method, method)] if method_change else [])
        + (
            [("standard_cost", current.standard_cost, standard)]
            if standard_change and "standard_cost" not in item_changes
            else []
        )
        + [(k, now_planning[k], v) for k, v in planning_changes.items()]
    )

    def apply() -> None:
        if item_changes:
            load.call(wholesale_items.update_item, item=code, **item_changes)
        if method_change:
            load.call(
                standard_cost.change_cost_method,
                item=code,
                cost_method=method or "",
                on=day,
                standard_cost=standard,
                reason="items file",
            )
        elif standard_change and current.cost_method == "standard":
            load.call(
                standard_cost.change_standard_cost,
                item=code,
                new_cost=standard or Decimal(0),
                on=day,
                reason="items file",
            )
        if planning_changes:
            load.call(item_planning.set_item_planning, item=code, **{**now_planning, **planning})

    return detail, apply


# --- sales plan -----------------------------------------------------------------------------


def load_sales_plan(
    *,
    session: Session,
    user: User,
    division: str | int,
    rows: list[SalesPlanRow],
    dry_run: bool = False,
) -> list[PlannedChange]:
    """Create or update the sales plan's periods of the file (key: item + period_start);
    right ``manufacture``."""
    load = _begin(session, user, division, "manufacture", rows, "sales-plan")
    items = _by_code(load.records(Item))
    phantoms = {p.item_id for p in load.records(ItemPlanning) if p.supply == "phantom"}
    existing = {(p.item_id, p.period_start): p for p in load.records(SalesPlan)}
    for r in rows:
        item = _item(items, r.row, "item", r.item)
        if item.id in phantoms:
            raise ValidationError(
                N_(
                    "Row {row}: item {item} is a phantom; it is never sold, so it has no "
                    "sales plan."
                ),
                field="item",
                row=r.row,
                item=item.code,
            )
        cells.required(r.row, "period_start", r.period_start)
        cells.required(r.row, "quantity", r.quantity)
        assert r.period_start is not None
        quantity = cells.quantity(r.row, "quantity", r.quantity)
        cells.whole(r.row, "period_days", r.period_days, above_zero=True)
        key = f"{item.code} {r.period_start.isoformat()}"
        load.once(
            (item.id, r.period_start),
            r.row,
            f"item {item.code} from {r.period_start.isoformat()}",
        )
        current = existing.get((item.id or 0, r.period_start))
        if current is None:
            days = r.period_days or sales_plan.DEFAULT_PERIOD_DAYS
            detail = f"quantity {show(quantity)}; period_days {days}"
        else:
            detail = _diff(
                [
                    ("quantity", current.quantity, quantity),
                    ("period_days", current.period_days, r.period_days),
                ]
            )
        apply = load.later(
            sales_plan.set_sales_plan,
            item=item.code,
            period_start=r.period_start,
            quantity=quantity,
            period_days=r.period_days,
        )
        load.plan(r.row, key, new=current is None, detail=detail, apply=apply)
    return load.run(dry_run)


# --- BOMs -----------------------------------------------------------------------------------

_HEADER = ("batch_quantity", "valid_from", "valid_to", "is_default")


def load_boms(
    *,
    session: Session,
    user: User,
    division: str | int,
    rows: list[BomRow],
    dry_run: bool = False,
) -> list[PlannedChange]:
    """Create or update the BOM versions of the file (key: item + version); the file's
    rows of a version replace its components, in the file's order. Right
    ``manage_items``."""
    load = _begin(session, user, division, "manage_items", rows, "boms")
    items = _by_code(load.records(Item))
    groups: dict[tuple[int, str], list[BomRow]] = {}
    parents: dict[tuple[int, str], Item] = {}
    for r in rows:
        parent = _item(items, r.row, "item", r.item)
        version = cells.code(r.row, "version", r.version, 20)
        component = _item(items, r.row, "component", r.component)
        if component.id == parent.id:
            raise ValidationError(
                N_("Row {row}: item {item} cannot be a component of itself."),
                field="component",
                row=r.row,
                item=parent.code,
            )
        cells.required(r.row, "quantity", r.quantity)
        cells.quantity(r.row, "quantity", r.quantity, above_zero=True)
        cells.percentage(r.row, "scrap_pct", r.scrap_pct)
        cells.quantity(r.row, "batch_quantity", r.batch_quantity, above_zero=True)
        key = (parent.id or 0, version)
        groups.setdefault(key, []).append(r)
        parents[key] = parent
    existing = {(b.item_id, b.version): b for b in load.records(BillOfMaterials)}
    codes = _codes(items.values())
    _refuse_cycles(load, groups, items, codes)
    for key, group in groups.items():
        parent, version = parents[key], key[1]
        header = _bom_header(group, parent.code, version)
        lines = [
            (items[r.component.strip()].id, r.quantity, r.scrap_pct or Decimal(0)) for r in group
        ]
        drafts = [
            boms.BomLineDraft(component=codes[c] or "", quantity=q or Decimal(0), scrap_pct=s)
            for c, q, s in lines
        ]
        first = group[0].row
        bom = existing.get(key)
        if bom is None:
            if header.get("valid_from") is None:
                raise ValidationError(
                    N_(
                        "Row {row}: version {version} of item {item} is new; give its "
                        "valid_from (the first day it may be used)."
                    ),
                    field="valid_from",
                    row=first,
                    version=version,
                    item=parent.code,
                )
            detail = _new(_given(header))
            detail = f"{len(lines)} components" + (f"; {detail}" if detail else "")
            apply = load.later(
                boms.create_bom,
                item=parent.code,
                version=version,
                valid_from=header["valid_from"],
                valid_to=header.get("valid_to"),
                batch_quantity=header.get("batch_quantity") or Decimal(1),
                is_default=bool(header.get("is_default")),
                lines=drafts,
                operations=[],
            )
        else:
            detail, apply = _bom_update(load, bom, header, lines, drafts, codes)
        name = f"{parent.code} {version}"
        load.plan(first, name, new=bom is None, detail=detail, apply=apply)
    return load.run(dry_run)


def _refuse_cycles(
    load: _Load,
    groups: dict[tuple[int, str], list[BomRow]],
    items: dict[str, Item],
    codes: dict[int | None, str],
) -> None:
    """A component whose structure (any version, any level, with the file's versions in
    place of the stored ones) holds the parent is refused on its row, with the path. The
    BOM service checks each version as it is saved; this check sees the whole file at
    once (the first of its rows on a cycle is named, with the path), also in a dry run."""
    graph: dict[int, set[int]] = {}
    stored = load.session.exec(
        select(BillOfMaterials.item_id, BillOfMaterials.version, BomLine.component_id)
        .join(BomLine, col(BomLine.bom_id) == BillOfMaterials.id)
        .where(BillOfMaterials.division_id == load.div.id)
    ).all()
    for parent_id, version, component_id in stored:
        if (parent_id, version) not in groups:  # the file's lines replace a version's
            graph.setdefault(parent_id, set()).add(component_id)
    for (parent_id, _), group in groups.items():
        for r in group:
            graph.setdefault(parent_id, set()).add(items[r.component.strip()].id or 0)
    for (parent_id, _), group in groups.items():
        for r in group:
            path = boms.path_to(
                lambda node: graph.get(node, set()), items[r.component.strip()].id or 0, parent_id
            )
            if path is not None:
                raise ValidationError(
                    N_("Row {row}: component {component} contains {item} itself: {path}."),
                    field="component",
                    row=r.row,
                    component=r.component.strip(),
                    item=codes[parent_id],
                    path=" → ".join(codes[i] for i in [parent_id, *path]),
                )


def _bom_header(group: list[BomRow], item: str, version: str) -> dict[str, Any]:
    """The version's own values, given on any of its rows; two rows giving different ones
    are refused (which one was meant?)."""
    header: dict[str, Any] = {}
    where: dict[str, int] = {}
    for r in group:
        for column in _HEADER:
            value = getattr(r, column)
            if value is None:
                continue
            if column in header and header[column] != value:
                raise ValidationError(
                    N_(
                        "Row {row}, column {column}: {value} differs from row {first} "
                        "({other}) for version {version} of item {item}; give it once or the "
                        "same on each row."
                    ),
                    field=column,
                    row=r.row,
                    column=column,
                    value=show(value),
                    first=where[column],
                    other=show(header[column]),
                    version=version,
                    item=item,
                )
            header[column], where[column] = value, r.row
    start, end = header.get("valid_from"), header.get("valid_to")
    if start is not None and end is not None and end < start:
        raise ValidationError(
            N_("Row {row}, column valid_to: {end} is before valid_from {start}."),
            field="valid_to",
            row=where["valid_to"],
            end=end.isoformat(),
            start=start.isoformat(),
        )
    return header


def _bom_update(
    load: _Load,
    bom: BillOfMaterials,
    header: dict[str, Any],
    lines: list[tuple[int | None, Decimal | None, Decimal]],
    drafts: list[boms.BomLineDraft],
    codes: dict[int | None, str],
) -> tuple[str, Callable[[], object]]:
    """What changes of a stored version, and the service calls that change it."""
    current = [
        (line.component_id, line.quantity, line.scrap_pct)
        for line in load.session.exec(
            select(BomLine).where(BomLine.bom_id == bom.id).order_by(col(BomLine.line_number))
        ).all()
    ]
    changes = _changes(
        bom, {k: header.get(k) for k in ("batch_quantity", "valid_from", "valid_to")}
    )
    make_default = bool(header.get("is_default")) and not bom.is_default
    lines_differ = current != lines
    parts = [_diff(_was(bom, changes))]
    if make_default:
        parts.append("becomes the default")
    if lines_differ:
        parts.append(_lines_diff(current, lines, codes))
    detail = "; ".join(p for p in parts if p)
    which = {"item": codes[bom.item_id], "version": bom.version}

    def apply() -> None:
        if changes:
            load.call(boms.update_bom, **which, **changes)
        if lines_differ:
            load.call(boms.replace_bom_lines, **which, lines=drafts)
        if make_default:
            load.call(boms.set_default_bom, **which)

    return detail, apply


def _lines_diff(
    old: list[tuple[int, Decimal, Decimal]],
    new: list[tuple[int | None, Decimal | None, Decimal]],
    codes: dict[int | None, str],
) -> str:
    """Which components come, go or change quantity or scrap."""
    before = {c: (q, s) for c, q, s in old}
    after = {c: (q, s) for c, q, s in new}
    words = [f"+{codes[c]}" for c in after if c not in before]
    words += [f"-{codes[c]}" for c in before if c not in after]
    for c, (q, s) in after.items():
        if c in before and before[c] != (q, s):
            was_q, was_s = before[c]
            change = _diff([("quantity", was_q, q), ("scrap_pct", was_s, s)])
            words.append(f"{codes[c]} {change}")
    return "components " + (", ".join(words) if words else "reordered")


# --- routings -------------------------------------------------------------------------------

# An operation's values as compared and shown (``_operation`` gives them in this order).
_OPERATION_FIELDS = (
    "work_centre",
    "setup_hours",
    "run_hours",
    "supplier",
    "outsourced_price",
    "description",
)


def load_routings(
    *,
    session: Session,
    user: User,
    division: str | int,
    rows: list[RoutingRow],
    dry_run: bool = False,
) -> list[PlannedChange]:
    """Set the routings of the BOM versions of the file (key: item + version + sequence):
    the file's operations of a version replace its routing; an operation of that version
    the file leaves out is removed (and listed). Right ``manage_items``."""
    load = _begin(session, user, division, "manage_items", rows, "routings")
    currency = load.currency()
    items = _by_code(load.records(Item))
    centres = _by_code(load.records(WorkCentre))
    versions = {(b.item_id, b.version): b for b in load.records(BillOfMaterials)}
    groups: dict[int, list[tuple[RoutingRow, boms.OperationDraft, tuple[Any, ...]]]] = {}
    names: dict[int, str] = {}
    for r in rows:
        parent = _item(items, r.row, "item", r.item)
        version = cells.code(r.row, "version", r.version, 20)
        bom = versions.get((parent.id or 0, version))
        if bom is None or bom.id is None:
            raise ValidationError(
                N_(
                    "Row {row}: item {item} has no BOM version {version}; load it with the "
                    "boms file first."
                ),
                field="version",
                row=r.row,
                item=parent.code,
                version=version,
            )
        cells.required(r.row, "sequence", r.sequence)
        cells.whole(r.row, "sequence", r.sequence, above_zero=True)
        load.once(
            (bom.id, r.sequence),
            r.row,
            f"operation {r.sequence} of item {parent.code} version {version}",
        )
        draft, values = _operation(load, currency, centres, r)
        groups.setdefault(bom.id, []).append((r, draft, values))
        names[bom.id] = f"{parent.code} {version}"
    codes = _codes(items.values())
    supplier_codes = _codes(load.records(Relation))
    centre_codes = _codes(centres.values())
    for bom_id, group in groups.items():
        bom = next(b for b in versions.values() if b.id == bom_id)
        current = {
            op.sequence: (
                centre_codes.get(op.work_centre_id, ""),
                op.setup_hours,
                op.run_hours,
                supplier_codes.get(op.supplier_id, ""),
                op.outsourced_price,
                op.description,
            )
            for op in session.exec(select(BomOperation).where(BomOperation.bom_id == bom_id))
        }
        changes: list[PlannedChange] = []
        for r, _, values in group:
            old = current.get(r.sequence or 0)
            detail = (
                _operation_text(values)
                if old is None
                else _diff(list(zip(_OPERATION_FIELDS, old, values, strict=True)))
            )
            key = f"{names[bom_id]} {r.sequence}"
            changes.append(_change(r.row, key, new=old is None, detail=detail))
        given = {r.sequence for r, _, _ in group}
        first = group[0][0].row
        changes += [
            PlannedChange(first, f"{names[bom_id]} {seq}", "remove", _operation_text(old))
            for seq, old in sorted(current.items())
            if seq not in given
        ]
        apply = None
        if any(c.action != "unchanged" for c in changes):
            apply = load.later(
                boms.replace_bom_operations,
                item=codes[bom.item_id],
                version=bom.version,
                operations=[d for _, d, _ in sorted(group, key=lambda g: g[0].sequence or 0)],
            )
        # One service call per version; its refusal names the version's first row.
        load.steps.append(_Step(changes[0], apply))
        load.steps += [_Step(c) for c in changes[1:]]
    return load.run(dry_run)


def _operation(
    load: _Load,
    currency: cells.Currency,
    centres: dict[str, WorkCentre],
    r: RoutingRow,
) -> tuple[boms.OperationDraft, tuple[Any, ...]]:
    """The row as the BOM service takes it, and its values as stored (to compare)."""
    centre_code = r.work_centre.strip()
    supplier = _supplier(load, r.row, "supplier", r.supplier)
    if bool(centre_code) == (supplier is not None):
        raise ValidationError(
            N_("Row {row}: give a work_centre, or a supplier for an outsourced step (not both)."),
            field="work_centre",
            row=r.row,
        )
    setup = cells.quantity(r.row, "setup_hours", r.setup_hours) or Decimal(0)
    run = cells.quantity(r.row, "run_hours", r.run_hours) or Decimal(0)
    price = cells.money(r.row, "outsourced_price", r.outsourced_price, currency) or Decimal(0)
    if centre_code:
        centre = centres.get(centre_code)
        if centre is None:
            raise ValidationError(
                N_(
                    "Row {row}, column work_centre: work centre {work_centre} does not exist; "
                    "load it with the work-centres file first."
                ),
                field="work_centre",
                row=r.row,
                work_centre=centre_code,
            )
        if price != 0:
            raise ValidationError(
                N_("Row {row}: a step on a work centre has no outsourced_price."),
                field="outsourced_price",
                row=r.row,
            )
    elif setup != 0 or run != 0:
        raise ValidationError(
            N_("Row {row}: an outsourced step has a price, not setup or run hours."),
            field="setup_hours",
            row=r.row,
        )
    supplier_code = supplier.code if supplier is not None else ""
    description = r.description.strip()
    draft = boms.OperationDraft(
        sequence=r.sequence or 0,
        work_centre=centre_code or None,
        setup_hours=setup,
        run_hours=run,
        supplier=supplier_code or None,
        outsourced_price=price,
        description=description,
    )
    return draft, (centre_code, setup, run, supplier_code, price, description)


def _operation_text(values: tuple[Any, ...]) -> str:
    centre, setup, run, supplier, price, _ = values
    if supplier:
        return f"outsourced to {supplier} at {show(price)}"
    return f"{centre} setup {show(setup)} h, run {show(run)} h"
