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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from transactional import clock
from transactional.errors import N_, PermissionDenied, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing import boms, item_planning, sales_plan, work_centres
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


# A planned change with the service calls that make it (not run in a plain dry run).
@dataclass
class _Step:
    change: PlannedChange
    apply: Callable[[], object] | None = None
    rows: list[int] = field(default_factory=list)


RATE_DECIMALS = 8  # quantities, hours and percentages are stored with 8 decimals


# --- shared checks --------------------------------------------------------------------------


def _division(session: Session, user: User, division: str | int, action: str) -> Division:
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, action, div.id)  # a dry run too: it shows the data
    return div


def _refuse_empty(rows: list[Any], kind: str) -> None:
    if not rows:
        raise ValidationError(N_("The {kind} file has no rows."), field="rows", kind=kind)


def _required(row: int, column: str, value: object) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(
            N_("Row {row}, column {column}: a value is required."),
            field=column,
            row=row,
            column=column,
        )


def _code(row: int, column: str, value: str, length: int) -> str:
    _required(row, column, value)
    text = value.strip()
    if len(text) > length:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is longer than {length} characters."),
            field=column,
            row=row,
            column=column,
            value=text,
            length=length,
        )
    return text


def _once(seen: dict[Any, int], key: Any, row: int, what: str) -> None:
    """Refuse a record named twice in one file (the second row would silently win)."""
    if key in seen:
        raise ValidationError(
            N_("Row {row}: {what} is already on row {first}; give each once."),
            field="rows",
            row=row,
            what=what,
            first=seen[key],
        )
    seen[key] = row


def _quantity(
    row: int, column: str, value: Decimal | None, *, above_zero: bool = False
) -> Decimal | None:
    """A quantity, hours or percentage: not negative (above zero where asked), at most 8
    decimals."""
    if value is None:
        return None
    if above_zero and value <= 0:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} must be above zero."),
            field=column,
            row=row,
            column=column,
            value=_show(value),
        )
    if value < 0:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} cannot be negative."),
            field=column,
            row=row,
            column=column,
            value=_show(value),
        )
    if value != value.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        raise ValidationError(
            N_("Row {row}, column {column}: {value} has more than 8 decimals."),
            field=column,
            row=row,
            column=column,
            value=_show(value),
        )
    return value


def _money(
    row: int, column: str, value: Decimal | None, div: Division, decimals: int
) -> Decimal | None:
    """A rate, price or cost in the division's currency: not negative, and with no more
    decimals than the currency has (never rounded)."""
    if value is None:
        return None
    if value < 0:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} cannot be negative."),
            field=column,
            row=row,
            column=column,
            value=_show(value),
        )
    if value != value.quantize(Decimal(1).scaleb(-decimals)):
        raise ValidationError(
            N_(
                "Row {row}, column {column}: {value} has more decimals than {currency} has "
                "({decimals}); amounts are not rounded."
            ),
            field=column,
            row=row,
            column=column,
            value=_show(value),
            currency=div.currency_code,
            decimals=decimals,
        )
    return value


def _decimals(session: Session, div: Division) -> int:
    return Lookups(session).currency(div.currency_code).decimals


