"""Tables of the organisation: divisions (legal entities), users, currencies, rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Rate

ROLES = ("clerk", "accountant", "manager", "analyst", "admin")
# The locales a user can pick: language and, for number formats, country.
LOCALES = ("en", "fr_FR", "fr_BE", "nl_NL", "nl_BE")


class Currency(SQLModel, table=True):
    """An ISO currency and how many decimals its amounts are rounded to."""

    __tablename__ = "currency"
    code: str = Field(primary_key=True, max_length=3)
    name: str
    decimals: int = 2


class ExchangeRate(SQLModel, table=True):
    """Daily rate: one ``currency_code`` is worth ``rate`` units of the reference currency."""

    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("currency_code", "rate_date"),)
    id: int | None = Field(default=None, primary_key=True)
    currency_code: str = Field(foreign_key="currency.code", index=True, max_length=3)
    rate_date: date = Field(index=True)
    rate: Decimal = Field(sa_type=Rate)


class DivisionCoded(SQLModel):
    """The columns of a small record known by its code within a division (cost centres,
    cost units, salespeople, warehouses). Each table still declares its own
    ``UniqueConstraint("division_id", "code")``: a constraint belongs to one table."""

    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    code: str = Field(max_length=20)
    name: str


class ClosableDivisionCoded(DivisionCoded):
    """A division's coded record that can be closed (salespeople, warehouses): a closed
    one stays for history and is refused on new documents."""

    is_active: bool = True


class Division(SQLModel, table=True):
    """A legal entity keeping its own books, in its own base currency."""

    __tablename__ = "division"
    # No CHECK on ownership_pct: on SQLite it is stored scaled; the service validates it.
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    country: str = Field(max_length=2)
    parent_id: int | None = Field(default=None, foreign_key="division.id")
    ownership_pct: Decimal = Field(default=Decimal(100), sa_type=Rate)
    is_active: bool = True


class User(SQLModel, table=True):
    """A person (or the system) acting on the books; every change records one."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('clerk','accountant','manager','analyst','admin')", name="ck_user_role"
        ),
        Index("uq_app_user_email", "email", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=60)
    full_name: str
    role: str = Field(max_length=20)
    is_active: bool = True
    # argon2 hash (transactional.organisation.sign_in); None: no password sign-in.
    password_hash: str | None = Field(default=None, max_length=200)
    # What an OpenID Connect provider says the person's e-mail is (st.login).
    email: str | None = Field(default=None, max_length=254)
    locale: str = Field(default="en", max_length=10)


class UserDivision(SQLModel, table=True):
    """The divisions a user may act in (admins act in all)."""

    __tablename__ = "user_division"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    division_id: int = Field(foreign_key="division.id", primary_key=True)


class SignInEvent(SQLModel, table=True):
    """One sign-in attempt or sign-out, as it happened; added to, never changed.

    Lockout is worked out from these rows (transactional.organisation.sign_in), so a
    failed try leaves a trace and changes no user record. ``username`` is what was typed
    (the user may not exist); never a password.
    """

    __tablename__ = "sign_in_event"
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)  # type: ignore[call-overload]
    username: str = Field(max_length=60, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    # signed_in | failed | locked_out | refused_disabled | signed_out | expired | unlocked
    outcome: str = Field(max_length=20)
    method: str = Field(default="password", max_length=20)  # password | oidc
