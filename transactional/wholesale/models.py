"""Wholesale master data: items and groups, barcodes, warehouses and locations,
customer groups and price rules (all scoped to one division).

Prices and costs are in the division's base currency.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate
from transactional.organisation.models import ClosableDivisionCoded, DivisionCoded

TRACKING = ("none", "serial", "lot")
COST_METHODS = ("standard", "average")
BARCODE_KINDS = ("EAN-8", "EAN-13", "UPC-A")
ITEM_SCOPES = ("item", "item_group", "all")
CUSTOMER_SCOPES = ("customer", "customer_group", "all")
PRICE_KINDS = ("price", "discount", "margin")


class ItemGroup(DivisionCoded, table=True):
    __tablename__ = "item_group"
    __table_args__ = (UniqueConstraint("division_id", "code"),)
    code: str = Field(max_length=30)  # as items.py allows (_code), not the default 20


class Item(SQLModel, table=True):
    """An article sold or bought; ``sales_price`` is the list price."""

    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("division_id", "code"),
        CheckConstraint("tracking IN ('none','serial','lot')", name="ck_item_tracking"),
        CheckConstraint("cost_method IN ('standard','average')", name="ck_item_cost_method"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    code: str = Field(max_length=40)
    name: str
    item_group_id: int | None = Field(default=None, foreign_key="item_group.id", index=True)
    unit: str = Field(default="pcs", max_length=10)
    tracking: str = Field(default="none", max_length=10)
    allow_negative_stock: bool = False
    cost_method: str = Field(default="average", max_length=10)
    standard_cost: Decimal = Field(default=Decimal(0), sa_type=Money)
    sales_price: Decimal = Field(default=Decimal(0), sa_type=Money)
    purchase_price: Decimal = Field(default=Decimal(0), sa_type=Money)
    revenue_account_id: int | None = Field(default=None, foreign_key="account.id")
    cost_account_id: int | None = Field(default=None, foreign_key="account.id")
    is_active: bool = True


class ItemBarcode(SQLModel, table=True):
    """One of an item's barcodes; a barcode identifies one item in the whole database."""

    __tablename__ = "item_barcode"
    __table_args__ = (
        CheckConstraint("kind IN ('EAN-8','EAN-13','UPC-A')", name="ck_item_barcode_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    barcode: str = Field(unique=True, max_length=20)
    kind: str = Field(max_length=10)


class Warehouse(ClosableDivisionCoded, table=True):
    __tablename__ = "warehouse"
    __table_args__ = (UniqueConstraint("division_id", "code"),)


class Location(SQLModel, table=True):
    """A bin or shelf within a warehouse."""

    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    code: str = Field(max_length=30)
    name: str
    is_active: bool = True


class CustomerGroup(DivisionCoded, table=True):
    __tablename__ = "customer_group"
    __table_args__ = (UniqueConstraint("division_id", "code"),)
    code: str = Field(max_length=30)  # as items.py allows (_code), not the default 20


class CustomerGroupMember(SQLModel, table=True):
    """A customer's membership of a customer group (a customer may be in several)."""

    __tablename__ = "customer_group_member"
    __table_args__ = (UniqueConstraint("customer_group_id", "relation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_group_id: int = Field(foreign_key="customer_group.id", index=True)
    relation_id: int = Field(foreign_key="relation.id", index=True)


class PriceRule(SQLModel, table=True):
    """A price-list line: for which items and customers, when, from which quantity, what.

    ``kind`` 'price' sets a net unit price (``value`` in the division's currency);
    'discount' takes ``value`` percent off the list price; 'margin' adds ``value`` percent
    on top of the item's cost. See ``transactional.wholesale.prices`` for precedence.
    """

    __tablename__ = "price_rule"
    __table_args__ = (
        CheckConstraint("item_scope IN ('item','item_group','all')", name="ck_price_item_scope"),
        CheckConstraint(
            "customer_scope IN ('customer','customer_group','all')",
            name="ck_price_customer_scope",
        ),
        CheckConstraint("kind IN ('price','discount','margin')", name="ck_price_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    item_scope: str = Field(max_length=12)
    customer_scope: str = Field(max_length=16)
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    item_group_id: int | None = Field(default=None, foreign_key="item_group.id")
    relation_id: int | None = Field(default=None, foreign_key="relation.id")
    customer_group_id: int | None = Field(default=None, foreign_key="customer_group.id")
    valid_from: date
    valid_to: date | None = None
    min_quantity: Decimal = Field(default=Decimal(0), sa_type=Rate)
    kind: str = Field(max_length=10)
    value: Decimal = Field(sa_type=Rate)
    is_promotion: bool = False
    description: str = ""
