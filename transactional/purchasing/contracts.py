"""Supply contracts: a supplier's volume of an item at a price over a period.

Purchase orders draw on a valid contract (its price, its lead time); the ordered quantity
is counted against the contracted volume and refused beyond it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import round_money, to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import Division, User
from transactional.purchasing.models import SupplyContract
from transactional.relations.models import Relation
from transactional.stock.tracking import qty_text
from transactional.wholesale.items import find_item
from transactional.wholesale.models import Item

PRICE_DECIMALS = 4  # unit prices keep the Money column's 4 decimals


def find_supplier(
    lookups: Lookups, division: Division, ref: int | str, *, field: str = "supplier"
) -> Relation:
    """A supplier (or customer-and-supplier) of the division, still active."""
    rel = lookups.relation(division, ref, field=field)
    if rel.relation_type not in ("supplier", "both"):
        raise ValidationError(
            N_("{relation_name} ({relation}) is not a supplier."),
            field=field,
            relation_name=rel.name,
            relation=rel.code,
        )
    if not rel.is_active:
        raise ValidationError(N_("Supplier {relation} is blocked."), field=field, relation=rel.code)
    return rel


def create_supply_contract(
    *,
    session: Session,
    user: User,
    division: str | int,
    supplier: str | int,
    item: str | int,
    valid_from: date | str,
    valid_to: date | str,
    quantity: Decimal | str,
    unit_price: Decimal | str,
    currency: str | None = None,
    lead_time_days: int | str = 14,
) -> SupplyContract:
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "purchase", div.id)
    rel = find_supplier(lookups, div, supplier)
    article = find_item(lookups, div, item)
    start = parse_date(valid_from, field="valid_from", label="Valid from")
    end = parse_date(valid_to, field="valid_to", label="Valid to")
    if end < start:
        raise ValidationError(N_("The contract cannot end before it starts."), field="valid_to")
    qty = to_decimal(quantity, field="quantity", label="Contracted quantity")
    if qty <= 0:
        raise ValidationError(N_("The contracted quantity must be above zero."), field="quantity")
    price = to_decimal(unit_price, field="unit_price", label="Unit price")
    if price < 0:
        raise ValidationError(N_("The unit price cannot be negative."), field="unit_price")
    cur = lookups.currency(currency or rel.currency_code, field="currency")
    try:
        lead = int(str(lead_time_days).strip())
    except ValueError:
        raise ValidationError(
            N_("Lead time must be a whole number of days, not '{lead_time_days}'."),
            field="lead_time_days",
            lead_time_days=lead_time_days,
        ) from None
    if lead < 0:
        raise ValidationError(N_("Lead time cannot be negative."), field="lead_time_days")
    contract = SupplyContract(
        division_id=div.id,
        number=next_number(session, div.id, "supply_contract", start.year),
        relation_id=rel.id or 0,
        item_id=article.id or 0,
        valid_from=start,
        valid_to=end,
        contracted_quantity=qty,
        unit_price=round_money(price, PRICE_DECIMALS),
        currency_code=cur.code,
        lead_time_days=lead,
        created_by=user.id or 0,
    )
    session.add(contract)
    session.flush()
    return contract


def find_contract(
    session: Session,
    division: Division,
    supplier: Relation,
    item: Item,
    on: date,
    ref: int | str | None,
    *,
    field: str,
) -> SupplyContract | None:
    """The named contract (checked for supplier, item and date), else the first valid one
    for supplier and item on the date (oldest first), else None. The row is locked."""
    stmt = select(SupplyContract).where(SupplyContract.division_id == division.id)
    if ref is not None and ref != "":
        stmt = stmt.where(
            SupplyContract.id == ref
            if isinstance(ref, int)
            else SupplyContract.number == str(ref).strip()
        )
        found = session.exec(stmt.with_for_update()).first()
        if found is None:
            raise ValidationError(
                N_("Supply contract {ref} does not exist in division {division}."),
                field=field,
                ref=ref,
                division=division.code,
            )
        if found.relation_id != supplier.id or found.item_id != item.id:
            raise ValidationError(
                N_("Supply contract {contract} is not for supplier {supplier} and item {item}."),
                field=field,
                contract=found.number,
                supplier=supplier.code,
                item=item.code,
            )
        if not found.valid_from <= on <= found.valid_to:
            raise ValidationError(
                N_(
                    "Supply contract {contract} is valid from {valid_from} to {valid_to}, not on "
                    "{date}."
                ),
                field=field,
                contract=found.number,
                valid_from=found.valid_from,
                valid_to=found.valid_to,
                date=on,
            )
        return found
    stmt = (
        stmt.where(
            SupplyContract.relation_id == supplier.id,
            SupplyContract.item_id == item.id,
            col(SupplyContract.valid_from) <= on,
            col(SupplyContract.valid_to) >= on,
        )
        .order_by(col(SupplyContract.valid_from), col(SupplyContract.id))
        .with_for_update()
    )
    valid = list(session.exec(stmt).all())
    # Prefer a contract with volume left; an exhausted one is still returned so the caller
    # refuses with its number rather than silently buying at another price.
    for contract in valid:
        if contract.quantity_ordered < contract.contracted_quantity:
            return contract
    return valid[0] if valid else None


def draw(contract: SupplyContract, quantity: Decimal, *, where: str, field: str) -> None:
    """Count ``quantity`` against the contracted volume, or refuse beyond it."""
    left = contract.contracted_quantity - contract.quantity_ordered
    if quantity > left:
        raise ValidationError(
            N_(
                "{where}: supply contract {contract} has {left} of {contracted} left; {quantity} "
                "cannot be ordered on it (the contracted volume is exhausted)."
            ),
            field=field,
            where=where,
            contract=contract.number,
            left=qty_text(left),
            contracted=qty_text(contract.contracted_quantity),
            quantity=qty_text(quantity),
        )
    contract.quantity_ordered += quantity
