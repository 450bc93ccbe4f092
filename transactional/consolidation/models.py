"""Tables of group consolidation: the group chart and the mapping to it, the group
structure with validity dates, top-side consolidation entries and trial-balance loads.

The consolidation itself (translation, eliminations, goodwill, non-controlling
interests) is computed by the dbt models in ``models/models/*/consolidation``; these
tables hold only what people decide. docs/consolidation.md has the rules.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate

RATE_TYPES = ("closing", "average", "historical")
METHODS = ("full", "equity")


class GroupAccount(SQLModel, table=True):
    """An account of the group chart, which every division's accounts map to.

    ``rate_type`` says how a division's balance on it is translated into the group
    currency; ``role`` marks the accounts the consolidation posts to on its own
    (goodwill, translation reserve, non-controlling interests...), so no code names a
    group account by its number.
    """

    __tablename__ = "group_account"
    __table_args__ = (
        CheckConstraint(
            "account_type IN ('balance_sheet','profit_loss')", name="ck_group_account_type"
        ),
        CheckConstraint(
            "rate_type IN ('closing','average','historical')", name="ck_group_account_rate_type"
        ),
        Index("uq_group_account_role", "role", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str
    account_type: str = Field(max_length=20)
    account_class: str = Field(max_length=20)
    rate_type: str = Field(max_length=12)
    role: str | None = Field(default=None, max_length=40)
    # Lines with a group company as counterparty on this account are eliminated.
    eliminate_intercompany: bool = False
    sort_order: int = 0
    is_active: bool = True


class GroupAccountMap(SQLModel, table=True):
    """A division account -> group account. ``division_id`` empty: for every division
    using the (shared) account; a row for one division overrides it there."""

    __tablename__ = "group_account_map"
    __table_args__ = (
        Index(
            "uq_group_account_map_account",
            "account_id",
            text("coalesce(division_id, 0)"),
            unique=True,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    division_id: int | None = Field(default=None, foreign_key="division.id")
    group_account_id: int = Field(foreign_key="group_account.id", index=True)


class GroupMember(SQLModel, table=True):
    """A subsidiary (or associate) held by a parent from ``valid_from`` to ``valid_to``.

    ``investment_cost`` is what the parent paid, in the parent's currency, booked on the
    parent's ``investment_account_id``; with the net assets at ``acquisition_date`` it
    gives goodwill or a bargain purchase gain.
    """

    __tablename__ = "group_member"
    __table_args__ = (
        UniqueConstraint("division_id", "valid_from"),
        CheckConstraint("method IN ('full','equity')", name="ck_group_member_method"),
    )
    id: int | None = Field(default=None, primary_key=True)
    parent_division_id: int = Field(foreign_key="division.id", index=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    ownership_pct: Decimal = Field(sa_type=Rate)  # 80 for 80 %
    method: str = Field(default="full", max_length=10)
    valid_from: date
    valid_to: date | None = None
    acquisition_date: date
    investment_cost: Decimal = Field(default=Decimal(0), sa_type=Money)
    investment_account_id: int | None = Field(default=None, foreign_key="account.id")


class ConsolidationEntry(SQLModel, table=True):
    """A top-side entry by a group accountant: in the group currency of the group level
    it belongs to, never in a division's books. Posted entries are corrected by a
    reversal, as journal entries are."""

    __tablename__ = "consolidation_entry"
    __table_args__ = (UniqueConstraint("group_division_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    group_division_id: int = Field(foreign_key="division.id", index=True)
    number: int
    entry_date: date
    description: str = ""
    reverses_entry_id: int | None = Field(
        default=None, foreign_key="consolidation_entry.id", unique=True
    )
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class ConsolidationLine(SQLModel, table=True):
    """One line of a top-side entry: debit positive, in the group level's currency,
    in the column of ``division_id``."""

    __tablename__ = "consolidation_line"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="consolidation_entry.id", index=True)
    line_number: int
    division_id: int = Field(foreign_key="division.id")
    group_account_id: int = Field(foreign_key="group_account.id")
    counterparty_division_id: int | None = Field(default=None, foreign_key="division.id")
    amount: Decimal = Field(sa_type=Money)
    description: str = ""


class TrialBalanceLoad(SQLModel, table=True):
    """One load of a non-ERP unit's trial balance: which file, which period, and the
    journal entry that brought the division's ledger to it (none when nothing changed)."""

    __tablename__ = "trial_balance_load"
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    period_id: int = Field(foreign_key="period.id")
    file_name: str = Field(max_length=255)
    file_sha256: str = Field(max_length=64)
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    lines_changed: int = 0
    loaded_by: int = Field(foreign_key="app_user.id")
    loaded_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
