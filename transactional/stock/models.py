"""Stock: quantities per item and warehouse (and per lot or serial), the moving-average
valuation per item, and the movement history every stock change writes.

Every movement carries its value in the division's base currency and the journal entry
that posted that value; the sum of movement values per division equals the balance of
the stock accounts at any date (the reconciliation the warehouse checks).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate

MOVEMENT_TYPES = (
    "receipt",  # goods receipt from a supplier
    "supplier_return",  # received goods sent back before they were invoiced
    "delivery",  # delivery to a customer
    "customer_return",  # goods a customer sent back
    "transfer_out",
    "transfer_in",
    "count_gain",
    "count_loss",
    "revaluation",  # a standard-cost item revalued: quantity 0, value = the change
    "production_issue",  # components out of stock into a production order's WIP
    "production_return",  # components back from a production order (at the value issued)
    "production_receipt",  # a production order's product into stock
)
LOT_KINDS = ("serial", "lot")


class DocumentCounter(SQLModel, table=True):
    """The last number given to a wholesale document kind per division and year."""

    __tablename__ = "document_counter"
    division_id: int = Field(foreign_key="division.id", primary_key=True)
    kind: str = Field(max_length=20, primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = 0


class StockValuation(SQLModel, table=True):
    """An item's stock over all warehouses and its value: average cost = value / quantity
    (for a standard-cost item, value = quantity x standard cost)."""

    __tablename__ = "stock_valuation"
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    quantity: Decimal = Field(default=Decimal(0), sa_type=Rate)
    value: Decimal = Field(default=Decimal(0), sa_type=Money)
    # The last known unit cost: used to value issues while the quantity is zero or below.
    last_unit_cost: Decimal = Field(default=Decimal(0), sa_type=Rate)


class StockLevel(SQLModel, table=True):
    """Quantity on hand of one item in one warehouse."""

    __tablename__ = "stock_level"
    __table_args__ = (UniqueConstraint("item_id", "warehouse_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    quantity: Decimal = Field(default=Decimal(0), sa_type=Rate)


class StockLot(SQLModel, table=True):
    """A serial number or lot of an item; a serial number exists once per item."""

    __tablename__ = "stock_lot"
    __table_args__ = (
        UniqueConstraint("item_id", "number"),
        CheckConstraint("kind IN ('serial','lot')", name="ck_stock_lot_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    number: str = Field(max_length=60)
    kind: str = Field(max_length=10)
    expiry_date: date | None = None


class StockLotLevel(SQLModel, table=True):
    """Quantity of one lot (or serial: 0 or 1) in one warehouse."""

    __tablename__ = "stock_lot_level"
    __table_args__ = (UniqueConstraint("lot_id", "warehouse_id"),)
    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="stock_lot.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    quantity: Decimal = Field(default=Decimal(0), sa_type=Rate)


class StockMovement(SQLModel, table=True):
    """One change of stock: signed quantity (+ in, - out) and signed value in base currency."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint(
            "movement_type IN ('receipt','supplier_return','delivery','customer_return',"
            "'transfer_out','transfer_in','count_gain','count_loss','revaluation',"
            "'production_issue','production_return','production_receipt')",
            name="ck_stock_movement_type",
        ),
        Index("ix_stock_movement_item_date", "item_id", "movement_date"),
        Index("ix_stock_movement_division_date", "division_id", "movement_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    item_id: int = Field(foreign_key="item.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    movement_date: date
    movement_type: str = Field(max_length=20)
    quantity: Decimal = Field(sa_type=Rate)
    unit_cost: Decimal = Field(sa_type=Rate)
    value: Decimal = Field(sa_type=Money)
    relation_id: int | None = Field(default=None, foreign_key="relation.id")
    # The document behind the movement: e.g. 'delivery_line' and its id, and its number.
    source_type: str = Field(max_length=30)
    source_id: int | None = None
    document_number: str = Field(default="", max_length=30)
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class StockTransfer(SQLModel, table=True):
    __tablename__ = "stock_transfer"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    transfer_date: date
    from_warehouse_id: int = Field(foreign_key="warehouse.id")
    to_warehouse_id: int = Field(foreign_key="warehouse.id")
    description: str = ""
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")


class StockTransferLine(SQLModel, table=True):
    __tablename__ = "stock_transfer_line"
    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="stock_transfer.id", index=True)
    line_number: int
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    quantity: Decimal = Field(sa_type=Rate)
    value: Decimal = Field(sa_type=Money)


class StockCount(SQLModel, table=True):
    """A physical count of (part of) a warehouse; differences are posted when it is closed."""

    __tablename__ = "stock_count"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    count_date: date
    description: str = ""
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")


class StockCountLine(SQLModel, table=True):
    __tablename__ = "stock_count_line"
    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="stock_count.id", index=True)
    line_number: int
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    system_quantity: Decimal = Field(sa_type=Rate)
    counted_quantity: Decimal = Field(sa_type=Rate)
    difference: Decimal = Field(sa_type=Rate)
    value: Decimal = Field(sa_type=Money)
