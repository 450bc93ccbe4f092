"""Price rules, the price a clerk gets, and bulk list-price changes.

A price rule applies to items (one item, an item group, or all items) for customers (one
customer, a customer group, or all customers), from ``valid_from`` to ``valid_to``
(inclusive; open-ended when empty) and from ``min_quantity`` units. It gives either a
net unit ``price``, a ``discount`` (percent off the item's list price) or a ``margin``
(percent on top of the item's cost: the standard cost for standard-cost items, the
purchase price for average-cost items until stock valuation exists).

Precedence — :func:`price_for` takes, among the rules valid for the division, date,
quantity, item and customer, the most specific one:

1. customer scope: a rule for this customer beats one for a customer group the customer
   is in, which beats one for all customers;
2. then item scope: a rule for this item beats one for the item's group, which beats one
   for all items;
3. then a promotion (``is_promotion``) beats a non-promotion of the same specificity;
4. then the highest ``min_quantity`` (not above the ordered quantity) wins;
5. then the lowest resulting unit price; then the oldest rule (lowest id).

Without any valid rule the price is the item's list price (``Item.sales_price``). Every
resulting price is rounded half-up to the division currency's decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import exact_money, round_money, to_decimal
from transactional.organisation import rights
from transactional.organisation.models import User
from transactional.relations.models import Relation
from transactional.wholesale.items import (
    currency_decimals,
    find_customer,
    find_customer_group,
    find_item,
    find_item_group,
)
from transactional.wholesale.models import PRICE_KINDS, CustomerGroupMember, Item, PriceRule

_CUSTOMER_RANK = {"customer": 2, "customer_group": 1, "all": 0}
_ITEM_RANK = {"item": 2, "item_group": 1, "all": 0}
MAX_MARGIN = Decimal(1000)


@dataclass(frozen=True)
class PriceResult:
    """The unit price for one item, customer, date and quantity, and why."""

    unit_price: Decimal
    rule_id: int | None
    explanation: str


def create_price_rule(
    *,
    session: Session,
    user: User,
    division: str | int,
    kind: str,
    value: Decimal | str,
    valid_from: date | str,
    valid_to: date | str | None = None,
    item: str | int | None = None,
    item_group: str | int | None = None,
    customer: str | int | None = None,
    customer_group: str | int | None = None,
    min_quantity: Decimal | str = Decimal(0),
    is_promotion: bool = False,
    description: str = "",
) -> PriceRule:
    """Create a price rule; the scopes follow from which of item / item_group and
    customer / customer_group are given (neither means all)."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, "manage_items", div.id)
    if kind not in PRICE_KINDS:
        raise ValidationError(N_("Kind must be price, discount or margin."), field="kind")
    if item is not None and item != "" and item_group is not None and item_group != "":
        raise ValidationError(
            N_("A rule is for one item or for one item group, not both."), field="item_group"
        )
    if (
        customer is not None
        and customer != ""
        and customer_group is not None
        and customer_group != ""
    ):
        raise ValidationError(
            N_("A rule is for one customer or for one customer group, not both."),
            field="customer_group",
        )
    the_item = find_item(lookups, div, item) if item is not None and item != "" else None
    the_group = (
        find_item_group(lookups, div, item_group, field="item_group")
        if item_group is not None and item_group != ""
        else None
    )
    the_customer = (
        find_customer(lookups, div, customer, field="customer")
        if customer is not None and customer != ""
        else None
    )
    the_cgroup = (
        find_customer_group(lookups, div, customer_group, field="customer_group")
        if customer_group is not None and customer_group != ""
        else None
    )
    start = parse_date(valid_from, field="valid_from", label="Valid from")
    end = (
        parse_date(valid_to, field="valid_to", label="Valid to")
        if valid_to is not None and valid_to != ""
        else None
    )
    if end is not None and end < start:
        raise ValidationError(
            N_("Valid to ({valid_to}) is before valid from ({valid_from})."),
            field="valid_to",
            valid_to=end.isoformat(),
            valid_from=start.isoformat(),
        )
    min_qty = to_decimal(min_quantity, field="min_quantity", label="Minimum quantity")
    if min_qty < 0:
        raise ValidationError(N_("The minimum quantity cannot be negative."), field="min_quantity")
    amount = to_decimal(value, field="value", label="Value")
    if kind == "price":
        if amount < 0:
            raise ValidationError(N_("A net price cannot be negative."), field="value")
        amount = exact_money(
            amount,
            currency_decimals(lookups, div),
            currency=div.currency_code,
            field="value",
            label="Net price",
        )
    elif kind == "discount":
        if not Decimal(0) <= amount <= Decimal(100):
            raise ValidationError(
                N_("A discount is between 0 and 100 %, not {amount} %."),
                field="value",
                amount=amount,
            )
    elif not Decimal(0) <= amount <= MAX_MARGIN:
        raise ValidationError(
            N_("A margin is between 0 and {maximum} %, not {amount} %."),
            field="value",
            maximum=MAX_MARGIN,
            amount=amount,
        )
    rule = PriceRule(
        division_id=div.id or 0,
        item_scope="item" if the_item else "item_group" if the_group else "all",
        customer_scope="customer" if the_customer else "customer_group" if the_cgroup else "all",
        item_id=the_item.id if the_item else None,
        item_group_id=the_group.id if the_group else None,
        relation_id=the_customer.id if the_customer else None,
        customer_group_id=the_cgroup.id if the_cgroup else None,
        valid_from=start,
        valid_to=end,
        min_quantity=min_qty,
        kind=kind,
        value=amount,
        is_promotion=bool(is_promotion),
        description=str(description or "").strip(),
    )
    session.add(rule)
    session.flush()
    return rule


