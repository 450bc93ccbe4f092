"""Master data of the demo group: divisions, users, ledger set-up, fiscal years.

Noordwind is a Dutch holding with a Dutch trading company and two foreign, partly
owned subsidiaries, so consolidation has currency translation and minority interests,
and a Dutch manufacturer (MF01, ``ingestion/demo/manufacturing.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from sqlmodel import Session

from ingestion.demo.rates import CURRENCIES, RateTable
from transactional.finance import ledger_setup
from transactional.organisation import services as org
from transactional.organisation import users as user_admin
from transactional.organisation.models import User


@dataclass(frozen=True)
class ProductLine:
    """A product line: a cost unit, its revenue account, VAT code and price range (EUR)."""

    code: str
    name: str
    account: str
    vat_code: str  # charged to domestic customers of a division that charges Dutch VAT
    price_cents: tuple[int, int]
    quantity: tuple[int, int]
    cost_ratio: float  # cost of sales as a share of revenue

    @property
    def mean_value_eur(self) -> float:
        return sum(self.price_cents) / 200 * sum(self.quantity) / 2


PRODUCT_LINES: dict[str, ProductLine] = {
    p.code: p
    for p in (
        ProductLine("IND", "Industrial equipment", "8000", "V21", (18_000, 240_000), (1, 6), 0.62),
        ProductLine("CON", "Consumer products", "8000", "V9", (450, 5_500), (10, 120), 0.55),
        ProductLine("SVC", "Services and installation", "8100", "V21", (8_500, 14_500), (2, 24),
                    0.35),
    )
}


@dataclass(frozen=True)
class DivisionSpec:
    code: str
    name: str
    currency: str
    country: str
    parent: str | None
    ownership_pct: str
    weight: float  # share of the group's sales volume
    growth: float  # yearly volume growth
    product_mix: dict[str, float]
    charges_vat: bool  # Dutch VAT on domestic sales and purchases

    @property
    def product_lines(self) -> list[ProductLine]:
        return [PRODUCT_LINES[code] for code in self.product_mix]


DIVISIONS: tuple[DivisionSpec, ...] = (
    DivisionSpec("HOLD", "Noordwind Holding B.V.", "EUR", "NL", None, "100", 0.08, 0.05,
                 {"SVC": 1.0}, True),
    DivisionSpec("NL01", "Noordwind Nederland B.V.", "EUR", "NL", "HOLD", "100", 0.47, 0.12,
                 {"IND": 0.4, "CON": 0.4, "SVC": 0.2}, True),
    DivisionSpec("US01", "Noordwind USA Inc.", "USD", "US", "HOLD", "80", 0.30, 0.2,
                 {"IND": 0.7, "SVC": 0.3}, False),
    DivisionSpec("UK01", "Noordwind UK Ltd", "GBP", "GB", "HOLD", "60", 0.15, 0.07,
                 {"CON": 0.75, "SVC": 0.25}, False),
)
# The manufacturer (ingestion/demo/manufacturing.py): a division of its own, outside the
# volume plan of DIVISIONS, so adding it leaves the other divisions' books as they were.
MANUFACTURER = DivisionSpec("MF01", "Noordwind Productie B.V.", "EUR", "NL", "HOLD", "100",
                            0.0, 0.0, {"IND": 1.0}, True)
ALL_SPECS: tuple[DivisionSpec, ...] = (*DIVISIONS, MANUFACTURER)
SPECS: dict[str, DivisionSpec] = {d.code: d for d in ALL_SPECS}
HOLDING = "HOLD"

COST_CENTRES = (
    ("SALES", "Sales and marketing"), ("OPS", "Operations"), ("ADMIN", "Administration"),
)
JOURNALS = (
    ("VK", "Sales", "sales", None),
    ("IK", "Purchases", "purchase", None),
    ("BNK", "Bank", "bank", "1100"),
    ("KAS", "Cash", "cash", "1000"),
    ("MEM", "General", "general", None),
)
# Clerks work for one or two divisions; the largest division has the most clerks.
CLERK_SCOPES: dict[str, tuple[str, ...]] = {
    "clerk1": ("NL01",), "clerk2": ("NL01",), "clerk3": ("NL01",),
    "clerk4": ("US01",), "clerk5": ("US01",),
    "clerk6": ("UK01",), "clerk7": ("UK01",),
    "clerk8": ("HOLD", "NL01"),
    "clerk9": ("MF01",),  # the production clerk
}
OFFICE_STAFF = (
    ("accountant", "Anna de Boer", "accountant"),
    ("manager", "Maarten Visser", "manager"),
    ("analyst", "Lotte Jansen", "analyst"),
)
# Users who sign in to try a role in a narrower scope; the generator never acts as them.
GUESTS = (
    ("accountant_be", "Camille Lambert", "accountant", ("HOLD", "UK01")),
    ("manager_us", "Jordan Miller", "manager", ("US01",)),
    ("manager_nl", "Sanne Bakker", "manager", ("MF01",)),  # the manufacturer's, in Dutch
)
# The others read English.
LANGUAGES = {"clerk1": "nl_NL", "accountant_be": "fr_BE", "manager_nl": "nl_NL"}


class DemoUser(NamedTuple):
    """How a demo user signs in and what they may see."""

    role: str
    divisions: tuple[str, ...]
    locale: str
    password: str | None  # None: the admin's, from ERP_ADMIN_PASSWORD or made and printed once


ALL_DIVISIONS = tuple(d.code for d in ALL_SPECS)
# Every demo user, as `erp demo` prints them and tests sign in: known passwords, for a
# demo on one's own machine only.
DEMO_USERS: dict[str, DemoUser] = {
    "admin": DemoUser("admin", ALL_DIVISIONS, "en", None),
    **{name: DemoUser(role, ALL_DIVISIONS, "en", f"{name}-demo")
       for name, _full_name, role in OFFICE_STAFF},
    **{name: DemoUser(role, scope, LANGUAGES.get(name, "en"), f"{name}-demo")
       for name, _full_name, role, scope in GUESTS},
    **{name: DemoUser("clerk", scope, LANGUAGES.get(name, "en"), f"{name}-demo")
       for name, scope in CLERK_SCOPES.items()},
}


def admin_password() -> str | None:
    """The demo admin's password from ERP_ADMIN_PASSWORD (set by tests and deployments)."""
    return os.environ.get(user_admin.ADMIN_PASSWORD_ENV) or None


