"""Services for wholesale master data: item groups, items, barcodes, warehouses,
locations and customer groups. Each checks the ``manage_items`` right in the division,
validates everything before it writes, and is audited by the session listener.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from sqlalchemy import text
from sqlmodel import Session, select

from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import exact_money, to_decimal
from transactional.organisation import rights
from transactional.organisation.coded_records import find_open_record, require_code_free
from transactional.organisation.models import Division, User
from transactional.relations.models import Relation
from transactional.wholesale.barcodes import validate_barcode
from transactional.wholesale.models import (
    COST_METHODS,
    TRACKING,
    CustomerGroup,
    CustomerGroupMember,
    Item,
    ItemBarcode,
    ItemGroup,
    Location,
    Warehouse,
)

UNITS = ("pcs", "kg", "g", "l", "m", "m2", "m3", "box", "pack", "pair", "set", "hour")


def _code(value: object, *, field: str = "code", label: str = "Code") -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(N_("{label} is required."), field=field, label=label)
    if len(text) > 30:
        raise ValidationError(N_("{label} is at most 30 characters."), field=field, label=label)
    return text


def _name(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(N_("Name is required."), field="name")
    return text


def _amount(value: object, *, field: str, label: str, decimals: int, currency: str) -> Decimal:
    amount = to_decimal(value, field=field, label=label)
    if amount < 0:
        raise ValidationError(N_("{label} cannot be negative."), field=field, label=label)
    return exact_money(amount, decimals, currency=currency, field=field, label=label)


def _managed_division(
    session: Session, user: User, division: str | int
) -> tuple[Lookups, Division]:
    """Every master-data service starts here: the division, and the user's right to
    manage its items."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, "manage_items", div.id)
    return lookups, div


def currency_decimals(lookups: Lookups, division: Division) -> int:
    return lookups.currency(division.currency_code).decimals


# Item groups, warehouses and customer groups are all "a code and a name per division";
# one lookup and one create keep their messages and duplicate checks alike.
_Coded = TypeVar("_Coded", ItemGroup, Warehouse, CustomerGroup)


def _find_coded(
    lookups: Lookups,
    model: type[_Coded],
    label: str,
    division: Division,
    ref: int | str,
    field: str,
) -> _Coded:
    stmt = select(model).where(model.division_id == division.id)
    stmt = stmt.where(model.id == ref if isinstance(ref, int) else model.code == str(ref))
    found = lookups.session.exec(stmt).first()
    if found is None:
        raise ValidationError(
            N_("{label} {ref} does not exist in division {division}."),
            field=field,
            label=label,
            ref=ref,
            division=division.code,
        )
    return found


def _create_coded(
    session: Session,
    user: User,
    division: str | int,
    model: type[_Coded],
    label: str,
    code: str,
    name: str,
) -> _Coded:
    _, div = _managed_division(session, user, division)
    code, name = _code(code), _name(name)
    require_code_free(session, model, div, code, label=label)
    row = model(division_id=div.id or 0, code=code, name=name)
    session.add(row)
    session.flush()
    return row


def find_item_group(
    lookups: Lookups, division: Division, ref: int | str, *, field: str
) -> ItemGroup:
    return _find_coded(lookups, ItemGroup, "Item group", division, ref, field)


def find_item(lookups: Lookups, division: Division, ref: int | str, *, field: str = "item") -> Item:
    if not isinstance(ref, int) and not str(ref or "").strip():
        raise ValidationError(N_("Item is required."), field=field)
    stmt = select(Item).where(Item.division_id == division.id)
    stmt = stmt.where(Item.id == ref if isinstance(ref, int) else Item.code == str(ref).strip())
    found = lookups.session.exec(stmt).first()
    if found is None:
        raise ValidationError(
            N_("Item {ref} does not exist in division {division}."),
            field=field,
            ref=ref,
            division=division.code,
        )
    return found


def find_customer_group(
    lookups: Lookups, division: Division, ref: int | str, *, field: str
) -> CustomerGroup:
    return _find_coded(lookups, CustomerGroup, "Customer group", division, ref, field)


def find_customer(lookups: Lookups, division: Division, ref: int | str, *, field: str) -> Relation:
    rel = lookups.relation(division, ref, field=field)
    if rel.relation_type not in ("customer", "both"):
        raise ValidationError(
            N_("Relation {relation} is not a customer."), field=field, relation=rel.code
        )
    return rel