def _cost(item: Item) -> Decimal:
    return item.standard_cost if item.cost_method == "standard" else item.purchase_price


def _apply(rule: PriceRule, item: Item, decimals: int) -> tuple[Decimal, str]:
    if rule.kind == "price":
        return round_money(rule.value, decimals), "net price"
    pct = rule.value.normalize()
    if rule.kind == "discount":
        base = item.sales_price
        price = round_money(base * (Decimal(100) - rule.value) / Decimal(100), decimals)
        return price, f"{pct:f} % off list price {round_money(base, decimals)}"
    base = _cost(item)
    price = round_money(base * (Decimal(100) + rule.value) / Decimal(100), decimals)
    return price, f"{pct:f} % margin on cost {round_money(base, decimals)}"


def _scope_text(rule: PriceRule, item: Item, customer: Relation | None) -> str:
    who = {
        "customer": f"customer {customer.code if customer else ''}",
        "customer_group": "the customer's group",
        "all": "all customers",
    }[rule.customer_scope]
    what = {"item": f"item {item.code}", "item_group": "the item's group", "all": "all items"}[
        rule.item_scope
    ]
    return f"{who}, {what}"


def price_for(
    session: Session,
    *,
    division: str | int,
    item: str | int,
    customer: str | int | None = None,
    on: date | str,
    quantity: Decimal | str | int = 1,
) -> PriceResult:
    """The unit price a clerk gets (read-only; see the module docstring for precedence)."""
    lookups = Lookups(session)
    div = lookups.division(division)
    the_item = find_item(lookups, div, item)
    the_customer = (
        find_customer(lookups, div, customer, field="customer")
        if customer is not None and customer != ""
        else None
    )
    day = parse_date(on, field="date", label="Date")
    qty = to_decimal(quantity, field="quantity", label="Quantity")
    if qty <= 0:
        raise ValidationError(N_("The quantity must be positive."), field="quantity")
    decimals = currency_decimals(lookups, div)
    groups: list[int] = []
    if the_customer is not None:
        groups = list(
            session.exec(
                select(CustomerGroupMember.customer_group_id).where(
                    CustomerGroupMember.relation_id == the_customer.id
                )
            ).all()
        )
    item_match = [col(PriceRule.item_scope) == "all", col(PriceRule.item_id) == the_item.id]
    if the_item.item_group_id is not None:
        item_match.append(col(PriceRule.item_group_id) == the_item.item_group_id)
    customer_match = [col(PriceRule.customer_scope) == "all"]
    if the_customer is not None:
        customer_match.append(col(PriceRule.relation_id) == the_customer.id)
    if groups:
        customer_match.append(col(PriceRule.customer_group_id).in_(groups))
    rules = session.exec(
        select(PriceRule).where(
            PriceRule.division_id == div.id,
            col(PriceRule.valid_from) <= day,
            or_(col(PriceRule.valid_to).is_(None), col(PriceRule.valid_to) >= day),
            or_(*item_match),
            or_(*customer_match),
        )
    ).all()
    candidates = []
    for rule in rules:
        if rule.min_quantity > qty:
            continue
        price, how = _apply(rule, the_item, decimals)
        key = (
            -_CUSTOMER_RANK[rule.customer_scope],
            -_ITEM_RANK[rule.item_scope],
            -int(rule.is_promotion),
            -rule.min_quantity,
            price,
            rule.id or 0,
        )
        candidates.append((key, rule, price, how))
    list_price = round_money(the_item.sales_price, decimals)
    if not candidates:
        return PriceResult(list_price, None, f"List price of item {the_item.code}: {list_price}.")
    _, rule, price, how = min(candidates, key=lambda c: c[0])
    label = "Promotion" if rule.is_promotion else "Price rule"
    desc = f" '{rule.description}'" if rule.description else ""
    qty_text = f", from {rule.min_quantity.normalize():f} units" if rule.min_quantity else ""
    return PriceResult(
        price,
        rule.id,
        f"{label} {rule.id}{desc} for {_scope_text(rule, the_item, the_customer)}"
        f"{qty_text}: {how} = {price}.",
    )


def bulk_price_change(
    *,
    session: Session,
    user: User,
    division: str | int,
    percentage: Decimal | str,
    item_group: str | int | None = None,
) -> int:
    """Raise (or lower) the list price of every item in a group, or of all items, by a
    percentage, rounded to the currency's decimals; returns how many items changed."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, "manage_items", div.id)
    pct = to_decimal(percentage, field="percentage", label="Percentage")
    if pct <= -100:
        raise ValidationError(
            N_("A price change must leave a positive price (more than -100 %)."), field="percentage"
        )
    stmt = select(Item).where(Item.division_id == div.id)
    if item_group is not None and item_group != "":
        group = find_item_group(lookups, div, item_group, field="item_group")
        stmt = stmt.where(Item.item_group_id == group.id)
    decimals = currency_decimals(lookups, div)
    changed = 0
    for it in session.exec(stmt.order_by(col(Item.id))).all():
        new_price = round_money(it.sales_price * (Decimal(100) + pct) / Decimal(100), decimals)
        if new_price != it.sales_price:
            it.sales_price = new_price
            session.add(it)
            changed += 1
    session.flush()
    return changed
