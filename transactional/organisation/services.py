"""Services for divisions, users and their rights, currencies and exchange rates."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision, list_currencies
from sqlalchemy import func, insert
from sqlmodel import Session, select

from transactional import audit
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.money import to_decimal
from transactional.organisation import rights
from transactional.organisation.models import (
    ROLES,
    Currency,
    Division,
    ExchangeRate,
    User,
    UserDivision,
)


def bootstrap_admin(*, session: Session, username: str = "admin") -> User:
    """Create the first administrator of an empty database (or return the existing one).

    The only write without an acting user: the admin is its own actor, so the audit
    row names it.
    """
    existing = session.exec(select(User).where(User.username == username)).first()
    if existing is not None:
        return existing
    result: Any = session.execute(
        insert(User).values(
            username=username, full_name="Administrator", role="admin", is_active=True
        )
    )
    user_id = result.inserted_primary_key[0]  # type: ignore[index]
    audit.set_actor(session, user_id)
    session.execute(
        insert(audit.AuditLog),
        [
            audit.row_for(
                session,
                table="app_user",
                key=str(user_id),
                action="insert",
                new={"username": username, "role": "admin"},
            )
        ],
    )
    admin = session.get(User, user_id)
    assert admin is not None
    return admin


USERNAME = re.compile(r"[A-Za-z0-9._@-]{2,60}")


def create_user(
    *,
    session: Session,
    user: User,
    username: str,
    full_name: str,
    role: str,
    divisions: list[str] | None = None,
) -> User:
    rights.require(session, user, "manage_users")
    username = (username or "").strip()
    if not username:
        raise ValidationError(N_("User name is required."), field="username")
    if not USERNAME.fullmatch(username):
        raise ValidationError(
            N_(
                "A user name has 2 to 60 letters, digits and . _ - @ (no spaces), not '{username}'."
            ),
            field="username",
            username=username,
        )
    if role not in ROLES:
        raise ValidationError(
            N_("Role must be one of {roles}."), field="role", roles=", ".join(ROLES)
        )
    # Case-insensitively: "X7" beside "x7" is one person signing in as the wrong user.
    taken = select(User).where(func.lower(User.username) == username.lower())
    if session.exec(taken).first() is not None:
        raise ValidationError(
            N_("User name {username} is already taken."), field="username", username=username
        )
    new = User(username=username, full_name=full_name or username, role=role)
    session.add(new)
    session.flush()
    for code in divisions or []:
        grant_division(session=session, user=user, target=new, division=code)
    return new


def grant_division(*, session: Session, user: User, target: User, division: str | int) -> None:
    """Let ``target`` act in a division."""
    rights.require(session, user, "manage_users")
    div = find_division(session, division)
    if session.get(UserDivision, (target.id, div.id)) is None:
        session.add(UserDivision(user_id=target.id or 0, division_id=div.id or 0))
        session.flush()


def create_currency(*, session: Session, user: User, code: str, name: str) -> Currency:
    """A currency known to ISO 4217, with the decimals CLDR gives it (EUR 2, JPY 0, BHD 3):
    not a number typed by hand, which could let yen amounts carry cents."""
    rights.require(session, user, "set_rates")
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(N_("A currency code has three letters, like EUR."), field="code")
    if code not in list_currencies():
        raise ValidationError(
            N_("{code} is not an ISO 4217 currency code."), field="code", code=code
        )
    existing = session.get(Currency, code)
    if existing is not None:
        return existing
    cur = Currency(code=code, name=name, decimals=get_currency_precision(code))
    session.add(cur)
    session.flush()
    return cur


def set_exchange_rates(
    *, session: Session, user: User, rates: list[tuple[str, date | str, Decimal | str]]
) -> int:
    """Store daily rates (currency, date, reference-currency units per unit); returns count."""
    rights.require(session, user, "set_rates")
    rows = []
    for n, (code, day, value) in enumerate(rates, start=1):
        cur = session.get(Currency, str(code).upper())
        if cur is None:
            raise ValidationError(
                N_("Rate {row}: currency '{code}' is not known."),
                field="currency",
                row=n,
                code=code,
            )
        rate = to_decimal(value, field="rate", label=f"Rate {n}")
        if rate <= 0:
            raise ValidationError(N_("Rate {row}: a rate must be positive."), field="rate", row=n)
        rows.append(
            ExchangeRate(
                currency_code=cur.code,
                rate_date=parse_date(day, field="rate_date", label="Rate date"),
                rate=rate,
            )
        )
    session.add_all(rows)
    session.flush()
    return len(rows)


def create_division(
    *,
    session: Session,
    user: User,
    code: str,
    name: str,
    currency: str,
    country: str,
    parent: str | None = None,
    ownership_pct: Decimal | str = Decimal(100),
) -> Division:
    rights.require(session, user, "manage_divisions")
    code = (code or "").strip()
    if not code:
        raise ValidationError(N_("Division code is required."), field="code")
    if session.exec(select(Division).where(Division.code == code)).first() is not None:
        raise ValidationError(N_("Division {code} already exists."), field="code", code=code)
    if session.get(Currency, (currency or "").upper()) is None:
        raise ValidationError(
            N_("Currency '{currency}' is not known."), field="currency", currency=currency
        )
    if len((country or "").strip()) != 2:
        raise ValidationError(N_("Country is a two-letter code, like NL."), field="country")
    pct = to_decimal(ownership_pct, field="ownership_pct", label="Ownership %")
    if not Decimal(0) <= pct <= Decimal(100):
        raise ValidationError(N_("Ownership % must be between 0 and 100."), field="ownership_pct")
    parent_id = find_division(session, parent).id if parent else None
    div = Division(
        code=code,
        name=name,
        currency_code=currency.upper(),
        country=country.strip().upper(),
        parent_id=parent_id,
        ownership_pct=pct,
    )
    session.add(div)
    session.flush()
    return div


def find_division(session: Session, ref: str | int, *, field: str = "division") -> Division:
    """A division by id or code, for services below finance (relations, organisation)."""
    stmt = select(Division).where(
        Division.id == ref if isinstance(ref, int) else Division.code == str(ref).strip()
    )
    div = session.exec(stmt).first()
    if div is None:
        raise ValidationError(N_("Division '{ref}' does not exist."), field=field, ref=ref)
    return div


def find_currency(session: Session, code: str | None, *, field: str = "currency") -> Currency:
    """A known currency by its code (any case)."""
    cur = session.get(Currency, str(code or "").strip().upper())
    if cur is None:
        raise ValidationError(N_("Currency '{code}' is not known."), field=field, code=code)
    return cur