def create_item_group(
    *, session: Session, user: User, division: str | int, code: str, name: str
) -> ItemGroup:
    return _create_coded(session, user, division, ItemGroup, "Item group", code, name)


def create_item(
    *,
    session: Session,
    user: User,
    division: str | int,
    code: str,
    name: str,
    item_group: str | int | None = None,
    unit: str = "pcs",
    tracking: str = "none",
    allow_negative_stock: bool = False,
    cost_method: str = "average",
    standard_cost: Decimal | str = Decimal(0),
    sales_price: Decimal | str = Decimal(0),
    purchase_price: Decimal | str = Decimal(0),
    revenue_account: str | None = None,
    cost_account: str | None = None,
) -> Item:
    lookups, div = _managed_division(session, user, division)
    code, name = _code(code), _name(name)
    group = (
        find_item_group(lookups, div, item_group, field="item_group")
        if item_group is not None and item_group != ""
        else None
    )
    unit = str(unit or "").strip()
    if unit not in UNITS:
        raise ValidationError(
            N_("Unit must be one of {units}."), field="unit", units=", ".join(UNITS)
        )
    if tracking not in TRACKING:
        raise ValidationError(N_("Tracking must be none, serial or lot."), field="tracking")
    if cost_method not in COST_METHODS:
        raise ValidationError(N_("Cost method must be standard or average."), field="cost_method")
    decimals = currency_decimals(lookups, div)
    cur = div.currency_code
    std = _amount(
        standard_cost, field="standard_cost", label="Standard cost", decimals=decimals, currency=cur
    )
    sales = _amount(
        sales_price, field="sales_price", label="Sales price", decimals=decimals, currency=cur
    )
    purchase = _amount(
        purchase_price,
        field="purchase_price",
        label="Purchase price",
        decimals=decimals,
        currency=cur,
    )
    if cost_method == "standard" and std == 0:
        raise ValidationError(
            N_("An item valued at standard cost needs a standard cost."), field="standard_cost"
        )
    revenue = (
        lookups.account(div, revenue_account, field="revenue_account") if revenue_account else None
    )
    cost = lookups.account(div, cost_account, field="cost_account") if cost_account else None
    require_code_free(session, Item, div, code, label="Item")
    new = Item(
        division_id=div.id or 0,
        code=code,
        name=name,
        item_group_id=group.id if group else None,
        unit=unit,
        tracking=tracking,
        allow_negative_stock=bool(allow_negative_stock),
        cost_method=cost_method,
        standard_cost=std,
        sales_price=sales,
        purchase_price=purchase,
        revenue_account_id=revenue.id if revenue else None,
        cost_account_id=cost.id if cost else None,
    )
    session.add(new)
    session.flush()
    return new


def update_item(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    name: str | None = None,
    unit: str | None = None,
    sales_price: Decimal | str | None = None,
    purchase_price: Decimal | str | None = None,
    standard_cost: Decimal | str | None = None,
) -> Item:
    """Change an item's name, unit or prices (None: as it is). The standard cost of an item
    valued at standard cost changes with the revaluation of its stock
    (``stock.standard_cost.change_standard_cost``), not here; a unit changes only while no
    stock has moved (the quantities on record are in the old one)."""
    lookups, div = _managed_division(session, user, division)
    target = find_item(lookups, div, item)
    decimals = currency_decimals(lookups, div)
    cur = div.currency_code
    if name is not None:
        target.name = _name(name)
    if unit is not None and unit != target.unit:
        unit = str(unit).strip()
        if unit not in UNITS:
            raise ValidationError(
                N_("Unit must be one of {units}."), field="unit", units=", ".join(UNITS)
            )
        # Plain SQL: the stock package sits above wholesale (it imports the items).
        moved = session.execute(
            text("SELECT 1 FROM stock_movement WHERE item_id = :item LIMIT 1"),
            {"item": target.id},
        ).first()
        if moved is not None:
            raise ValidationError(
                N_("Item {item} has stock movements; its unit cannot change."),
                field="unit",
                item=target.code,
            )
        target.unit = unit
    if sales_price is not None:
        target.sales_price = _amount(
            sales_price, field="sales_price", label="Sales price", decimals=decimals, currency=cur
        )
    if purchase_price is not None:
        target.purchase_price = _amount(
            purchase_price,
            field="purchase_price",
            label="Purchase price",
            decimals=decimals,
            currency=cur,
        )
    if standard_cost is not None:
        cost = _amount(
            standard_cost,
            field="standard_cost",
            label="Standard cost",
            decimals=decimals,
            currency=cur,
        )
        if target.cost_method == "standard" and cost != target.standard_cost:
            raise ValidationError(
                N_(
                    "Item {item} is valued at standard cost: change its standard cost with the "
                    "revaluation of its stock."
                ),
                field="standard_cost",
                item=target.code,
            )
        target.standard_cost = cost
    session.add(target)
    session.flush()
    return target