@dataclass
class Staff:
    """The users the generator acts as (detached, loaded; only their ids and roles matter)."""

    admin: User
    accountant: User
    clerks: dict[str, list[User]] = field(default_factory=dict)  # per division

    def clerks_for(self, division: str) -> list[User]:
        return self.clerks[division]


def set_up_organisation(
    *, session: Session, admin: User, rates: RateTable, years: list[int]
) -> None:
    """Currencies and rates, divisions, the chart, journals, dimensions and fiscal years."""
    for code, name in CURRENCIES.items():
        org.create_currency(session=session, user=admin, code=code, name=name)
    org.set_exchange_rates(session=session, user=admin, rates=list(rates.rows()))
    for spec in ALL_SPECS:
        org.create_division(
            session=session, user=admin, code=spec.code, name=spec.name, currency=spec.currency,
            country=spec.country, parent=spec.parent, ownership_pct=Decimal(spec.ownership_pct),
        )
    ledger_setup.install_standard_chart(session=session, user=admin)
    for spec in ALL_SPECS:
        for code, name, journal_type, account in JOURNALS:
            ledger_setup.create_journal(session=session, user=admin, division=spec.code, code=code,
                                        name=name, journal_type=journal_type, account=account)
        for code, name in COST_CENTRES:
            ledger_setup.create_cost_centre(session=session, user=admin, division=spec.code,
                                            code=code, name=name)
        for line in spec.product_lines:
            ledger_setup.create_cost_unit(session=session, user=admin, division=spec.code,
                                          code=line.code, name=line.name)
        for year in years:
            ledger_setup.open_fiscal_year(session=session, user=admin, division=spec.code,
                                          year=year)


def create_staff(*, session: Session, admin: User) -> Staff:
    all_divisions = [d.code for d in ALL_SPECS]
    users: dict[str, User] = {}
    for username, full_name, role in OFFICE_STAFF:
        users[username] = org.create_user(session=session, user=admin, username=username,
                                          full_name=full_name, role=role, divisions=all_divisions)
    staff = Staff(admin=admin, accountant=users["accountant"],
                  clerks={d.code: [] for d in ALL_SPECS})
    for n, (username, scope) in enumerate(CLERK_SCOPES.items(), start=1):
        clerk = org.create_user(session=session, user=admin, username=username,
                                full_name=f"Clerk {n}", role="clerk", divisions=list(scope))
        for code in scope:
            staff.clerks[code].append(clerk)
    for username, full_name, role, scope in GUESTS:
        org.create_user(session=session, user=admin, username=username, full_name=full_name,
                        role=role, divisions=list(scope))
    give_sign_ins(session=session, admin=admin)
    return staff


def give_sign_ins(*, session: Session, admin: User) -> None:
    """Passwords and languages of DEMO_USERS (no random numbers: the books stay the same).

    The admin gets ERP_ADMIN_PASSWORD when it is set; otherwise `erp demo` makes one.
    """
    for username, demo_user in DEMO_USERS.items():
        if demo_user.password is None:
            continue
        user_admin.set_password(session=session, user=admin, username=username,
                                password=demo_user.password)
        user_admin.set_locale(session=session, user=admin, username=username,
                              locale=demo_user.locale)
    password = admin_password()
    if password is not None:
        user_admin.ensure_admin_password(session=session, password=password)
