"""Budget versions, their lines, and alert settings.

A budget version belongs to one division and fiscal year, has a scenario (normal,
positive, negative, custom) and a status that moves draft -> submitted -> approved (or
back to draft when rejected). Only a manager (the 'approve' right) approves; every status
change is in the audit log like any other write.

Budget lines are amounts per account x period x (optional) cost centre / cost unit /
employee, signed like ledger lines: debit positive, so revenue budgets are negative and
cost budgets positive, and budget against actual compares like with like.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate

SCENARIOS = ("normal", "positive", "negative", "custom")
STATUSES = ("draft", "submitted", "approved")
ALERT_KINDS = ("overdue_limit", "budget_overrun_pct")


class BudgetVersion(SQLModel, table=True):
    __tablename__ = "budget_version"
    __table_args__ = (
        UniqueConstraint("division_id", "fiscal_year", "name"),
        CheckConstraint(
            "scenario IN ('normal','positive','negative','custom')", name="ck_budget_scenario"
        ),
        CheckConstraint("status IN ('draft','submitted','approved')", name="ck_budget_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    fiscal_year: int
    name: str = Field(max_length=80)
    scenario: str = Field(default="normal", max_length=10)
    status: str = Field(default="draft", max_length=10)
    description: str = ""
    # How it was made: 'manual', 'actuals' (copied from a year's actuals), 'version'
    # (copied from another version), 'what_if' (saved from the What-if page).
    origin: str = Field(default="manual", max_length=10)
    source_version_id: int | None = Field(default=None, foreign_key="budget_version.id")
    source_year: int | None = None
    change_pct: Decimal | None = Field(default=None, sa_type=Rate)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    approved_by: int | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class BudgetLine(SQLModel, table=True):
    """One budget amount: account x period x optional cost centre / cost unit / employee."""

    __tablename__ = "budget_line"
    __table_args__ = (Index("ix_budget_line_version_account", "version_id", "account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="budget_version.id", index=True)
    division_id: int = Field(foreign_key="division.id")
    account_id: int = Field(foreign_key="account.id")
    fiscal_year: int
    period: int
    cost_centre_id: int | None = Field(default=None, foreign_key="cost_centre.id")
    cost_unit_id: int | None = Field(default=None, foreign_key="cost_unit.id")
    # An employee or group code the line is for (HR comes later: a free code for now).
    employee_code: str | None = Field(default=None, max_length=30)
    amount: Decimal = Field(sa_type=Money)  # base currency, debit positive


class AlertSetting(SQLModel, table=True):
    """A threshold the Alerts view uses.

    'overdue_limit': a customer's overdue receivables above ``value`` (base currency)
    raise an alert (``relation_id`` set; without it, the division's default limit).
    'budget_overrun_pct': an account whose actual exceeds its budget by more than
    ``value`` percent raises an alert (per division).
    """

    __tablename__ = "alert_setting"
    __table_args__ = (
        UniqueConstraint("division_id", "kind", "relation_id"),
        CheckConstraint(
            "kind IN ('overdue_limit','budget_overrun_pct')", name="ck_alert_setting_kind"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    kind: str = Field(max_length=20)
    relation_id: int | None = Field(default=None, foreign_key="relation.id")
    value: Decimal = Field(sa_type=Money)
    updated_by: int = Field(foreign_key="app_user.id")
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