def _show(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if value is None or value == "":
        return "(none)"
    return str(value)


def _diff(fields: list[tuple[str, object, object]]) -> str:
    """``name old -> new`` for each field given (new not None) that differs."""
    return "; ".join(
        f"{name} {_show(old)} -> {_show(new)}"
        for name, old, new in fields
        if new is not None and new != old
    )


def _items(session: Session, div: Division) -> dict[str, Item]:
    return {i.code: i for i in session.exec(select(Item).where(Item.division_id == div.id)).all()}


def _item(items: dict[str, Item], row: int, column: str, code: str) -> Item:
    _required(row, column, code)
    found = items.get(code.strip())
    if found is None:
        raise ValidationError(
            N_(
                "Row {row}, column {column}: item {item} does not exist; load it with the "
                "items file first."
            ),
            field=column,
            row=row,
            column=column,
            item=code.strip(),
        )
    return found


def _supplier(session: Session, div: Division, row: int, column: str, code: str) -> Relation | None:
    code = code.strip()
    if not code:
        return None
    found = session.exec(
        select(Relation).where(Relation.division_id == div.id, Relation.code == code)
    ).first()
    if found is None:
        raise ValidationError(
            N_(
                "Row {row}, column {column}: supplier {supplier} does not exist in division "
                "{division}."
            ),
            field=column,
            row=row,
            column=column,
            supplier=code,
            division=div.code,
        )
    if found.relation_type not in ("supplier", "both"):
        raise ValidationError(
            N_("Row {row}, column {column}: relation {supplier} is not a supplier."),
            field=column,
            row=row,
            column=column,
            supplier=code,
        )
    return found


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


def _run(session: Session, steps: list[_Step], dry_run: bool) -> list[PlannedChange]:
    """Apply the steps' service calls in a savepoint: kept by a load, rolled back by a dry
    run (which so meets every refusal the load would)."""
    todo = [s for s in steps if s.apply is not None]
    if todo:
        savepoint = session.begin_nested()
        try:
            for step in todo:
                assert step.apply is not None
                with _row_of(step.change.row):
                    step.apply()
            session.flush()
        except BaseException:
            savepoint.rollback()
            raise
        if dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
    return [s.change for s in steps]


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
    div = _division(session, user, division, "manage_items")
    _refuse_empty(rows, "work-centres")
    decimals = _decimals(session, div)
    existing = {
        w.code: w
        for w in session.exec(select(WorkCentre).where(WorkCentre.division_id == div.id)).all()
    }
    seen: dict[Any, int] = {}
    steps: list[_Step] = []
    for r in rows:
        code = _code(r.row, "code", r.code, 20)
        _once(seen, code, r.row, f"work centre {code}")
        _required(r.row, "name", r.name)
        values = {
            "name": r.name.strip(),
            "labour_rate": _money(r.row, "labour_rate", r.labour_rate, div, decimals),
            "machine_rate": _money(r.row, "machine_rate", r.machine_rate, div, decimals),
            "efficiency_pct": _quantity(r.row, "efficiency_pct", r.efficiency_pct, above_zero=True),
            "hours_per_week": _quantity(r.row, "hours_per_week", r.hours_per_week),
        }
        given = {k: v for k, v in values.items() if v is not None}
        current = existing.get(code)
        if current is None:
            steps.append(
                _Step(
                    PlannedChange(r.row, code, "create", _new(given)),
                    _call(
                        work_centres.create_work_centre,
                        session=session,
                        user=user,
                        division=div.code,
                        code=code,
                        **given,
                    ),
                )
            )
            continue
        detail = _diff([(k, getattr(current, k), v) for k, v in given.items()])
        if not detail:
            steps.append(_Step(PlannedChange(r.row, code, "unchanged")))
            continue
        steps.append(
            _Step(
                PlannedChange(r.row, code, "update", detail),
                _call(
                    work_centres.update_work_centre,
                    session=session,
                    user=user,
                    division=div.code,
                    work_centre=code,
                    **{k: v for k, v in given.items() if v != getattr(current, k)},
                ),
            )
        )
    return _run(session, steps, dry_run)


def _new(given: Mapping[str, object]) -> str:
    return "; ".join(f"{k} {_show(v)}" for k, v in given.items() if k != "name")


def _call(service: Callable[..., object], **kwargs: Any) -> Callable[[], object]:
    return lambda: service(**kwargs)


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
    div = _division(session, user, division, "manage_items")
    _refuse_empty(rows, "items")
    day = on or clock.today()
    decimals = _decimals(session, div)
    items = _items(session, div)
    plans = {
        p.item_id: p
        for p in session.exec(select(ItemPlanning).where(ItemPlanning.division_id == div.id))
    }
    relations = {
        r.id: r.code
        for r in session.exec(select(Relation).where(Relation.division_id == div.id)).all()
    }
    seen: dict[Any, int] = {}
    steps: list[_Step] = []
    for r in rows:
        code = _code(r.row, "code", r.code, 30)
        _once(seen, code, r.row, f"item {code}")
        _required(r.row, "name", r.name)
        _required(r.row, "supply", r.supply)
        supply = r.supply.strip().lower()
        _one_of(r.row, "supply", supply, SUPPLY_TYPES)
        unit = r.unit.strip() or None
        if unit is not None:
            _one_of(r.row, "unit", unit, UNITS)
        method = r.cost_method.strip().lower() or None
        if method is not None:
            _one_of(r.row, "cost_method", method, COST_METHODS)
        supplier = _supplier(session, div, r.row, "supplier", r.supplier)
        item_values: dict[str, object] = {
            "name": r.name.strip(),
            "unit": unit,
            "sales_price": _money(r.row, "sales_price", r.sales_price, div, decimals),
            "purchase_price": _money(r.row, "purchase_price", r.purchase_price, div, decimals),
        }
        standard = _money(r.row, "standard_cost", r.standard_cost, div, decimals)
        if r.lead_time_days is not None and r.lead_time_days < 0:
            raise ValidationError(
                N_("Row {row}, column {column}: {value} cannot be negative."),
                field="lead_time_days",
                row=r.row,
                column="lead_time_days",
                value=r.lead_time_days,
            )
        planning: dict[str, object] = {
            "supply": supply,
            "lead_time_days": r.lead_time_days,
            "minimum_quantity": _quantity(r.row, "minimum_quantity", r.minimum_quantity),
            "order_multiple": _quantity(r.row, "order_multiple", r.order_multiple),
            "safety_stock": _quantity(r.row, "safety_stock", r.safety_stock),
            "supplier": supplier.code if supplier is not None else None,
        }
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
        given_planning = {k: v for k, v in planning.items() if v is not None}
        if current is None:
            given = {k: v for k, v in item_values.items() if v is not None}
            if method is not None:
                given["cost_method"] = method
            if standard is not None:
                given["standard_cost"] = standard
            steps.append(
                _Step(
                    PlannedChange(r.row, code, "create", _new({**given, **given_planning})),
                    _create_item(session, user, div, code, given, given_planning),
                )
            )
            continue
        steps.append(
            _item_update(
                session,
                user,
                div,
                r.row,
                current,
                plans.get(current.id or 0),
                relations,
                item_values,
                method,
                standard,
                given_planning,
                day,
            )
        )
    return _run(session, steps, dry_run)


def _one_of(row: int, column: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not one of: {allowed}."),
            field=column,
            row=row,
            column=column,
            value=value,
            allowed=", ".join(allowed),
        )


def _create_item(
    session: Session,
    user: User,
    div: Division,
    code: str,
    given: dict[str, object],
    planning: dict[str, object],
) -> Callable[[], object]:
    def apply() -> None:
        wholesale_items.create_item(
            session=session,
            user=user,
            division=div.code,
            code=code,
            **given,  # type: ignore[arg-type]
        )
        item_planning.set_item_planning(
            session=session,
            user=user,
            division=div.code,
            item=code,
            **{**_PLANNING_DEFAULTS, **planning},  # type: ignore[arg-type]
        )

    return apply


def _item_update(
    session: Session,
    user: User,
    div: Division,
    row: int,
    current: Item,
    plan: ItemPlanning | None,
    relations: dict[int | None, str],
    item_values: dict[str, object],
    method: str | None,
    standard: Decimal | None,
    planning: dict[str, object],
    day: date,
) -> _Step:
    code = current.code
    item_changes = {
        k: v for k, v in item_values.items() if v is not None and v != getattr(current, k)
    }
    method_change = method is not None and method != current.cost_method
    # A standard cost given for an item valued at average is only its stored figure.
    standard_change = standard is not None and standard != current.standard_cost
    if standard_change and not method_change and current.cost_method == "average":
        item_changes["standard_cost"] = standard
    now_planning: dict[str, object] = (
        {
            "supply": plan.supply,
            "lead_time_days": plan.lead_time_days,
            "minimum_quantity": plan.minimum_quantity,
            "order_multiple": plan.order_multiple,
            "safety_stock": plan.safety_stock,
            "supplier": relations.get(plan.supplier_id) if plan.supplier_id else None,
        }
        if plan is not None
        else dict(_PLANNING_DEFAULTS)
    )
    planning_changes = {k: v for k, v in planning.items() if v != now_planning[k]}
    if plan is None:
        # No planning yet: it is created, with the file's values or the defaults.
        planning_changes = {**planning_changes, "supply": planning["supply"]}
    detail = _diff(
        [(k, getattr(current, k), v) for k, v in item_changes.items()]
        + ([("cost_method", current.cost_method, method)] if method_change else [])
        + (
            [("standard_cost", current.standard_cost, standard)]
            if standard_change and "standard_cost" not in item_changes
            else []
        )
        + [(k, now_planning[k], v) for k, v in planning_changes.items()]
    )
    if not detail:
        return _Step(PlannedChange(row, code, "unchanged"))

    def apply() -> None:
        if item_changes:
            wholesale_items.update_item(
                session=session,
                user=user,
                division=div.code,
                item=code,
                **item_changes,  # type: ignore[arg-type]
            )
        if method_change:
            standard_cost.change_cost_method(
                session=session,
                user=user,
                division=div.code,
                item=code,
                cost_method=method or "",
                on=day,
                standard_cost=standard,
                reason="items file",
            )
        elif standard_change and current.cost_method == "standard":
            standard_cost.change_standard_cost(
                session=session,
                user=user,
                division=div.code,
                item=code,
                new_cost=standard or Decimal(0),
                on=day,
                reason="items file",
            )
        if planning_changes:
            item_planning.set_item_planning(
                session=session,
                user=user,
                division=div.code,
                item=code,
                **{**now_planning, **planning},  # type: ignore[arg-type]
            )

    return _Step(PlannedChange(row, code, "update", detail), apply)


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
    div = _division(session, user, division, "manufacture")
    _refuse_empty(rows, "sales-plan")
    items = _items(session, div)
    phantoms = {
        p.item_id
        for p in session.exec(
            select(ItemPlanning).where(
                ItemPlanning.division_id == div.id, ItemPlanning.supply == "phantom"
            )
        )
    }
    existing = {
        (p.item_id, p.period_start): p
        for p in session.exec(select(SalesPlan).where(SalesPlan.division_id == div.id)).all()
    }
    seen: dict[Any, int] = {}
    steps: list[_Step] = []
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
        _required(r.row, "period_start", r.period_start)
        _required(r.row, "quantity", r.quantity)
        assert r.period_start is not None
        quantity = _quantity(r.row, "quantity", r.quantity)
        if r.period_days is not None and r.period_days <= 0:
            raise ValidationError(
                N_("Row {row}, column {column}: {value} must be above zero."),
                field="period_days",
                row=r.row,
                column="period_days",
                value=r.period_days,
            )
        key = f"{item.code} {r.period_start.isoformat()}"
        _once(
            seen,
            (item.id, r.period_start),
            r.row,
            f"item {item.code} from {r.period_start.isoformat()}",
        )
        current = existing.get((item.id or 0, r.period_start))
        apply = _call(
            sales_plan.set_sales_plan,
            session=session,
            user=user,
            division=div.code,
            item=item.code,
            period_start=r.period_start,
            quantity=quantity,
            period_days=r.period_days,
        )
        if current is None:
            days = r.period_days or sales_plan.DEFAULT_PERIOD_DAYS
            detail = f"quantity {_show(quantity)}; period_days {days}"
            steps.append(_Step(PlannedChange(r.row, key, "create", detail), apply))
            continue
        detail = _diff(
            [
                ("quantity", current.quantity, quantity),
                ("period_days", current.period_days, r.period_days),
            ]
        )
        if detail:
            steps.append(_Step(PlannedChange(r.row, key, "update", detail), apply))
        else:
            steps.append(_Step(PlannedChange(r.row, key, "unchanged")))
    return _run(session, steps, dry_run)


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
    div = _division(session, user, division, "manage_items")
    _refuse_empty(rows, "boms")
    items = _items(session, div)
    groups: dict[tuple[int, str], list[BomRow]] = {}
    parents: dict[tuple[int, str], Item] = {}
    for r in rows:
        parent = _item(items, r.row, "item", r.item)
        version = _code(r.row, "version", r.version, 20)
        component = _item(items, r.row, "component", r.component)
        if component.id == parent.id:
            raise ValidationError(
                N_("Row {row}: item {item} cannot be a component of itself."),
                field="component",
                row=r.row,
                item=parent.code,
            )
        _required(r.row, "quantity", r.quantity)
        _quantity(r.row, "quantity", r.quantity, above_zero=True)
        _percentage(r.row, "scrap_pct", r.scrap_pct)
        _quantity(r.row, "batch_quantity", r.batch_quantity, above_zero=True)
        key = (parent.id or 0, version)
        groups.setdefault(key, []).append(r)
        parents[key] = parent
    existing = {
        (b.item_id, b.version): b
        for b in session.exec(
            select(BillOfMaterials).where(BillOfMaterials.division_id == div.id)
        ).all()
    }
    codes = {i.id: i.code for i in items.values()}
    _refuse_cycles(session, div, groups, items, codes)
    steps: list[_Step] = []
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
        name = f"{parent.code} {version}"
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
            detail = _new({k: v for k, v in header.items() if v is not None})
            detail = f"{len(lines)} components" + (f"; {detail}" if detail else "")
            steps.append(
                _Step(
                    PlannedChange(first, name, "create", detail),
                    _call(
                        boms.create_bom,
                        session=session,
                        user=user,
                        division=div.code,
                        item=parent.code,
                        version=version,
                        valid_from=header["valid_from"],
                        valid_to=header.get("valid_to"),
                        batch_quantity=header.get("batch_quantity") or Decimal(1),
                        is_default=bool(header.get("is_default")),
                        lines=drafts,
                        operations=[],
                    ),
                )
            )
            continue
        steps.append(
            _bom_update(session, user, div, first, name, bom, header, lines, drafts, codes)
        )
    return _run(session, steps, dry_run)


def _refuse_cycles(
    session: Session,
    div: Division,
    groups: dict[tuple[int, str], list[BomRow]],
    items: dict[str, Item],
    codes: dict[int | None, str],
) -> None:
    """A component whose structure (any version, any level, with the file's versions in
    place of the stored ones) holds the parent is refused on its row, with the path. The
    BOM service checks each version as it is saved; this check sees the whole file at
    once (the first of its rows on a cycle is named, with the path), also in a dry run."""
    graph: dict[int, set[int]] = {}
    stored = session.exec(
        select(BillOfMaterials.item_id, BillOfMaterials.version, BomLine.component_id)
        .join(BomLine, col(BomLine.bom_id) == BillOfMaterials.id)
        .where(BillOfMaterials.division_id == div.id)
    ).all()
    for parent_id, version, component_id in stored:
        if (parent_id, version) not in groups:  # the file's lines replace a version's
            graph.setdefault(parent_id, set()).add(component_id)
    for (parent_id, _), group in groups.items():
        for r in group:
            graph.setdefault(parent_id, set()).add(items[r.component.strip()].id or 0)
    for (parent_id, _), group in groups.items():
        for r in group:
            path = _path(graph, items[r.component.strip()].id or 0, parent_id)
            if path is not None:
                raise ValidationError(
                    N_("Row {row}: component {component} contains {item} itself: {path}."),
                    field="component",
                    row=r.row,
                    component=r.component.strip(),
                    item=codes[parent_id],
                    path=" → ".join(codes[i] for i in [parent_id, *path]),
                )


def _path(graph: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """The items from ``start`` down to ``goal`` (both included), or None."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for child in sorted(graph.get(node, ()), reverse=True):
            stack.append((child, [*path, child]))
    return None


def _percentage(row: int, column: str, value: Decimal | None) -> None:
    _quantity(row, column, value)
    if value is not None and value > 100:
        raise ValidationError(
            N_("Row {row}, column {column}: {value} is above 100 (percent)."),
            field=column,
            row=row,
            column=column,
            value=_show(value),
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
                    value=_show(value),
                    first=where[column],
                    other=_show(header[column]),
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
    session: Session,
    user: User,
    div: Division,
    row: int,
    name: str,
    bom: BillOfMaterials,
    header: dict[str, Any],
    lines: list[tuple[int | None, Decimal | None, Decimal]],
    drafts: list[boms.BomLineDraft],
    codes: dict[int | None, str],
) -> _Step:
    current = [
        (line.component_id, line.quantity, line.scrap_pct)
        for line in session.exec(
            select(BomLine).where(BomLine.bom_id == bom.id).order_by(col(BomLine.line_number))
        ).all()
    ]
    changes = {
        k: header[k]
        for k in ("batch_quantity", "valid_from", "valid_to")
        if header.get(k) is not None and header[k] != getattr(bom, k)
    }
    make_default = bool(header.get("is_default")) and not bom.is_default
    lines_differ = current != lines
    parts = [_diff([(k, getattr(bom, k), v) for k, v in changes.items()])]
    if make_default:
        parts.append("becomes the default")
    if lines_differ:
        parts.append(_lines_diff(current, lines, codes))
    detail = "; ".join(p for p in parts if p)
    if not detail:
        return _Step(PlannedChange(row, name, "unchanged"))
    item, version = codes[bom.item_id], bom.version

    def apply() -> None:
        if changes:
            boms.update_bom(
                session=session,
                user=user,
                division=div.code,
                item=item,
                version=version,
                **changes,
            )
        if lines_differ:
            boms.replace_bom_lines(
                session=session,
                user=user,
                division=div.code,
                item=item,
                version=version,
                lines=drafts,
            )
        if make_default:
            boms.set_default_bom(
                session=session, user=user, division=div.code, item=item, version=version
            )

    return _Step(PlannedChange(row, name, "update", detail), apply)


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
    div = _division(session, user, division, "manage_items")
    _refuse_empty(rows, "routings")
    decimals = _decimals(session, div)
    items = _items(session, div)
    centres = {
        w.code: w
        for w in session.exec(select(WorkCentre).where(WorkCentre.division_id == div.id)).all()
    }
    versions = {
        (b.item_id, b.version): b
        for b in session.exec(
            select(BillOfMaterials).where(BillOfMaterials.division_id == div.id)
        ).all()
    }
    groups: dict[int, list[tuple[RoutingRow, boms.OperationDraft, tuple[Any, ...]]]] = {}
    names: dict[int, str] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        parent = _item(items, r.row, "item", r.item)
        version = _code(r.row, "version", r.version, 20)
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
        _required(r.row, "sequence", r.sequence)
        assert r.sequence is not None
        if r.sequence <= 0:
            raise ValidationError(
                N_("Row {row}, column {column}: {value} must be above zero."),
                field="sequence",
                row=r.row,
                column="sequence",
                value=r.sequence,
            )
        _once(
            seen,
            (bom.id, r.sequence),
            r.row,
            f"operation {r.sequence} of item {parent.code} version {version}",
        )
        draft, values = _operation(session, div, decimals, centres, r)
        groups.setdefault(bom.id, []).append((r, draft, values))
        names[bom.id] = f"{parent.code} {version}"
    steps: list[_Step] = []
    codes = {i.id: i.code for i in items.values()}
    supplier_codes = {
        rel.id: rel.code
        for rel in session.exec(select(Relation).where(Relation.division_id == div.id)).all()
    }
    centre_codes = {w.id: w.code for w in centres.values()}
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
            key = f"{names[bom_id]} {r.sequence}"
            old = current.get(r.sequence or 0)
            if old is None:
                changes.append(PlannedChange(r.row, key, "create", _operation_text(values)))
            elif old == values:
                changes.append(PlannedChange(r.row, key, "unchanged"))
            else:
                fields = (
                    "work_centre",
                    "setup_hours",
                    "run_hours",
                    "supplier",
                    "outsourced_price",
                    "description",
                )
                detail = _diff(list(zip(fields, old, values, strict=True)))
                changes.append(PlannedChange(r.row, key, "update", detail))
        given = {r.sequence for r, _, _ in group}
        first = group[0][0].row
        changes += [
            PlannedChange(first, f"{names[bom_id]} {seq}", "remove", _operation_text(old))
            for seq, old in sorted(current.items())
            if seq not in given
        ]
        apply = None
        if any(c.action != "unchanged" for c in changes):
            apply = _call(
                boms.replace_bom_operations,
                session=session,
                user=user,
                division=div.code,
                item=codes[bom.item_id],
                version=bom.version,
                operations=[d for _, d, _ in sorted(group, key=lambda g: g[0].sequence or 0)],
            )
        # One service call per version; its refusal names the version's first row.
        steps.append(_Step(changes[0], apply))
        steps += [_Step(c) for c in changes[1:]]
    return _run(session, steps, dry_run)


def _operation(
    session: Session,
    div: Division,
    decimals: int,
    centres: dict[str, WorkCentre],
    r: RoutingRow,
) -> tuple[boms.OperationDraft, tuple[Any, ...]]:
    """The row as the BOM service takes it, and its values as stored (to compare)."""
    centre_code = r.work_centre.strip()
    supplier = _supplier(session, div, r.row, "supplier", r.supplier)
    if bool(centre_code) == (supplier is not None):
        raise ValidationError(
            N_("Row {row}: give a work_centre, or a supplier for an outsourced step (not both)."),
            field="work_centre",
            row=r.row,
        )
    setup = _quantity(r.row, "setup_hours", r.setup_hours) or Decimal(0)
    run = _quantity(r.row, "run_hours", r.run_hours) or Decimal(0)
    price = _money(r.row, "outsourced_price", r.outsourced_price, div, decimals) or Decimal(0)
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
        return f"outsourced to {supplier} at {_show(price)}"
    return f"{centre} setup {_show(setup)} h, run {_show(run)} h"
