"""A small, hand-made test company: two divisions (EUR, USD), 2024 closed, 2025 open."""

from __future__ import annotations

from sqlmodel import Session, select

from transactional.database import make_engine, session_scope
from transactional.finance import ledger_setup as ledger
from transactional.organisation import services as org
from transactional.organisation.models import User
from transactional.relations.services import create_relation

USERS = {
    # username: (role, divisions)
    "clerk": ("clerk", ["HOLD"]),
    "clerk_us": ("clerk", ["US01"]),
    "accountant": ("accountant", ["HOLD", "US01"]),
    "manager": ("manager", ["HOLD", "US01"]),
    "analyst": ("analyst", ["HOLD", "US01"]),
}


def build_company(url: str) -> None:
    engine = make_engine(url)
    with session_scope(engine) as s:
        admin = org.bootstrap_admin(session=s)
        for code, name in (("EUR", "Euro"), ("USD", "US dollar"), ("JPY", "Yen")):
            org.create_currency(session=s, user=admin, code=code, name=name)
        org.set_exchange_rates(
            session=s,
            user=admin,
            rates=[
                ("USD", "2024-01-01", "0.90"),
                ("USD", "2025-06-01", "0.92"),
                ("JPY", "2024-01-01", "0.0062"),
            ],
        )
        org.create_division(
            session=s, user=admin, code="HOLD", name="Holding BV", currency="EUR", country="NL"
        )
        org.create_division(
            session=s,
            user=admin,
            code="US01",
            name="Holding US Inc",
            currency="USD",
            country="US",
            parent="HOLD",
            ownership_pct="80",
        )
        ledger.install_standard_chart(session=s, user=admin)
        for div in ("HOLD", "US01"):
            ledger.create_journal(
                session=s, user=admin, division=div, code="VK", name="Sales", journal_type="sales"
            )
            ledger.create_journal(
                session=s,
                user=admin,
                division=div,
                code="IK",
                name="Purchases",
                journal_type="purchase",
            )
            ledger.create_journal(
                session=s,
                user=admin,
                division=div,
                code="BNK",
                name="Bank",
                journal_type="bank",
                account="1100",
            )
            ledger.create_journal(
                session=s,
                user=admin,
                division=div,
                code="MEM",
                name="General",
                journal_type="general",
            )
            ledger.create_cost_centre(
                session=s, user=admin, division=div, code="SALES", name="Sales"
            )
            ledger.create_cost_unit(
                session=s, user=admin, division=div, code="P1", name="Product line 1"
            )
            for year in (2024, 2025):
                ledger.open_fiscal_year(session=s, user=admin, division=div, year=year)
            ledger.set_period_status(
                session=s, user=admin, division=div, year=2024, period=None, status="closed"
            )
        create_relation(
            session=s,
            user=admin,
            division="HOLD",
            code="C1",
            name="Acme BV",
            relation_type="customer",
            country="NL",
            credit_limit="10000",
        )
        create_relation(
            session=s,
            user=admin,
            division="HOLD",
            code="C2",
            name="Yankee Corp",
            relation_type="customer",
            country="US",
            currency="USD",
        )
        create_relation(
            session=s,
            user=admin,
            division="HOLD",
            code="S1",
            name="Supplies BV",
            relation_type="supplier",
            country="NL",
        )
        create_relation(
            session=s,
            user=admin,
            division="US01",
            code="C1",
            name="Boston Retail",
            relation_type="customer",
            country="US",
        )
        for username, (role, divisions) in USERS.items():
            org.create_user(
                session=s,
                user=admin,
                username=username,
                full_name=username.title(),
                role=role,
                divisions=divisions,
            )
    engine.dispose()


def user(session: Session, username: str) -> User:
    found = session.exec(select(User).where(User.username == username)).one()
    return found
