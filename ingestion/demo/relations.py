"""Customers and suppliers of every division, and the intercompany relations.

Customer sizes follow a Zipf curve (weight 1/rank) so ABC analysis finds a few A
customers carrying most of the revenue. Country and currency mixes are fixed quotas
(at least one of each), so even a tiny company has foreign-currency customers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import TypeVar

from sqlmodel import Session

from ingestion.demo.company import DIVISIONS, HOLDING, SPECS
from transactional.organisation.models import User
from transactional.relations.services import create_relation

T = TypeVar("T")

# (country, currency, share) per division; the first entry is the domestic market.
CUSTOMER_MIX: dict[str, tuple[tuple[str, str, float], ...]] = {
    "HOLD": (("NL", "EUR", 0.8), ("BE", "EUR", 0.2)),
    "NL01": (("NL", "EUR", 0.68), ("BE", "EUR", 0.08), ("DE", "EUR", 0.08), ("FR", "EUR", 0.03),
             ("US", "USD", 0.08), ("GB", "GBP", 0.05)),
    "US01": (("US", "USD", 0.85), ("CA", "USD", 0.05), ("NL", "EUR", 0.06), ("DE", "EUR", 0.04)),
    "UK01": (("GB", "GBP", 0.82), ("IE", "EUR", 0.1), ("US", "USD", 0.08)),
}
SUPPLIER_MIX: dict[str, tuple[tuple[str, str, float], ...]] = {
    "HOLD": (("NL", "EUR", 1.0),),
    "NL01": (("NL", "EUR", 0.6), ("DE", "EUR", 0.2), ("CN", "USD", 0.15), ("GB", "GBP", 0.05)),
    "US01": (("US", "USD", 0.9), ("NL", "EUR", 0.1)),
    "UK01": (("GB", "GBP", 0.8), ("NL", "EUR", 0.2)),
}
# Supplier categories, how many per unit of scale and division weight, and the minimum.
SUPPLIER_CATEGORIES: dict[str, tuple[int, int]] = {
    "goods": (300, 3), "services": (100, 2), "marketing": (50, 1),
}
CUSTOMERS_PER_SCALE = 2400
MIN_CUSTOMERS = 8
# How customers pay: share of customers per behaviour.
BEHAVIOURS = (("prompt", 25), ("regular", 45), ("slow", 22), ("poor", 8))
CUSTOMER_TERMS = ((14, 10), (30, 55), (45, 15), (60, 20))
SUPPLIER_TERMS = ((14, 15), (30, 60), (60, 25))

_NAME_FIRST = ("Noord", "Delta", "Polder", "Atlas", "Orion", "Vector", "Summit", "Harbor",
               "Maple", "Cedar", "Crown", "Thames", "Rhine", "Meridian", "Beacon", "Granite",
               "Falcon", "Lumen", "Nova", "Zeeland", "Oak", "Pioneer", "Sterling", "Tulip")
_NAME_SECOND = ("Trading", "Logistics", "Foods", "Systems", "Retail", "Industries", "Works",
                "Supplies", "Partners", "Technics", "Distribution", "Engineering", "Stores",
                "Components", "Services", "Build")
_LEGAL_FORM = {"NL": "B.V.", "BE": "NV", "DE": "GmbH", "FR": "SARL", "US": "Inc.", "CA": "Ltd.",
               "GB": "Ltd", "IE": "Ltd", "CN": "Co. Ltd"}


@dataclass(frozen=True)
class Party:
    """A customer or supplier as the generator knows it."""

    id: int
    code: str
    name: str
    division: str
    category: str  # customer | goods | services | marketing | landlord | intercompany
    country: str
    currency: str
    terms: int
    weight: int
    behaviour: str
    domestic_vat: bool  # Dutch VAT applies (Dutch division, Dutch relation)


@dataclass
class PartyBook:
    by_category: dict[tuple[str, str], list[Party]] = field(default_factory=dict)
    intercompany: dict[tuple[str, str], Party] = field(default_factory=dict)
    _cumulative: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, party: Party) -> None:
        self.by_category.setdefault((party.division, party.category), []).append(party)
        self._cumulative.pop((party.division, party.category), None)

    def pick(self, division: str, category: str, rng: random.Random) -> Party:
        """A relation drawn by size: big customers and suppliers get more invoices."""
        parties = self.by_category[(division, category)]
        key = (division, category)
        if key not in self._cumulative:
            self._cumulative[key] = list(accumulate(p.weight for p in parties))
        return rng.choices(parties, cum_weights=self._cumulative[key])[0]

    def landlord(self, division: str) -> Party:
        return self.by_category[(division, "landlord")][0]


def _quota(mix: tuple[tuple[str, str, float], ...], count: int) -> list[tuple[str, str]]:
    """Country/currency per relation: every foreign market gets at least one."""
    foreign = [(c, cur, max(1, round(share * count))) for c, cur, share in mix[1:]]
    domestic = max(1, count - sum(n for _, _, n in foreign))
    result = [(mix[0][0], mix[0][1])] * domestic
    for country, currency, n in foreign:
        result += [(country, currency)] * n
    return result


def _name(rng: random.Random, country: str, used: set[str]) -> str:
    for _ in range(50):
        name = f"{rng.choice(_NAME_FIRST)} {rng.choice(_NAME_SECOND)} {_LEGAL_FORM[country]}"
        if name not in used:
            break
    else:  # many relations: make the name unique with a number
        name = f"{name.rsplit(' ', 1)[0]} {len(used) + 1} {_LEGAL_FORM[country]}"
    used.add(name)
    return name


def _pick(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def create_parties(
    *, session: Session, user: User, seed: int, scale: float,
    monthly_revenue: dict[str, Decimal],
) -> PartyBook:
    """Create every division's customers, suppliers and intercompany relations."""
    book = PartyBook()
    for spec in DIVISIONS:
        rng = random.Random(f"{seed}/relations/{spec.code}")
        used: set[str] = set()
        count = max(MIN_CUSTOMERS, round(CUSTOMERS_PER_SCALE * scale * spec.weight))
        markets = _quota(CUSTOMER_MIX[spec.code], count)
        rng.shuffle(markets)
        ranks = list(range(1, len(markets) + 1))
        rng.shuffle(ranks)
        total_weight = sum(1_000_000 // r for r in ranks)
        for n, ((country, currency), rank) in enumerate(zip(markets, ranks, strict=True), 1):
            weight = 1_000_000 // rank
            # A credit limit of about two months of this customer's expected purchases.
            expected = monthly_revenue[spec.code] * weight / total_weight
            limit = max(Decimal(5000), (expected * 2).quantize(Decimal("1E3")))
            _add(book, session, user, spec.code, f"C{n:05d}", _name(rng, country, used),
                 "customer", country, currency, _pick(rng, CUSTOMER_TERMS), weight,
                 _pick(rng, BEHAVIOURS), limit)
        n = 0
        for category, (per_scale, minimum) in SUPPLIER_CATEGORIES.items():
            count = max(minimum, round(per_scale * scale * spec.weight))
            mix = SUPPLIER_MIX[spec.code] if category == "goods" else SUPPLIER_MIX[spec.code][:1]
            markets = _quota(mix, count)
            rng.shuffle(markets)
            for country, currency in markets:
                n += 1
                _add(book, session, user, spec.code, f"S{n:05d}", _name(rng, country, used),
                     category, country, currency, _pick(rng, SUPPLIER_TERMS),
                     rng.randint(1, 10), "regular", Decimal(0))
        _add(book, session, user, spec.code, "S09000", f"{spec.name.split()[0]} Vastgoed",
             "landlord", spec.country, spec.currency, 14, 1, "prompt", Decimal(0))
    _add_intercompany(book, session, user)
    return book


def _add(
    book: PartyBook, session: Session, user: User, division: str, code: str, name: str,
    category: str, country: str, currency: str, terms: int, weight: int, behaviour: str,
    credit_limit: Decimal, intercompany: str | None = None,
) -> None:
    relation_type = {"customer": "customer", "intercompany": "both"}.get(category, "supplier")
    rel = create_relation(
        session=session, user=user, division=division, code=code, name=name,
        relation_type=relation_type, country=country, currency=currency,
        payment_terms_days=terms, credit_limit=credit_limit,
        intercompany_division=intercompany,
    )
    book.add(Party(
        id=rel.id or 0, code=code, name=name, division=division, category=category,
        country=country, currency=currency, terms=terms, weight=weight, behaviour=behaviour,
        domestic_vat=SPECS[division].charges_vat and country == "NL",
    ))
    if intercompany is not None:
        book.intercompany[(division, intercompany)] = book.by_category[(division, category)][-1]


def _add_intercompany(book: PartyBook, session: Session, user: User) -> None:
    """Each subsidiary is a relation of the holding and vice versa; fees are in euros."""
    holding = SPECS[HOLDING]
    for spec in DIVISIONS:
        if spec.code == HOLDING:
            continue
        _add(book, session, user, HOLDING, f"IC-{spec.code}", spec.name, "intercompany",
             spec.country, holding.currency, 30, 1, "prompt", Decimal(0), intercompany=spec.code)
        _add(book, session, user, spec.code, f"IC-{HOLDING}", holding.name, "intercompany",
             holding.country, holding.currency, 30, 1, "prompt", Decimal(0), intercompany=HOLDING)
