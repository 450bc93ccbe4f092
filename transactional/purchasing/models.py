"""Purchasing documents: supply contracts, purchase orders, goods receipts, supplier
returns and the match of a purchase invoice against order and receipt.

Quantities per order line obey: returned <= received, and invoiced <= received - returned.
A receipt credits goods-received-not-invoiced (GRNI) with its value; the matched invoice
debits GRNI with the same value, and any price difference is recorded on an
``invoice_match`` row that a user must have accepted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate

PO_STATUSES = ("open", "closed", "cancelled")


class SupplyContract(SQLModel, table=True):
    """A supplier's commitment: a volume of an item at a price over a period."""

    __tablename__ = "supply_contract"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    relation_id: int = Field(foreign_key="relation.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    valid_from: date
    valid_to: date
    contracted_quantity: Decimal = Field(sa_type=Rate)
    quantity_ordered: Decimal = Field(default=Decimal(0), sa_type=Rate)
    unit_price: Decimal = Field(sa_type=Money)  # contract currency
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    lead_time_days: int = 14
    created_by: int = Field(foreign_key="app_user.id")


class PurchaseOrder(SQLModel, table=True):
    __tablename__ = "purchase_order"
    __table_args__ = (
        CheckConstraint("status IN ('open','closed','cancelled')", name="ck_purchase_order_status"),
        Index("ix_purchase_order_division_status", "division_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    number: str = Field(max_length=30, index=True)
    status: str = Field(default="open", max_length=10)
    relation_id: int = Field(foreign_key="relation.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    order_date: date
    promised_date: date
    description: str = ""
    created_by: int = Field(foreign_key="app_user.id")


class PurchaseOrderLine(SQLModel, table=True):
    __tablename__ = "purchase_order_line"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    line_number: int
    item_id: int = Field(foreign_key="item.id", index=True)
    description: str = ""
    quantity: Decimal = Field(sa_type=Rate)
    unit_price: Decimal = Field(sa_type=Money)  # order currency, excl. VAT
    supply_contract_id: int | None = Field(default=None, foreign_key="supply_contract.id")
    promised_date: date
    quantity_received: Decimal = Field(default=Decimal(0), sa_type=Rate)
    quantity_returned: Decimal = Field(default=Decimal(0), sa_type=Rate)
    quantity_invoiced: Decimal = Field(default=Decimal(0), sa_type=Rate)

    @property
    def quantity_not_invoiced(self) -> Decimal:
        """Received, not sent back and not yet invoiced: what the supplier may still bill
        and the only units that may still go back. The one definition of "received, not
        invoiced" in the services and forms (the warehouse's is
        fct_purchase_lines.quantity_not_invoiced)."""
        return self.quantity_received - self.quantity_returned - self.quantity_invoiced


class GoodsReceipt(SQLModel, table=True):
    __tablename__ = "goods_receipt"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    receipt_date: date
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")


class GoodsReceiptLine(SQLModel, table=True):
    __tablename__ = "goods_receipt_line"
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="goods_receipt.id", index=True)
    order_line_id: int = Field(foreign_key="purchase_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    quantity: Decimal = Field(sa_type=Rate)
    value: Decimal = Field(sa_type=Money)  # base currency at the receipt date's rate


class SupplierReturn(SQLModel, table=True):
    __tablename__ = "supplier_return"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    return_date: date
    reason: str = ""
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")


class SupplierReturnLine(SQLModel, table=True):
    __tablename__ = "supplier_return_line"
    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="supplier_return.id", index=True)
    receipt_line_id: int = Field(foreign_key="goods_receipt_line.id", index=True)
    order_line_id: int = Field(foreign_key="purchase_order_line.id")
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    quantity: Decimal = Field(sa_type=Rate)
    value: Decimal = Field(sa_type=Money)  # base currency, positive


class InvoiceMatch(SQLModel, table=True):
    """How one purchase-invoice line matched its order line and receipts.

    ``status`` is 'matched' when quantity and price agree, 'price_difference' when the
    invoice price differs from the order price (posted only when a user accepted it:
    ``accepted_by``), 'quantity_difference' when fewer units were billed than received.
    """

    __tablename__ = "invoice_match"
    __table_args__ = (
        CheckConstraint(
            "status IN ('matched','price_difference','quantity_difference')",
            name="ck_invoice_match_status",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    order_line_id: int = Field(foreign_key="purchase_order_line.id", index=True)
    quantity: Decimal = Field(sa_type=Rate)
    quantity_open_before: Decimal = Field(sa_type=Rate)  # received - returned - invoiced
    order_price: Decimal = Field(sa_type=Money)
    invoice_price: Decimal = Field(sa_type=Money)
    grni_value: Decimal = Field(sa_type=Money)  # base value relieved from GRNI
    invoice_value: Decimal = Field(sa_type=Money)  # base value of the invoice line
    difference_value: Decimal = Field(sa_type=Money)  # invoice - grni, to price differences
    status: str = Field(max_length=20)
    accepted_by: int | None = Field(default=None, foreign_key="app_user.id")
    accepted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    note: str = ""
