"""Wholesale master data of the trading divisions: warehouses, item groups and items with
barcodes, salespeople for the customers, customer groups and price rules, suppliers with
a lead-time reliability profile and yearly supply contracts for the best sellers.

Item popularity follows a Zipf-like curve (weight 1/rank^1.6), so a fifth of the items
carries most of the revenue and ABC classes mean something.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import accumulate

from sqlmodel import Session

from ingestion.demo.company import Staff
from ingestion.demo.relations import Party, PartyBook
from ingestion.demo.volumes import Volumes
from transactional.purchasing import contracts as contract_service
from transactional.sales import orders as order_service
from transactional.wholesale import items as item_service
from transactional.wholesale import prices as price_service
from transactional.wholesale.barcodes import check_digit

WHOLESALE_DIVISIONS = ("NL01", "UK01")
# (code, name, warehouse share of the customers); the first is the main warehouse.
WAREHOUSES: dict[str, tuple[tuple[str, str, int], ...]] = {
    "NL01": (("MAIN", "Central warehouse Rotterdam", 70), ("SOUTH", "Depot Eindhoven", 30)),
    "UK01": (("MAIN", "Warehouse Birmingham", 100),),
}
# (code, name, Dutch VAT code, noun for item names, lot-tracked consumables)
GROUPS: dict[str, tuple[tuple[str, str, str, str, bool], ...]] = {
    "NL01": (
        ("TOOLS", "Hand tools", "V21", "Wrench", False),
        ("POWER", "Power tools", "V21", "Drill", False),
        ("FAST", "Fasteners", "V21", "Bolt set", False),
        ("SAFE", "Safety equipment", "V21", "Safety kit", False),
        ("CLEAN", "Cleaning supplies", "V21", "Cleaner", True),
        ("CARE", "Care products", "V9", "Care pack", True),
    ),
    "UK01": (
        ("TOOLS", "Hand tools", "V21", "Spanner", False),
        ("FAST", "Fasteners", "V21", "Screw box", False),
        ("SAFE", "Safety equipment", "V21", "Hi-vis kit", False),
        ("CLEAN", "Cleaning supplies", "V21", "Detergent", True),
    ),
}
_ADJECTIVES = (
    "Pro",
    "Basic",
    "Heavy",
    "Compact",
    "Eco",
    "Max",
    "Premium",
    "Standard",
    "Mini",
    "Ultra",
    "Classic",
    "Flex",
)
# Items: a base assortment plus more with scale (about 60 at 0.05, 350 at 1).
ITEMS = {"NL01": (30, 200), "UK01": (18, 100)}
# List prices in euro cents: a ladder of magnitudes, each drawn +-20 %.
PRICE_LADDER = (150, 400, 900, 2_000, 4_500, 9_000, 20_000, 45_000)
ZIPF_EXPONENT = Decimal("1.6")
CONTRACT_SHARE = 0.15  # of the items (the most popular) bought under a yearly contract
LINES_PER_ORDER = 5.0  # on average (see ``wholesale.LINES_PER_ORDER``)
SALESPEOPLE = (
    "Sanne Bakker",
    "Daan Smit",
    "Emma Mulder",
    "Lucas de Vries",
    "Julia Bos",
    "Oliver Hughes",
    "Amelia Clarke",
    "Harry Walsh",
    "Isla Turner",
    "Jack Price",
)
# Lead-time reliability: (promised lead days, chance on time, most days late).
SUPPLIER_PROFILES = (
    (7, 0.95, 3),
    (10, 0.9, 5),
    (14, 0.8, 8),
    (21, 0.65, 14),
    (28, 0.5, 21),
    (5, 0.85, 4),
)


@dataclass
class Supplier:
    party: Party
    lead_days: int
    on_time: float
    max_delay: int


@dataclass
class Contract:
    id: int
    year: int
    unit_price: Decimal
    quantity: Decimal
    ordered: Decimal = Decimal(0)


@dataclass
class Article:
    id: int
    code: str
    group: str
    tracking: str  # none | serial | lot
    allow_negative: bool
    sales_price: Decimal  # list price, division currency
    purchase_price: Decimal
    vat_code: str
    weight: int
    quantity: tuple[int, int]  # units per order line
    supplier: Supplier
    contracts: dict[int, Contract] = field(default_factory=dict)
    daily_demand: dict[str, float] = field(default_factory=dict)  # per warehouse


@dataclass
class Catalogue:
    """The wholesale set-up of one division."""

    division: str
    warehouses: dict[str, int]  # code -> id
    articles: list[Article]
    customer_warehouse: dict[int, str]  # customer id -> warehouse code
    suppliers: list[Supplier]
    cumulative: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cumulative = list(accumulate(a.weight for a in self.articles))

    def pick(self, rng: random.Random, count: int) -> list[tuple[Article, int]]:
        """``count`` draws by popularity (with replacement, so popular items are not
        diluted by small assortments): each article drawn and how many times."""
        drawn: dict[int, tuple[Article, int]] = {}
        for article in rng.choices(self.articles, cum_weights=self.cumulative, k=count):
            drawn[article.id] = (article, drawn.get(article.id, (article, 0))[1] + 1)
        return list(drawn.values())


def item_count(division: str, scale: float) -> int:
    base, per_scale = ITEMS[division]
    return base + round(per_scale * scale)


def create_catalogue(
    *,
    session: Session,
    staff: Staff,
    parties: PartyBook,
    volumes: Volumes,
    seed: int,
    scale: float,
    years: list[int],
    orders_per_month: dict[str, float],
) -> dict[str, Catalogue]:
    """Set up wholesale in every trading division (the accountant keeps the item file and
    the price list, a clerk enters the supply contracts)."""
    result = {}
    for division in WHOLESALE_DIVISIONS:
        rng = random.Random(f"{seed}/catalogue/{division}")
        result[division] = _division(
            session,
            staff,
            parties,
            volumes,
            rng,
            division,
            scale,
            years,
            orders_per_month[division],
        )
    return result


def _division(
    session: Session,
    staff: Staff,
    parties: PartyBook,
    volumes: Volumes,
    rng: random.Random,
    division: str,
    scale: float,
    years: list[int],
    orders_per_month: float,
) -> Catalogue:
    keeper = staff.accountant
    warehouses = {}
    for code, name, _ in WAREHOUSES[division]:
        wh = item_service.create_warehouse(
            session=session, user=keeper, division=division, code=code, name=name
        )
        warehouses[code] = wh.id or 0
    for code, name, *_ in GROUPS[division]:
        item_service.create_item_group(
            session=session, user=keeper, division=division, code=code, name=name
        )
    suppliers = [
        Supplier(party, *rng.choice(SUPPLIER_PROFILES))
        for party in parties.by_category[(division, "goods")]
        if party.currency == _currency(parties, division)
    ]
    customers = parties.by_category[(division, "customer")]
    customer_warehouse = {
        c.id: rng.choices(
            [w for w, _, _ in WAREHOUSES[division]], weights=[s for _, _, s in WAREHOUSES[division]]
        )[0]
        for c in customers
    }
    count = item_count(division, scale)
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    price_level = volumes.price_level[division]
    articles: list[Article] = []
    for n, rank in enumerate(ranks, start=1):
        group, _, vat_code, noun, consumable = rng.choice(GROUPS[division])
        cents = rng.choice(PRICE_LADDER) * rng.randint(80, 120) // 100
        sales_price = (Decimal(cents) / 100 * price_level).quantize(Decimal("0.01"))
        purchase_price = (sales_price * rng.randint(55, 72) / 100).quantize(Decimal("0.01"))
        if cents >= 20_000 and rng.random() < 0.4:
            tracking = "serial"
        elif consumable and rng.random() < 0.4:
            tracking = "lot"
        else:
            tracking = "none"
        allow_negative = tracking == "none" and rng.random() < 0.06
        code = f"{group[:3]}{n:04d}"
        item = item_service.create_item(
            session=session,
            user=keeper,
            division=division,
            code=code,
            name=f"{noun} {rng.choice(_ADJECTIVES)} {n}",
            item_group=group,
            tracking=tracking,
            allow_negative_stock=allow_negative,
            sales_price=sales_price,
            purchase_price=purchase_price,
        )
        payload = f"87{rng.randint(0, 10**10 - 1):010d}"
        item_service.add_barcode(
            session=session,
            user=keeper,
            division=division,
            item=item.id or 0,
            barcode=payload + str(check_digit(payload)),
        )
        quantity = (
            (1, 2)
            if cents >= 20_000
            else (1, 6)
            if cents >= 4_500
            else (2, 20)
            if cents >= 900
            else (5, 60)
        )
        weight = int(Decimal(10**9) / Decimal(rank) ** ZIPF_EXPONENT)
        articles.append(
            Article(
                item.id or 0,
                code,
                group,
                tracking,
                allow_negative,
                sales_price,
                purchase_price,
                vat_code,
                weight,
                quantity,
                rng.choice(suppliers),
            )
        )
    _plan_daily_demand(articles, orders_per_month, division)
    _contracts(session, staff, division, articles, years, rng)
    _salespeople(session, staff, division, customers, rng)
    _price_list(session, keeper, division, customers, articles, years, rng)
    return Catalogue(division, warehouses, articles, customer_warehouse, suppliers)


def _currency(parties: PartyBook, division: str) -> str:
    return parties.landlord(division).currency  # the division's own currency


def _plan_daily_demand(articles: list[Article], orders_per_month: float, division: str) -> None:
    """Expected units a day per warehouse: drives reorder points and contract volumes."""
    total = sum(a.weight for a in articles)
    for a in articles:
        per_day = orders_per_month * LINES_PER_ORDER * a.weight / total / 30
        units = per_day * (a.quantity[0] + a.quantity[1]) / 2
        a.daily_demand = {code: units * share / 100 for code, _, share in WAREHOUSES[division]}


def _contracts(
    session: Session,
    staff: Staff,
    division: str,
    articles: list[Article],
    years: list[int],
    rng: random.Random,
) -> None:
    buyer = staff.clerks_for(division)[0]
    best = sorted(articles, key=lambda a: -a.weight)[
        : max(2, round(len(articles) * CONTRACT_SHARE))
    ]
    for a in best:
        yearly = sum(a.daily_demand.values()) * 365
        for n, year in enumerate(years):
            price = (a.purchase_price * Decimal(97 + n * 2) / 100).quantize(Decimal("0.01"))
            quantity = Decimal(max(10, round(yearly * 2)))
            contract = contract_service.create_supply_contract(
                session=session,
                user=buyer,
                division=division,
                supplier=a.supplier.party.id,
                item=a.id,
                valid_from=date(year, 1, 1),
                valid_to=date(year, 12, 31),
                quantity=quantity,
                unit_price=price,
                lead_time_days=a.supplier.lead_days,
            )
            a.contracts[year] = Contract(contract.id or 0, year, price, quantity)


def _salespeople(
    session: Session, staff: Staff, division: str, customers: list[Party], rng: random.Random
) -> None:
    count = 3 + (len(customers) > 40) + (len(customers) > 100)
    offset = 0 if division == "NL01" else 5
    people = [
        order_service.create_salesperson(
            session=session,
            user=staff.accountant,
            division=division,
            code=f"SP{n + 1:02d}",
            name=SALESPEOPLE[offset + n],
        )
        for n in range(count)
    ]
    for customer in customers:
        order_service.assign_salesperson(
            session=session,
            user=staff.accountant,
            customer=customer.id,
            salesperson=rng.choice(people),
            division=division,
        )


def _price_list(
    session: Session,
    keeper: object,
    division: str,
    customers: list[Party],
    articles: list[Article],
    years: list[int],
    rng: random.Random,
) -> None:
    """Key accounts get a discount on everything, trade customers on hand tools, fasteners
    have a quantity break, safety equipment is on promotion every November, and the
    biggest customer has a net price on its favourite item."""
    from transactional.organisation.models import User

    assert isinstance(keeper, User)
    start = date(years[0], 1, 1)
    by_size = sorted(customers, key=lambda c: (-c.weight, c.code))
    key_accounts = by_size[: max(1, len(by_size) // 10)]
    trade = [c for c in by_size[len(key_accounts) :] if rng.random() < 0.3]
    for code, name, members in (
        ("KEY", "Key accounts", key_accounts),
        ("TRADE", "Trade customers", trade),
    ):
        item_service.create_customer_group(
            session=session, user=keeper, division=division, code=code, name=name
        )
        for c in members:
            item_service.add_customer_to_group(
                session=session,
                user=keeper,
                division=division,
                customer_group=code,
                customer=c.code,
            )
    # Every rule is the keeper's, in this division, a discount from the first demo day
    # unless it says otherwise.
    rule = partial(
        price_service.create_price_rule,
        session=session,
        user=keeper,
        division=division,
        kind="discount",
        valid_from=start,
    )
    rule(value=Decimal(6), customer_group="KEY", description="Key account discount")
    rule(
        value=Decimal(4),
        customer_group="TRADE",
        item_group="TOOLS",
        description="Trade discount hand tools",
    )
    rule(
        value=Decimal(5),
        item_group="FAST",
        min_quantity=Decimal(20),
        description="Quantity break fasteners",
    )
    for year in years:
        rule(
            value=Decimal(12),
            valid_from=date(year, 11, 1),
            valid_to=date(year, 11, 30),
            item_group="SAFE",
            is_promotion=True,
            description=f"Safety month {year}",
        )
    favourite = max(articles, key=lambda a: (a.weight, a.code))
    rule(
        kind="price",
        value=(favourite.sales_price * Decimal("0.9")).quantize(Decimal("0.01")),
        item=favourite.id,
        customer=by_size[0].code,
        description="Contract price",
    )
