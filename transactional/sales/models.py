"""Sales documents: salespeople, quotes and orders, deliveries and customer returns.

A quote and the order it becomes are one ``sales_order`` row: confirming a quote sets the
status to 'order' and gives it an order number. Invoices are finance invoices whose lines
point back at the order line they bill (``invoice_line.sales_order_line_id``).

Quantities per order line obey: returned <= delivered <= ordered, and
invoiced - credited <= delivered - returned (nothing is billed that the customer has not
kept).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate
from transactional.organisation.models import ClosableDivisionCoded

ORDER_STATUSES = ("quote", "order", "closed", "cancelled")


class Salesperson(ClosableDivisionCoded, table=True):
    __tablename__ = "salesperson"
    __table_args__ = (UniqueConstraint("division_id", "code"),)


class CustomerSalesperson(SQLModel, table=True):
    """The salesperson who looks after a customer (the default on new quotes)."""

    __tablename__ = "customer_salesperson"
    relation_id: int = Field(foreign_key="relation.id", primary_key=True)
    salesperson_id: int = Field(foreign_key="salesperson.id", index=True)


class SalesOrder(SQLModel, table=True):
    __tablename__ = "sales_order"
    __table_args__ = (
        CheckConstraint(
            "status IN ('quote','order','closed','cancelled')", name="ck_sales_order_status"
        ),
        Index("ix_sales_order_division_status", "division_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    status: str = Field(default="quote", max_length=10)
    quote_number: str | None = Field(default=None, max_length=30)
    order_number: str | None = Field(default=None, max_length=30, index=True)
    relation_id: int = Field(foreign_key="relation.id", index=True)
    salesperson_id: int | None = Field(default=None, foreign_key="salesperson.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    quote_date: date | None = None
    order_date: date | None = None
    requested_date: date | None = None
    customer_reference: str = ""
    description: str = ""
    created_by: int = Field(foreign_key="app_user.id")


class SalesOrderLine(SQLModel, table=True):
    __tablename__ = "sales_order_line"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    line_number: int
    item_id: int = Field(foreign_key="item.id", index=True)
    description: str = ""
    quantity: Decimal = Field(sa_type=Rate)
    unit_price: Decimal = Field(sa_type=Money)  # order currency, excl. VAT
    price_rule_id: int | None = Field(default=None, foreign_key="price_rule.id")
    vat_code: str | None = Field(default=None, max_length=10)
    quantity_delivered: Decimal = Field(default=Decimal(0), sa_type=Rate)
    quantity_returned: Decimal = Field(default=Decimal(0), sa_type=Rate)
    quantity_invoiced: Decimal = Field(default=Decimal(0), sa_type=Rate)
    quantity_credited: Decimal = Field(default=Decimal(0), sa_type=Rate)


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    delivery_date: date
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")


class DeliveryLine(SQLModel, table=True):
    __tablename__ = "delivery_line"
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    quantity: Decimal = Field(sa_type=Rate)
    cost_value: Decimal = Field(sa_type=Money)  # base currency, positive


class SalesReturn(SQLModel, table=True):
    __tablename__ = "sales_return"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    number: str = Field(max_length=30)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    return_date: date
    reason: str = ""
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    credit_note_id: int | None = Field(default=None, foreign_key="invoice.id")
    created_by: int = Field(foreign_key="app_user.id")


class SalesReturnLine(SQLModel, table=True):
    __tablename__ = "sales_return_line"
    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="sales_return.id", index=True)
    delivery_line_id: int = Field(foreign_key="delivery_line.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id")
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    quantity: Decimal = Field(sa_type=Rate)
    cost_value: Decimal = Field(sa_type=Money)  # base currency, positive
