"""The relation table: customers and suppliers."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Money

RELATION_TYPES = ("customer", "supplier", "both")


class Relation(SQLModel, table=True):
    """A customer or supplier of one division (codes are unique per division)."""

    __tablename__ = "relation"
    __table_args__ = (
        UniqueConstraint("division_id", "code"),
        CheckConstraint("relation_type IN ('customer','supplier','both')", name="ck_relation_type"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    code: str = Field(max_length=30)
    name: str
    relation_type: str = Field(max_length=10)
    country: str = Field(max_length=2)
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    payment_terms_days: int = 30
    credit_limit: Decimal = Field(default=Decimal(0), sa_type=Money)
    # Set when the relation is another division of the group (intercompany).
    intercompany_division_id: int | None = Field(default=None, foreign_key="division.id")
    is_active: bool = True
