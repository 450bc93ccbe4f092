"""Finance tables: ledger set-up, journal entries and lines, invoices, payments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate
from transactional.organisation.models import DivisionCoded

ACCOUNT_TYPES = ("balance_sheet", "profit_loss")
# Classes drive the report layouts (P&L sections, balance-sheet sides).
ACCOUNT_CLASSES = (
    "asset",
    "liability",
    "equity",
    "revenue",
    "cost_of_sales",
    "expense",
    "other_income",
    "other_expense",
    "tax",
)
JOURNAL_TYPES = ("sales", "purchase", "bank", "cash", "general")
VAT_TYPES = ("output", "input", "reverse_charge", "exempt")


class FiscalYear(SQLModel, table=True):
    __tablename__ = "fiscal_year"
    __table_args__ = (UniqueConstraint("division_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    year: int
    start_date: date
    end_date: date
    status: str = Field(default="open", max_length=10)  # open | closed


class Period(SQLModel, table=True):
    __tablename__ = "period"
    __table_args__ = (
        UniqueConstraint("fiscal_year_id", "number"),
        Index("ix_period_division_dates", "division_id", "start_date", "end_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id", index=True)
    division_id: int = Field(foreign_key="division.id")
    number: int
    start_date: date
    end_date: date
    status: str = Field(default="open", max_length=10)  # open | closed


class Account(SQLModel, table=True):
    """A general-ledger account; ``division_id`` empty means shared by every division."""

    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("division_id", "code"),
        CheckConstraint("account_type IN ('balance_sheet','profit_loss')", name="ck_account_type"),
        # One account per posting role in a division's chart, and one in the shared chart
        # (NULLs would not collide in a plain unique constraint). Migration 0009.
        Index(
            "uq_account_division_posting_role",
            text("coalesce(division_id, 0)"),
            "posting_role",
            unique=True,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int | None = Field(default=None, foreign_key="division.id")
    code: str = Field(max_length=20, index=True)
    name: str
    account_type: str = Field(max_length=20)
    account_class: str = Field(max_length=20)
    # Reporting category: the line this account rolls up to (revenue, receivables, cash...).
    reporting_category: str = Field(max_length=40)
    # Control accounts (receivables, payables) are posted only by invoices and payments.
    is_control: bool = False
    is_active: bool = True
    # What the services post here on their own (grni, cost_of_sales, receivables...):
    # transactional.finance.posting_roles. Empty for accounts only clerks choose.
    posting_role: str | None = Field(default=None, max_length=40)


class Journal(SQLModel, table=True):
    __tablename__ = "journal"
    __table_args__ = (UniqueConstraint("division_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    code: str = Field(max_length=10)
    name: str
    journal_type: str = Field(max_length=10)
    # The bank or cash ledger account of a bank/cash journal.
    account_id: int | None = Field(default=None, foreign_key="account.id")
    currency_code: str | None = Field(default=None, foreign_key="currency.code", max_length=3)


class VatCode(SQLModel, table=True):
    __tablename__ = "vat_code"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=10)
    name: str
    rate: Decimal = Field(sa_type=Rate)  # 0.21 for 21 %
    vat_type: str = Field(max_length=20)
    account_id: int | None = Field(default=None, foreign_key="account.id")


class CostCentre(DivisionCoded, table=True):
    __tablename__ = "cost_centre"
    __table_args__ = (UniqueConstraint("division_id", "code"),)


class CostUnit(DivisionCoded, table=True):
    __tablename__ = "cost_unit"
    __table_args__ = (UniqueConstraint("division_id", "code"),)


class DocumentSequence(SQLModel, table=True):
    """Last number handed out per journal and fiscal year (gap-free numbering)."""

    __tablename__ = "document_sequence"
    journal_id: int = Field(foreign_key="journal.id", primary_key=True)
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id", primary_key=True)
    last_number: int = 0


class JournalEntry(SQLModel, table=True):
    """A posted, balanced, immutable entry. Corrections are reversals."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        UniqueConstraint("journal_id", "fiscal_year_id", "number"),
        UniqueConstraint("reverses_entry_id"),
        Index("ix_journal_entry_division_date", "division_id", "entry_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    journal_id: int = Field(foreign_key="journal.id")
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id")
    period_id: int = Field(foreign_key="period.id", index=True)
    number: int
    document_number: str = Field(max_length=30, index=True)
    entry_date: date
    description: str = ""
    # What produced the entry: manual, sales_invoice, purchase_invoice, payment, reversal.
    source_type: str = Field(default="manual", max_length=20)
    source_id: int | None = None
    reverses_entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class JournalLine(SQLModel, table=True):
    """One line of an entry; ``amount_base`` is signed: debit positive, credit negative."""

    __tablename__ = "journal_line"
    __table_args__ = (
        Index("ix_journal_line_division_account", "division_id", "account_id"),
        Index("ix_journal_line_relation", "relation_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", index=True)
    division_id: int = Field(foreign_key="division.id")
    line_number: int
    account_id: int = Field(foreign_key="account.id")
    description: str = ""
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    amount_foreign: Decimal = Field(sa_type=Money)
    rate: Decimal = Field(sa_type=Rate)
    amount_base: Decimal = Field(sa_type=Money)
    cost_centre_id: int | None = Field(default=None, foreign_key="cost_centre.id")
    cost_unit_id: int | None = Field(default=None, foreign_key="cost_unit.id")
    relation_id: int | None = Field(default=None, foreign_key="relation.id")
    # The group company on the other side (intercompany), set by the posting service
    # from the relation or given on the line; consolidation eliminates on it.
    counterparty_division_id: int | None = Field(default=None, foreign_key="division.id")
    vat_code_id: int | None = Field(default=None, foreign_key="vat_code.id")
    # Open-item link: the invoice this line creates or settles (receivables/payables).
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")


class Invoice(SQLModel, table=True):
    """A sales or purchase invoice; posting it creates its journal entry."""

    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint("invoice_type IN ('sales','purchase')", name="ck_invoice_type"),
        Index("ix_invoice_division_relation", "division_id", "relation_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    invoice_type: str = Field(max_length=10)
    journal_id: int = Field(foreign_key="journal.id")
    relation_id: int = Field(foreign_key="relation.id")
    invoice_date: date
    due_date: date
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    rate: Decimal = Field(sa_type=Rate)
    description: str = ""
    supplier_reference: str | None = Field(default=None, max_length=40)
    amount_excl_vat: Decimal = Field(sa_type=Money)
    vat_amount: Decimal = Field(sa_type=Money)
    amount_incl_vat: Decimal = Field(sa_type=Money)
    amount_base: Decimal = Field(sa_type=Money)  # incl. VAT, in the division's currency
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    document_number: str = Field(max_length=30, index=True)
    created_by: int = Field(foreign_key="app_user.id")


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    line_number: int
    description: str = ""
    account_id: int = Field(foreign_key="account.id")
    quantity: Decimal = Field(sa_type=Rate)
    unit_price: Decimal = Field(sa_type=Money)
    amount: Decimal = Field(sa_type=Money)  # excl. VAT, invoice currency
    vat_code_id: int | None = Field(default=None, foreign_key="vat_code.id")
    vat_amount: Decimal = Field(sa_type=Money)
    cost_centre_id: int | None = Field(default=None, foreign_key="cost_centre.id")
    cost_unit_id: int | None = Field(default=None, foreign_key="cost_unit.id")
    # Set when the line bills an item: the sales or purchase order line it comes from.
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    sales_order_line_id: int | None = Field(
        default=None, foreign_key="sales_order_line.id", index=True
    )
    purchase_order_line_id: int | None = Field(
        default=None, foreign_key="purchase_order_line.id", index=True
    )


class Payment(SQLModel, table=True):
    """Money received from a customer or paid to a supplier through a bank/cash journal."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("direction IN ('received','paid')", name="ck_payment_direction"),
        Index("ix_payment_division_relation", "division_id", "relation_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    journal_id: int = Field(foreign_key="journal.id")
    relation_id: int = Field(foreign_key="relation.id")
    direction: str = Field(max_length=10)
    payment_date: date
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    rate: Decimal = Field(sa_type=Rate)
    amount: Decimal = Field(sa_type=Money)  # positive, payment currency
    amount_base: Decimal = Field(sa_type=Money)
    reference: str = ""
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    document_number: str = Field(max_length=30)
    created_by: int = Field(foreign_key="app_user.id")


class PaymentAllocation(SQLModel, table=True):
    """The part of a payment that settles one open invoice."""

    __tablename__ = "payment_allocation"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount: Decimal = Field(sa_type=Money)  # invoice currency
    # The receivable/payable relieved at the invoice's rate (differences go to FX result).
    amount_base: Decimal = Field(sa_type=Money)