def add_barcode(
    *,
    session: Session,
    user: User,
    division: str | int,
    item: str | int,
    barcode: str,
    kind: str | None = None,
) -> ItemBarcode:
    """Add a barcode to an item; a barcode may belong to one item in the whole database."""
    lookups, div = _managed_division(session, user, division)
    target = find_item(lookups, div, item)
    code, kind = validate_barcode(barcode, kind)
    taken = session.exec(select(ItemBarcode).where(ItemBarcode.barcode == code)).first()
    if taken is not None:
        owner = session.get(Item, taken.item_id)
        where = "another item"
        if owner is not None:
            owner_div = session.get(Division, owner.division_id)
            where = f"item {owner.code} in {owner_div.code if owner_div else owner.division_id}"
        raise ValidationError(
            N_("Barcode {code} is already used by {where}."),
            field="barcode",
            code=code,
            where=where,
        )
    row = ItemBarcode(item_id=target.id or 0, barcode=code, kind=kind)
    session.add(row)
    session.flush()
    return row


def create_warehouse(
    *, session: Session, user: User, division: str | int, code: str, name: str
) -> Warehouse:
    return _create_coded(session, user, division, Warehouse, "Warehouse", code, name)


def create_location(
    *, session: Session, user: User, division: str | int, warehouse: str, code: str, name: str
) -> Location:
    lookups, div = _managed_division(session, user, division)
    wh_code = str(warehouse or "").strip()
    if not wh_code:
        raise ValidationError(N_("Warehouse is required."), field="warehouse")
    wh = session.exec(
        select(Warehouse).where(Warehouse.division_id == div.id, Warehouse.code == wh_code)
    ).first()
    if wh is None:
        raise ValidationError(
            N_("Warehouse {warehouse} does not exist in division {division}."),
            field="warehouse",
            warehouse=wh_code,
            division=div.code,
        )
    code, name = _code(code), _name(name)
    if session.exec(
        select(Location).where(Location.warehouse_id == wh.id, Location.code == code)
    ).first():
        raise ValidationError(
            N_("Location {code} already exists in warehouse {warehouse}."),
            field="code",
            code=code,
            warehouse=wh.code,
        )
    loc = Location(warehouse_id=wh.id or 0, code=code, name=name)
    session.add(loc)
    session.flush()
    return loc


def create_customer_group(
    *, session: Session, user: User, division: str | int, code: str, name: str
) -> CustomerGroup:
    return _create_coded(session, user, division, CustomerGroup, "Customer group", code, name)


def add_customer_to_group(
    *, session: Session, user: User, division: str | int, customer_group: str, customer: str
) -> CustomerGroupMember:
    lookups, div = _managed_division(session, user, division)
    group = find_customer_group(lookups, div, customer_group, field="customer_group")
    rel = find_customer(lookups, div, customer, field="customer")
    if session.exec(
        select(CustomerGroupMember).where(
            CustomerGroupMember.customer_group_id == group.id,
            CustomerGroupMember.relation_id == rel.id,
        )
    ).first():
        raise ValidationError(
            N_("Customer {relation} is already in group {group}."),
            field="customer",
            relation=rel.code,
            group=group.code,
        )
    member = CustomerGroupMember(customer_group_id=group.id or 0, relation_id=rel.id or 0)
    session.add(member)
    session.flush()
    return member


def find_warehouse(
    session: Session, division: Division, ref: int | str, *, field: str = "warehouse"
) -> Warehouse:
    if not isinstance(ref, int) and not str(ref or "").strip():
        raise ValidationError(N_("Warehouse is required."), field=field)
    return find_open_record(
        session, Warehouse, division, ref, label="Warehouse", says_closed=True, field=field
    )
