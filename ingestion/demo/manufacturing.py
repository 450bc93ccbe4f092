"""The manufacturer MF01 Noordwind Productie B.V.: it makes trolleys, workbenches, lift tables
and electric carts from bought components and its own semi-finished parts, and sells them.

Master data (items, work centres, bills of materials with routings, item planning, the
default cost scenario and its cost roll-up) and every document go through the services,
as the production clerk (clerk9) and the accountant: sales orders, deliveries and
invoices, component purchases with receipts and matched invoices (the wholesale
machinery of :class:`~ingestion.demo.wholesale.Trade`), and production orders from sales
order lines (some with sub-orders) or by hand for stock (some backflushed): release,
material issue with realistic variances, hours, outsourced coating, partial and final
completions, close.

What every production posting must be is worked out here first, in the generator's own
books (:class:`ingestion.demo.stockbook.StockBook` for stock, ``Job`` for an order's work
in progress), from what the generator decided: quantities and hours, the rates of the
work centres, the stock values of the components, and the standard per unit the order
got at release (``docs/manufacturing.md`` §3). The control totals
(``ControlTotals.production_*``, ``closing_wip``) come from these books, not from the
ledger.

MF01 draws from its own random streams (``seed/wholesale/MF01/...``), and its volumes are
not part of the plan of the other divisions: adding it changes nobody else's books.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlmodel import Session, col, select

from ingestion.demo.books import Books, InvoicePlan, PlanLine, money
from ingestion.demo.catalogue import Article, Catalogue, Supplier
from ingestion.demo.company import MANUFACTURER, Staff
from ingestion.demo.relations import Party, PartyBook
from ingestion.demo.settlement import Settlement
from ingestion.demo.stockbook import Move
from ingestion.demo.timeline import SEASON, Month, next_business_day
from ingestion.demo.wholesale import PRIORITY, Event, SalesOrder, Trade
from transactional.manufacturing import production_orders as orders_service
from transactional.manufacturing import production_postings as postings
from transactional.manufacturing.models import ProductionOrder
from transactional.manufacturing.mrp import run_mrp
from transactional.manufacturing.sales_plan import set_sales_plan
from transactional.relations.services import create_relation
from transactional.sales import orders as sales_orders
from transactional.wholesale import items as item_service

DIVISION = MANUFACTURER.code
WAREHOUSE = ("MAIN", "Fabriek Zwolle")
# Sales orders a month per unit of scale (before season and growth), and at least this.
# Every service call of a production order costs a few dozen milliseconds: the plant runs
# at about a sales order a month at the test scales, more from scale 0.05 up, and makes
# and buys in lots of a few months, so it adds little to the generator's time.
ORDERS_PER_SCALE = 24.0
MIN_ORDERS = 0.9
BOMS_BEFORE_BOOKS_DAYS = 90  # the BOMs hold from this long before the first fiscal year
MAKE_COVER_DAYS = 150  # a stock production order covers this many days of use
BUY_COVER_DAYS = 120
GROWTH = 0.08  # a year
LINES_PER_ORDER = {1: 6, 2: 3, 3: 1}
CUSTOMERS = (6, 200)  # base, per unit of scale
EIGHT = Decimal("0.00000001")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Bought:
    """A purchased component (moving average)."""

    code: str
    name: str
    unit: str
    price: str  # EUR per unit
    lead_days: int
    minimum: int
    multiple: int
    supplier: int  # index into SUPPLIERS


@dataclass(frozen=True)
class Made:
    """A made item (standard cost) or a phantom: its BOM for ``batch`` units (component
    code, quantity per batch, scrap %) and routing (work centre code or None for the
    outsourced coating, setup and run hours per batch, price per unit outsourced)."""

    code: str
    name: str
    supply: str  # make | phantom
    batch: int
    lines: tuple[tuple[str, str, str], ...]
    operations: tuple[tuple[str | None, str, str, str], ...]
    lead_days: int = 0
    minimum: int = 0
    multiple: int = 0
    sales_price: str | None = None  # finished products only
    to_order: bool = False  # made for a sales order line (else for stock)
    weight: int = 0  # share of the sales lines
    quantity: tuple[int, int] = (1, 1)  # units per sales order line
    backflush: bool = False


# (code, name, country, on-time share, promised lead days)
SUPPLIERS = (
    ("S00001", "Staalhandel Twente B.V.", "NL"),
    ("S00002", "Kugellager Rhein GmbH", "DE"),
    ("S00003", "Elektro Aandrijving B.V.", "NL"),
    ("S00004", "Verpakkingen Noord B.V.", "NL"),
)
COATER = ("S00010", "Poedercoating IJssel B.V.", "NL")

WORK_CENTRES = (
    # code, name, labour rate, machine rate, efficiency %, hours a week
    ("SAW", "Zaag- en snijcentrum", "38.00", "42.00", "95", "80"),
    ("WELD", "Lasrobot", "41.00", "65.00", "90", "80"),
    ("PAINT", "Spuitcabine", "36.00", "28.00", "85", "40"),
    ("ASSY", "Montagelijn", "35.00", "4.00", "100", "120"),
)

BOUGHT = (
    Bought("TUBE", "Steel tube 40x40", "m", "6.40", 10, 100, 50, 0),
    Bought("SHEET", "Steel sheet 2 mm", "pcs", "18.75", 14, 20, 10, 0),
    Bought("BOLT", "Bolt set M8", "pcs", "0.85", 7, 200, 100, 0),
    Bought("BRACKET", "Mounting bracket", "pcs", "2.30", 7, 50, 25, 0),
    Bought("WHEEL", "Wheel 200 mm", "pcs", "11.90", 14, 40, 20, 1),
    Bought("BEARING", "Ball bearing 6204", "pcs", "3.45", 10, 50, 50, 1),
    Bought("MOTOR", "Electric motor 250 W", "pcs", "96.00", 21, 5, 5, 2),
    Bought("CONTROL", "Control board", "pcs", "54.00", 21, 5, 5, 2),
    Bought("CABLE", "Cable harness", "pcs", "7.80", 10, 10, 10, 2),
    Bought("POWDER", "Powder paint", "kg", "9.60", 7, 25, 25, 3),
    Bought("BOX", "Shipping carton", "pcs", "3.10", 7, 25, 25, 3),
)

MADE = (
    # The phantom: a fixing kit is picked at the line, never stocked.
    Made(
        "KIT",
        "Fixing kit",
        "phantom",
        1,
        (("BOLT", "8", "0"), ("BRACKET", "4", "0")),
        (("ASSY", "0", "0.05", "0"),),
    ),
    # Semi-finished, made for stock.
    Made(
        "FRAME-S",
        "Frame small",
        "make",
        1,
        (("TUBE", "4.2", "5"), ("BOLT", "4", "0")),
        (("SAW", "0.5", "0.25", "0"), ("WELD", "0.3", "0.4", "0"), (None, "0", "0", "6.50")),
        lead_days=7,
        minimum=10,
        multiple=5,
    ),
    Made(
        "FRAME-L",
        "Frame large",
        "make",
        1,
        (("TUBE", "7.5", "5"), ("SHEET", "1", "3"), ("BOLT", "6", "0")),
        (("SAW", "0.5", "0.4", "0"), ("WELD", "0.3", "0.7", "0"), (None, "0", "0", "9.80")),
        lead_days=7,
        minimum=10,
        multiple=5,
    ),
    Made(
        "AXLE",
        "Axle assembly",
        "make",
        10,
        (("TUBE", "8", "2"), ("BEARING", "20", "0"), ("WHEEL", "20", "0")),
        (("SAW", "0.3", "1.0", "0"), ("ASSY", "0.2", "2.5", "0")),
        lead_days=5,
        minimum=20,
        multiple=10,
        backflush=True,
    ),
    Made(
        "DRIVE",
        "Drive unit",
        "make",
        1,
        (
            ("MOTOR", "1", "0"),
            ("CONTROL", "1", "0"),
            ("CABLE", "1", "0"),
            ("AXLE", "1", "0"),
            ("BOLT", "4", "0"),
        ),
        (("ASSY", "0.2", "0.9", "0"),),
        lead_days=5,
        minimum=5,
        multiple=5,
    ),
    # Finished products.
    Made(
        "TROL-S",
        "Transport trolley small",
        "make",
        1,
        (("FRAME-S", "1", "0"), ("AXLE", "1", "0"), ("KIT", "1", "0"), ("BOX", "1", "0")),
        (("ASSY", "0.1", "0.5", "0"),),
        lead_days=4,
        minimum=10,
        multiple=5,
        sales_price="189.00",
        weight=30,
        quantity=(2, 12),
        backflush=True,
    ),
    Made(
        "TROL-L",
        "Transport trolley large",
        "make",
        1,
        (("FRAME-L", "1", "0"), ("AXLE", "2", "0"), ("KIT", "1", "0"), ("BOX", "1", "0")),
        (("ASSY", "0.1", "0.7", "0"),),
        lead_days=4,
        minimum=10,
        multiple=5,
        sales_price="279.00",
        weight=25,
        quantity=(2, 10),
    ),
    Made(
        "BENCH",
        "Workbench heavy duty",
        "make",
        1,
        (
            ("FRAME-L", "1", "0"),
            ("SHEET", "2", "3"),
            ("BOLT", "12", "0"),
            ("POWDER", "1.2", "8"),
            ("BOX", "1", "0"),
        ),
        (("SAW", "0.2", "0.3", "0"), ("PAINT", "0.3", "0.4", "0"), ("ASSY", "0.1", "0.6", "0")),
        lead_days=6,
        minimum=5,
        multiple=5,
        sales_price="349.00",
        weight=20,
        quantity=(1, 6),
    ),
    Made(
        "LIFT",
        "Lift table electric",
        "make",
        1,
        (("FRAME-S", "1", "0"), ("DRIVE", "1", "0"), ("SHEET", "1", "3"), ("KIT", "1", "0")),
        (("ASSY", "0.2", "1.2", "0"),),
        lead_days=8,
        sales_price="895.00",
        to_order=True,
        weight=8,
        quantity=(1, 3),
    ),
    Made(
        "ECART",
        "Electric transport cart",
        "make",
        1,
        (
            ("FRAME-L", "1", "0"),
            ("DRIVE", "1", "0"),
            ("AXLE", "1", "0"),
            ("KIT", "2", "0"),
            ("BOX", "1", "0"),
        ),
        (("ASSY", "0.2", "1.5", "0"), ("PAINT", "0.2", "0.3", "0")),
        lead_days=10,
        sales_price="1190.00",
        to_order=True,
        weight=8,
        quantity=(1, 4),
    ),
)
MADE_BY_CODE = {m.code: m for m in MADE}
BOUGHT_BY_CODE = {b.code: b for b in BOUGHT}
PRODUCTS = tuple(m for m in MADE if m.sales_price is not None)
SEMI_FINISHED = tuple(m for m in MADE if m.supply == "make" and m.sales_price is None)
SCENARIO = ("STD", "Standard cost price", "latest_purchase", "4", "15")
SALES_PLAN_MONTHS = 3
# How material issues and hours differ from plan: (chance, lowest %, highest %).
ISSUE_VARIANCE = ((0.7, 0, 0), (0.2, 1, 6), (0.1, -4, -1))
HOURS_FACTOR = (85, 125)  # % of the planned hours
SCRAP_REPLACEMENT = 0.06  # of orders: a component spoiled and issued again
SHORT_CLOSE = 0.06  # of orders: a unit lost, the order closed short
PARTIAL_COMPLETION = 0.3
CLOSE_WITH_COMPLETION = 0.6
WITH_SUB_ORDERS = 0.3  # of made-to-order lines
SPLIT_HOURS = 0.2  # of operations: hours booked on two days
PRODUCTION_PRIORITY = {
    "make_to_order": 6,
    "release": 6,
    "issue": 7,
    "extra_issue": 7,
    "hours": 8,
    "outsourced": 8,
    "complete": 9,
    "close": 10,
    "coater_invoice": 2,
    "open_work": 6,
}


# --------------------------------------------------------------------------- master data


def per_unit(made: Made) -> dict[str, Decimal]:
    """Bought components per unit of ``made``, phantoms and made parts exploded, with
    scrap: what the buyer plans usage with (not what the services compute)."""
    result: dict[str, Decimal] = defaultdict(Decimal)
    for component, qty, scrap in made.lines:
        need = Decimal(qty) / made.batch * (1 + Decimal(scrap) / HUNDRED)
        if component in BOUGHT_BY_CODE:
            result[component] += need
        else:
            for code, sub in per_unit(MADE_BY_CODE[component]).items():
                result[code] += need * sub
    return result


def made_per_unit(made: Made) -> dict[str, Decimal]:
    """Made components (not phantoms) per unit of ``made``, through phantoms."""
    result: dict[str, Decimal] = defaultdict(Decimal)
    for component, qty, _ in made.lines:
        sub = MADE_BY_CODE.get(component)
        if sub is None:
            continue
        need = Decimal(qty) / made.batch
        if sub.supply == "phantom":
            for code, inner in made_per_unit(sub).items():
                result[code] += need * inner
        else:
            result[component] += need
    return result


@dataclass
class Plant:
    """MF01's master data as the generator knows it (ids by code)."""

    items: dict[str, int]
    suppliers: list[Supplier]
    coater: Party
    customers: list[Party]
    warehouse: int
    seed: int
    scale: float
    years: list[int]
    staff: Staff
    parties: PartyBook
    articles: dict[str, Article] = field(default_factory=dict)

    def start(self, *, books: Books, settlement: Settlement, end: date) -> Manufacturer:
        products = [self.articles[m.code] for m in PRODUCTS]
        catalogue = Catalogue(
            DIVISION,
            {WAREHOUSE[0]: self.warehouse},
            products,
            {c.id: WAREHOUSE[0] for c in self.customers},
            self.suppliers,
        )
        return Manufacturer(
            catalogue,
            self.staff,
            self.parties,
            books,
            settlement,
            self.seed,
            self.scale,
            end,
            plant=self,
        )


def set_up_manufacturer(
    *,
    session: Session,
    staff: Staff,
    parties: PartyBook,
    seed: int,
    scale: float,
    years: list[int],
) -> Plant:
    """MF01's relations, items, work centres, BOMs and routings, planning data and the
    default cost scenario, by the accountant (the item file is theirs)."""
    from transactional.manufacturing import (
        boms,
        cost_rollup,
        cost_scenarios,
        item_planning,
        work_centres,
    )

    rng = random.Random(f"{seed}/manufacturing/master")
    keeper = staff.accountant
    first_day = date(years[0], 1, 1)
    customers = _customers(session, keeper, parties, rng, scale)
    supplier_parties = [
        _relation(session, keeper, parties, code, name, country, "goods", rng.choice((14, 30)))
        for code, name, country in SUPPLIERS
    ]
    profiles = ((10, 0.9, 5), (14, 0.8, 8), (21, 0.7, 10), (7, 0.95, 3))
    suppliers = [
        Supplier(p, *profile) for p, profile in zip(supplier_parties, profiles, strict=True)
    ]
    coater = _relation(session, keeper, parties, *COATER, "services", 30)
    wh = item_service.create_warehouse(
        session=session, user=keeper, division=DIVISION, code=WAREHOUSE[0], name=WAREHOUSE[1]
    )
    for code, name in (
        ("RAW", "Components"),
        ("SEMI", "Semi-finished"),
        ("PROD", "Finished products"),
    ):
        item_service.create_item_group(
            session=session, user=keeper, division=DIVISION, code=code, name=name
        )
    items: dict[str, int] = {}
    articles: dict[str, Article] = {}
    for b in BOUGHT:
        item = item_service.create_item(
            session=session,
            user=keeper,
            division=DIVISION,
            code=b.code,
            name=b.name,
            item_group="RAW",
            unit=b.unit,
            purchase_price=Decimal(b.price),
        )
        items[b.code] = item.id or 0
        articles[b.code] = Article(
            item.id or 0,
            b.code,
            "RAW",
            "none",
            False,
            Decimal(0),
            Decimal(b.price),
            "V21",
            0,
            (1, 1),
            suppliers[b.supplier],
        )
    for m in MADE:
        group = "PROD" if m.sales_price is not None else "SEMI"
        item = item_service.create_item(
            session=session,
            user=keeper,
            division=DIVISION,
            code=m.code,
            name=m.name,
            item_group=group,
            cost_method="average" if m.supply == "phantom" else "standard",
            # The item file needs a standard cost: the engineer's estimate, until the
            # roll-up below replaces it.
            standard_cost=_estimate(m) if m.supply == "make" else Decimal(0),
            sales_price=Decimal(m.sales_price or 0),
        )
        items[m.code] = item.id or 0
        if m.sales_price is not None:
            articles[m.code] = Article(
                item.id or 0,
                m.code,
                "PROD",
                "none",
                False,
                Decimal(m.sales_price),
                Decimal(0),
                "V21",
                m.weight,
                m.quantity,
                suppliers[0],
            )
    for code, name, labour, machine, efficiency, hours in WORK_CENTRES:
        work_centres.create_work_centre(
            session=session,
            user=keeper,
            division=DIVISION,
            code=code,
            name=name,
            labour_rate=Decimal(labour),
            machine_rate=Decimal(machine),
            efficiency_pct=Decimal(efficiency),
            hours_per_week=Decimal(hours),
        )
    for b in BOUGHT:
        item_planning.set_item_planning(
            session=session,
            user=keeper,
            division=DIVISION,
            item=b.code,
            supply="buy",
            lead_time_days=b.lead_days,
            minimum_quantity=Decimal(b.minimum),
            order_multiple=Decimal(b.multiple),
            supplier=suppliers[b.supplier].party.id,
        )
    for m in MADE:
        item_planning.set_item_planning(
            session=session,
            user=keeper,
            division=DIVISION,
            item=m.code,
            supply=m.supply,
            lead_time_days=m.lead_days,
            minimum_quantity=Decimal(m.minimum),
            order_multiple=Decimal(m.multiple),
        )
    for m in MADE:  # components before the items that use them: no forward references
        boms.create_bom(
            session=session,
            user=keeper,
            division=DIVISION,
            item=m.code,
            version="1",
            description=m.name,
            batch_quantity=Decimal(m.batch),
            # The engineering is older than the books: a sub-order of a make-to-order
            # order of the first days starts (due - lead time) before 1 January, and
            # needs a BOM valid then (scale 1 failed on it).
            valid_from=first_day - timedelta(days=BOMS_BEFORE_BOOKS_DAYS),
            is_default=True,
            lines=[
                boms.BomLineDraft(component=c, quantity=Decimal(q), scrap_pct=Decimal(s))
                for c, q, s in m.lines
            ],
            operations=[
                boms.OperationDraft(
                    sequence=10 * n,
                    work_centre=wc,
                    setup_hours=Decimal(setup),
                    run_hours=Decimal(run),
                    supplier=coater.id if wc is None else None,
                    outsourced_price=Decimal(price),
                    description="Powder coating" if wc is None else "",
                )
                for n, (wc, setup, run, price) in enumerate(m.operations, start=1)
            ],
        )
    code, name, basis, material, conversion = SCENARIO
    cost_scenarios.create_cost_scenario(
        session=session,
        user=keeper,
        division=DIVISION,
        code=code,
        name=name,
        price_basis=basis,
        with_surcharges=True,
        material_surcharge_pct=Decimal(material),
        conversion_surcharge_pct=Decimal(conversion),
        is_default=True,
    )
    # No stock yet: the roll-up prices the components at their purchase prices, and the
    # standard costs it applies revalue nothing.
    cost_rollup.apply_cost_prices(
        session=session, user=keeper, division=DIVISION, scenario=code, on=first_day
    )
    plant = Plant(
        items,
        suppliers,
        coater,
        customers,
        wh.id or 0,
        seed,
        scale,
        years,
        staff,
        parties,
        articles,
    )
    return plant


def _estimate(made: Made) -> Decimal:
    """A made item's cost at purchase prices and full rates, rounded up to whole euros."""

    def unit(m: Made) -> Decimal:
        total = Decimal(0)
        for c, q, scrap in m.lines:
            price = (
                Decimal(BOUGHT_BY_CODE[c].price) if c in BOUGHT_BY_CODE else unit(MADE_BY_CODE[c])
            )
            total += Decimal(q) / m.batch * (1 + Decimal(scrap) / 100) * price
        rates = {w[0]: (Decimal(w[2]) + Decimal(w[3])) * 100 / Decimal(w[4]) for w in WORK_CENTRES}
        for wc, setup, run, outsourced in m.operations:
            if wc is None:
                total += Decimal(outsourced)
            else:
                total += (Decimal(setup) + Decimal(run)) / m.batch * rates[wc]
        return total

    return unit(made).quantize(Decimal(1), rounding=ROUND_CEILING)


def _relation(
    session: Session,
    user: Any,
    parties: PartyBook,
    code: str,
    name: str,
    country: str,
    category: str,
    terms: int,
    weight: int = 1,
    behaviour: str = "regular",
    credit_limit: Decimal = Decimal(0),
) -> Party:
    rel = create_relation(
        session=session,
        user=user,
        division=DIVISION,
        code=code,
        name=name,
        relation_type="customer" if category == "customer" else "supplier",
        country=country,
        currency="EUR",
        payment_terms_days=terms,
        credit_limit=credit_limit,
    )
    party = Party(
        id=rel.id or 0,
        code=code,
        name=name,
        division=DIVISION,
        category=category,
        country=country,
        currency="EUR",
        terms=terms,
        weight=weight,
        behaviour=behaviour,
        domestic_vat=country == "NL",
    )
    parties.add(party)
    return party


def _customers(
    session: Session, user: Any, parties: PartyBook, rng: random.Random, scale: float
) -> list[Party]:
    """Dealers and warehouses, mostly Dutch, a few Belgian and German (no Dutch VAT)."""
    count = CUSTOMERS[0] + round(CUSTOMERS[1] * scale)
    firsts = (
        "Logistiek",
        "Magazijn",
        "Intern Transport",
        "Werkplaats",
        "Industrie",
        "Handelshuis",
        "Opslag",
        "Techniek",
    )
    seconds = ("Centrum", "Partners", "Groep", "Service", "Unie", "Direct")
    result = []
    for n in range(1, count + 1):
        country = "NL" if n % 7 not in (3, 5) else ("BE" if n % 7 == 3 else "DE")
        legal = {"NL": "B.V.", "BE": "NV", "DE": "GmbH"}[country]
        name = f"{rng.choice(firsts)} {rng.choice(seconds)} {n} {legal}"
        behaviour = rng.choices(("prompt", "regular", "slow", "poor"), (25, 50, 20, 5))[0]
        result.append(
            _relation(
                session,
                user,
                parties,
                f"C{n:05d}",
                name,
                country,
                "customer",
                rng.choice((14, 30, 30, 45)),
                1_000_000 // n,
                behaviour,
                Decimal(25_000),
            )
        )
    return result


# ------------------------------------------------------------------------ the generator's WIP


@dataclass
class JobMaterial:
    id: int
    item: int
    planned: Decimal
    issued: Decimal = Decimal(0)


@dataclass
class JobOperation:
    sequence: int
    work_centre: int | None
    planned_hours: Decimal
    labour_rate: Decimal = Decimal(0)
    machine_rate: Decimal = Decimal(0)
    outsourced_price: Decimal = Decimal(0)
    booked: bool = False


@dataclass
class Job:
    """A production order as the generator follows it: its WIP per cost type."""

    id: int
    number: str
    made: Made
    item: int
    quantity: Decimal
    start: date
    due: date
    backflush: bool
    materials: list[JobMaterial]
    operations: list[JobOperation]
    status: str = "planned"
    standard: dict[str, Decimal] = field(default_factory=dict)
    completed: Decimal = Decimal(0)
    actual: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credited: Decimal = Decimal(0)  # completions out of WIP
    waited: int = 0
    partial_soon: bool = False  # half completed two days after the issue

    @property
    def wip(self) -> Decimal:
        return sum(self.actual.values(), Decimal(0)) - self.credited

    @property
    def open_quantity(self) -> Decimal:
        if self.status in ("planned", "released"):
            return self.quantity - self.completed
        return Decimal(0)

    @property
    def standard_per_unit(self) -> Decimal:
        return sum(self.standard.values(), Decimal(0))


@dataclass
class ProductionFigures:
    """Per year: orders closed, units completed per item, actual cost into WIP, posted
    variances per variance account's cost type; the WIP at the end."""

    closed: dict[int, int] = field(default_factory=dict)
    output: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    cost: dict[int, Decimal] = field(default_factory=dict)
    variances: dict[int, dict[str, Decimal]] = field(default_factory=dict)


VARIANCE_OF = {
    "material": "material",
    "outsourced": "material",
    "labour": "labour",
    "machine": "machine",
    "overhead": "machine",
}


@dataclass
class Manufacturer(Trade):
    """MF01's trade and production, on the wholesale agenda."""

    plant: Plant | None = None
    jobs: dict[int, Job] = field(default_factory=dict)
    production: ProductionFigures = field(default_factory=ProductionFigures)
    coater_due: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    item_codes: dict[int, str] = field(default_factory=dict)
    _today: date = date.min  # the day being run: its agenda is already taken

    def __post_init__(self) -> None:
        super().__post_init__()
        assert self.plant is not None
        self.item_codes = {i: c for c, i in self.plant.items.items()}

    # ------------------------------------------------------------------- volumes

    def orders_expected(self, month: Month) -> float:
        base = max(MIN_ORDERS, ORDERS_PER_SCALE * self.scale)
        return base * (1.0 + GROWTH * month.index / 12)

    def monthly_revenue(self, month: Month) -> Decimal:
        """Expected sales of a month without season (the accountant sizes capital, equipment
        and wages with it)."""
        lines = sum(n * w for n, w in LINES_PER_ORDER.items()) / sum(LINES_PER_ORDER.values())
        total_weight = sum(m.weight for m in PRODUCTS)
        per_line = (
            sum(float(m.sales_price or 0) * sum(m.quantity) / 2 * m.weight for m in PRODUCTS)
            / total_weight
        )
        return Decimal(str(round(self.orders_expected(month) * lines * per_line, 2)))

    def schedule(self, on: date, kind: str, payload: Any = None) -> None:
        if on <= self._today:  # the day's agenda is taken: the next business day
            on = next_business_day(self._today + timedelta(days=1))
        if on > self.end:
            return
        self.seq += 1
        priority = PRODUCTION_PRIORITY.get(kind, PRIORITY.get(kind, 5))
        self.agenda.setdefault(on, []).append(Event(on, priority, self.seq, kind, payload))

    def clerk(self, task: int, on: date) -> Any:
        return self.staff.clerks_for(self.division)[0]

    # ---------------------------------------------------------------- sales orders

    def _plan_orders(self, month: Month, rng: random.Random) -> None:
        days = month.business_days()
        if not days:
            return
        expected = self.orders_expected(month) * SEASON[month.month - 1] * month.share_active
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        customers = self.plant.customers if self.plant else []
        weights = [c.weight for c in customers]
        for _ in range(count):
            on = rng.choice(days)
            if on == days[0] and month.index == 0:
                on = days[min(1, len(days) - 1)]  # the first day belongs to the founding
            customer = rng.choices(customers, weights=weights)[0]
            n = rng.choices(list(LINES_PER_ORDER), weights=list(LINES_PER_ORDER.values()))[0]
            drawn = self.catalogue.pick(rng, n)
            lines = [(a, Decimal(rng.randint(*a.quantity))) for a, _ in drawn]
            self.schedule(on, "order", (customer, lines))

    def _draft(
        self, customer: Party, lines: list[tuple[Article, Decimal]], on: date, rng: random.Random
    ) -> sales_orders.SalesOrderDraft:
        draft = super()._draft(customer, lines, on, rng)
        # Products are made or finished for the order: customers expect them in weeks.
        return dataclasses.replace(
            draft, requested_date=next_business_day(on + timedelta(days=rng.randint(14, 28)))
        )

    def _opened(self, order: SalesOrder, on: date, rng: random.Random) -> None:
        super()._opened(order, on, rng)
        # Delivered when made (to order) or from stock, within the weeks asked for.
        order.due = next_business_day(on + timedelta(days=rng.randint(10, 20)))
        for line in order.lines:
            if MADE_BY_CODE[line.article.code].to_order:
                self.schedule(
                    next_business_day(on + timedelta(days=1)), "make_to_order", (order, line)
                )

    def _count(self, session: Session, day: date, rng: random.Random) -> None:
        """No year-end count sample at the plant (its stock is counted in the cycle of the
        production orders)."""

    # ------------------------------------------------------------- the weekly plan

    def _replenish_all(self, session: Session, day: date, rng: random.Random) -> None:
        """Mondays: plan stock production of products and parts, then buy components."""
        self._plan_stock_production(session, day, rng)
        self._buy_components(session, day, rng)

    def _daily_sales(self) -> dict[str, Decimal]:
        """Expected units a day per product at this month's volume."""
        total = sum(m.weight for m in PRODUCTS)
        lines = sum(n * w for n, w in LINES_PER_ORDER.items()) / sum(LINES_PER_ORDER.values())
        base = max(MIN_ORDERS, ORDERS_PER_SCALE * self.scale)
        return {
            m.code: Decimal(
                str(round(base * lines * m.weight / total * sum(m.quantity) / 2 / 30, 6))
            )
            for m in PRODUCTS
        }

    def _usage(self) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        """Expected daily use of made parts and bought components."""
        made: dict[str, Decimal] = defaultdict(Decimal)
        bought: dict[str, Decimal] = defaultdict(Decimal)
        for code, per_day in self._daily_sales().items():
            product = MADE_BY_CODE[code]
            made[code] += per_day
            for part, qty in made_per_unit(product).items():
                made[part] += per_day * qty
                for sub, inner in made_per_unit(MADE_BY_CODE[part]).items():
                    made[sub] += per_day * qty * inner
            for component, qty in per_unit(product).items():
                bought[component] += per_day * qty
        return made, bought

    def _open_requirements(self) -> dict[int, Decimal]:
        need: dict[int, Decimal] = defaultdict(Decimal)
        for job in self.jobs.values():
            if job.status not in ("planned", "released"):
                continue
            for mat in job.materials:
                need[mat.item] += max(Decimal(0), mat.planned - mat.issued)
        return need

    def _open_production(self) -> dict[int, Decimal]:
        supply: dict[int, Decimal] = defaultdict(Decimal)
        for job in self.jobs.values():
            supply[job.item] += job.open_quantity
        return supply

    def _plan_stock_production(self, session: Session, day: date, rng: random.Random) -> None:
        assert self.plant is not None
        made_use, _ = self._usage()
        demand = self._open_demand()
        need = self._open_requirements()
        supply = self._open_production()
        wh = WAREHOUSE[0]
        # Products first: their orders' materials are the parts' demand.
        for made in (*[m for m in PRODUCTS if not m.to_order], *SEMI_FINISHED):
            item = self.plant.items[made.code]
            per_day = made_use[made.code]
            position = (
                self.stock.level(item, wh)
                + supply[item]
                - demand.get((item, wh), Decimal(0))
                - need[item]
            )
            reorder = Decimal(math.ceil(per_day * (made.lead_days + 7)))
            if position >= reorder:
                continue
            qty = reorder + Decimal(math.ceil(per_day * MAKE_COVER_DAYS)) - position
            qty = _lot(qty, made.minimum, made.multiple)
            start = next_business_day(day + timedelta(days=rng.randint(0, 2)))
            job = self._create(session, day, made, qty, start, backflush=made.backflush)
            for mat in job.materials:
                need[mat.item] += mat.planned
            supply[item] += qty

    def _buy_components(self, session: Session, day: date, rng: random.Random) -> None:
        assert self.plant is not None
        _, use = self._usage()
        need = self._open_requirements()
        wanted: dict[int, list[tuple[Article, Decimal]]] = {}
        wh = WAREHOUSE[0]
        for b in BOUGHT:
            article = self.plant.articles[b.code]
            per_day = use[b.code]
            position = (
                self.stock.level(article.id, wh)
                + self.on_order.get((article.id, wh), Decimal(0))
                - need[article.id]
            )
            reorder = Decimal(math.ceil(per_day * (article.supplier.lead_days + 10)))
            if position >= reorder and position >= 0:
                continue
            qty = _lot(
                reorder + Decimal(math.ceil(per_day * BUY_COVER_DAYS)) - position,
                b.minimum,
                b.multiple,
            )
            wanted.setdefault(article.supplier.party.id, []).append((article, qty))
        for _, lines in sorted(wanted.items()):
            self._purchase(session, day, lines[0][0].supplier, wh, lines, rng)

    # -------------------------------------------------------------- production orders

    def _create(
        self,
        session: Session,
        day: date,
        made: Made,
        qty: Decimal,
        start: date,
        *,
        backflush: bool = False,
        sales_line: int | None = None,
        with_sub_orders: bool = False,
        due: date | None = None,
    ) -> Job:
        due = due or start + timedelta(days=max(made.lead_days, 2))
        if sales_line is not None:
            po = orders_service.create_from_sales_order_line(
                session=session,
                user=self.clerk(0, day),
                sales_order_line=sales_line,
                start_date=start,
                backflush=backflush,
                with_sub_orders=with_sub_orders,
            )
        else:
            po = orders_service.create_production_order(
                session=session,
                user=self.clerk(0, day),
                division=DIVISION,
                item=made.code,
                quantity=qty,
                start_date=start,
                due_date=due,
                warehouse=WAREHOUSE[0],
                backflush=backflush,
                description="For stock",
            )
        job = self._follow(session, po, made)
        if with_sub_orders:
            self._follow_sub_orders(session, po.id or 0)
        return job

    def _follow(self, session: Session, po: ProductionOrder, made: Made) -> Job:
        materials = [
            JobMaterial(m.id or 0, m.item_id, m.quantity)
            for m in orders_service.order_materials(session, po.id)
        ]
        operations = [
            JobOperation(op.sequence, op.work_centre_id, op.planned_hours)
            for op in orders_service.order_operations(session, po.id)
        ]
        job = Job(
            po.id or 0,
            po.number,
            made,
            po.item_id,
            po.quantity,
            po.start_date,
            po.due_date,
            po.backflush,
            materials,
            operations,
        )
        self.jobs[job.id] = job
        # A sub-order planned to start in the past (its lead time before the parent's
        # start) is released today.
        self.schedule(next_business_day(max(job.start, self._today)), "release", job)
        return job

    def _follow_sub_orders(self, session: Session, parent: int) -> None:
        """The planned sub-orders the service made for the parent's made parts (and theirs)."""
        subs = session.exec(
            select(ProductionOrder)
            .where(ProductionOrder.parent_order_id == parent)
            .order_by(col(ProductionOrder.id))
        ).all()
        for po in subs:
            made = MADE_BY_CODE[self.item_codes[po.item_id]]
            self._follow(session, po, made)
            self._follow_sub_orders(session, po.id or 0)

    def _run_day(self, session: Session, day: date, rng: random.Random) -> None:
        self._today = day
        super()._run_day(session, day, rng)

    def _on_make_to_order(self, session: Session, event: Event, rng: random.Random) -> None:
        order, line = event.payload
        if order.status != "order" or line.open <= 0:
            return
        made = MADE_BY_CODE[line.article.code]
        self._create(
            session,
            event.on,
            made,
            line.open,
            event.on,
            sales_line=line.id,
            with_sub_orders=rng.random() < WITH_SUB_ORDERS,
        )

    def _on_release(self, session: Session, event: Event, rng: random.Random) -> None:
        job: Job = event.payload
        if job.status != "planned":
            return
        po = orders_service.release_production_order(
            session=session, user=self.clerk(0, event.on), order=job.id, on=event.on
        )
        job.status = "released"
        job.standard = {
            "material": po.standard_material,
            "labour": po.standard_labour,
            "machine": po.standard_machine,
            "outsourced": po.standard_outsourced,
            "overhead": po.standard_overhead,
        }
        for op, row in zip(
            job.operations, orders_service.order_operations(session, job.id), strict=True
        ):
            op.labour_rate, op.machine_rate = row.labour_rate, row.machine_rate
            op.outsourced_price = row.outsourced_price
        if job.backflush:
            self._plan_work(event.on, job, rng)
        else:
            self.schedule(event.on, "issue", job)

    def _on_issue(self, session: Session, event: Event, rng: random.Random) -> None:
        """Issue every material (a few % more or less than planned) once all are in stock;
        else wait a day."""
        job: Job = event.payload
        if job.status != "released":
            return
        wh = WAREHOUSE[0]
        parts: list[tuple[JobMaterial, Decimal]] = []
        for mat in job.materials:
            qty = self._issue_quantity(mat, rng)
            if qty <= 0:
                continue
            if self.stock.level(mat.item, wh) < qty:
                job.waited += 1
                self.schedule(next_business_day(event.on + timedelta(days=1)), "issue", job)
                return
            parts.append((mat, qty))
        if parts:
            self._issue(session, event.on, job, parts, "Material issue")
        self._plan_work(event.on, job, rng)
        if rng.random() < SCRAP_REPLACEMENT:
            self.schedule(next_business_day(event.on + timedelta(days=1)), "extra_issue", job)

    def _issue_quantity(self, mat: JobMaterial, rng: random.Random) -> Decimal:
        left = mat.planned - mat.issued
        roll = rng.random()
        pct = 0
        for chance, low, high in ISSUE_VARIANCE:
            if roll < chance:
                pct = rng.randint(low, high)
                break
            roll -= chance
        qty = left * (HUNDRED + pct) / HUNDRED
        unit = self._unit(mat.item)
        if unit == "pcs":
            return qty.quantize(Decimal(1), rounding=ROUND_CEILING)
        return qty.quantize(Decimal("0.01"), rounding=ROUND_CEILING)

    def _unit(self, item: int) -> str:
        code = self.item_codes[item]
        bought = BOUGHT_BY_CODE.get(code)
        return bought.unit if bought is not None else "pcs"

    def _on_extra_issue(self, session: Session, event: Event, rng: random.Random) -> None:
        """A spoiled component issued again: the loss is the material variance."""
        job: Job = event.payload
        if job.status != "released" or not job.materials:
            return
        mat = rng.choice(job.materials)
        qty = Decimal(1) if self._unit(mat.item) == "pcs" else Decimal("0.5")
        if self.stock.level(mat.item, WAREHOUSE[0]) >= qty:
            self._issue(session, event.on, job, [(mat, qty)], "Material issue")

    def _issue(
        self,
        session: Session,
        on: date,
        job: Job,
        parts: list[tuple[JobMaterial, Decimal]],
        text: str,
    ) -> None:
        if text != "Backflush":
            postings.issue_materials(
                session=session,
                user=self.clerk(0, on),
                order=job.id,
                on=on,
                lines=[postings.MaterialIssue(material=mat.id, quantity=qty) for mat, qty in parts],
            )
        moves = [
            Move("production_issue", mat.item, WAREHOUSE[0], qty, "work_in_progress")
            for mat, qty in parts
        ]
        self.stock.post(on, moves)
        for (mat, qty), mv in zip(parts, moves, strict=True):
            mat.issued += qty
            self._into_wip(job, on, "material", -mv.value)

    def _plan_work(self, on: date, job: Job, rng: random.Random) -> None:
        """Hours on the way to the due date, the coater's work, the completion(s)."""
        finish = max(next_business_day(on + timedelta(days=1)), job.due)
        span = max(1, (finish - on).days)
        for op in job.operations:
            if op.work_centre is None:
                self.schedule(finish, "outsourced", (job, op))
                continue
            parts = 2 if span > 3 and rng.random() < SPLIT_HOURS else 1
            for n in range(parts):
                day = next_business_day(on + timedelta(days=span * (n + 1) // (parts + 1)))
                self.schedule(min(day, finish), "hours", (job, op, Decimal(1) / parts))
        if job.partial_soon:
            self.schedule(
                next_business_day(on + timedelta(days=2)),
                "complete",
                (job, (job.quantity / 2).quantize(Decimal(1)), False),
            )
        elif job.quantity >= 4 and rng.random() < PARTIAL_COMPLETION:
            half = (job.quantity / 2).quantize(Decimal(1))
            mid = next_business_day(on + timedelta(days=span // 2 + 1))
            self.schedule(min(mid, finish), "complete", (job, half, False))
        self.schedule(finish, "complete", (job, None, True))

    def _on_hours(self, session: Session, event: Event, rng: random.Random) -> None:
        job, op, share = event.payload
        if job.status != "released":
            return
        planned = op.planned_hours * share
        labour = (planned * rng.randint(*HOURS_FACTOR) / HUNDRED).quantize(Decimal("0.01"))
        machine = (planned * rng.randint(*HOURS_FACTOR) / HUNDRED).quantize(Decimal("0.01"))
        labour, machine = max(labour, Decimal("0.01")), max(machine, Decimal("0.01"))
        postings.book_hours(
            session=session,
            user=self.clerk(0, event.on),
            order=job.id,
            operation=op.sequence,
            labour_hours=labour,
            machine_hours=machine,
            on=event.on,
        )
        labour_value = money(labour * op.labour_rate)
        machine_value = money(machine * op.machine_rate)
        lines = [labour_value + machine_value, labour_value, machine_value]
        self._entry(event.on, len([x for x in lines if x]), -(labour_value + machine_value))
        self._into_wip(job, event.on, "labour", labour_value)
        self._into_wip(job, event.on, "machine", machine_value)

    def _on_outsourced(self, session: Session, event: Event, rng: random.Random) -> None:
        job, op = event.payload
        if job.status != "released":
            return
        qty = job.quantity
        postings.book_outsourced(
            session=session,
            user=self.clerk(0, event.on),
            order=job.id,
            operation=op.sequence,
            quantity=qty,
            on=event.on,
        )
        value = money(qty * op.outsourced_price)
        if value:
            self._entry(event.on, 2, Decimal(0))
            key = (event.on.year, event.on.month)
            if key not in self.coater_due:
                self.coater_due[key] = Decimal(0)
                month_end = _month_end(event.on)
                self.schedule(
                    next_business_day(month_end + timedelta(days=1))
                    if month_end < self.end
                    else month_end,
                    "coater_invoice",
                    key,
                )
            self.coater_due[key] += value
        self._into_wip(job, event.on, "outsourced", value)

    def _on_complete(self, session: Session, event: Event, rng: random.Random) -> None:
        job, qty, final = event.payload
        if job.status != "released":
            return
        if qty is None:
            qty = job.quantity - job.completed
            if qty > 1 and rng.random() < SHORT_CLOSE:
                qty -= 1  # a unit spoiled beyond repair: the order closes short
        if qty <= 0:
            return
        after = job.completed + qty
        wh = WAREHOUSE[0]
        backflush: list[tuple[JobMaterial, Decimal]] = []
        if job.backflush:
            for mat in job.materials:
                due = (mat.planned * min(after, job.quantity) / job.quantity).quantize(EIGHT)
                due -= mat.issued
                if due > 0:
                    backflush.append((mat, due))
            if any(self.stock.level(mat.item, wh) < due for mat, due in backflush):
                if job.waited < 40:
                    job.waited += 1
                    self.schedule(
                        next_business_day(event.on + timedelta(days=1)),
                        "complete",
                        (job, None if final else qty, final),
                    )
                return
        overhead = money(job.standard["overhead"] * after) - money(
            job.standard["overhead"] * job.completed
        )
        std = job.standard_per_unit
        value = money(std * after) - money(std * job.completed)
        wip_after = (
            job.wip
            + overhead
            - value
            + sum((self._backflush_value(mat, q) for mat, q in backflush), Decimal(0))
        )
        close = final and (wip_after < 0 or rng.random() < CLOSE_WITH_COMPLETION)
        if wip_after < 0 and not close:
            return  # the order cannot give up this much yet: complete it at the end
        postings.complete_production(
            session=session,
            user=self.clerk(0, event.on),
            order=job.id,
            quantity=qty,
            on=event.on,
            close=close,
        )
        if backflush:
            self._issue(session, event.on, job, backflush, "Backflush")
        if overhead:
            self._entry(event.on, 2, -overhead)
            self._into_wip(job, event.on, "overhead", overhead)
        assert self.plant is not None
        standard_cost = self._standard_cost(session, job.item)
        self.stock.post(
            event.on,
            [
                Move(
                    "production_receipt",
                    job.item,
                    wh,
                    qty,
                    "work_in_progress",
                    unit_cost=standard_cost,
                    counter_value=value,
                    difference="stock_differences",
                )
            ],
        )
        job.credited += value
        job.completed = after
        output = self.production.output.setdefault(event.on.year, {})
        code = self.item_codes[job.item]
        output[code] = output.get(code, Decimal(0)) + qty
        if close:
            self._close(event.on, job)
        elif final:
            self.schedule(
                next_business_day(event.on + timedelta(days=rng.randint(1, 4))), "close", job
            )

    def _backflush_value(self, mat: JobMaterial, qty: Decimal) -> Decimal:
        valuation = self.stock.valuations[mat.item]
        if qty >= valuation.quantity > 0:
            return valuation.value + money((qty - valuation.quantity) * valuation.last_unit_cost)
        return money(qty * valuation.average())

    def _standard_cost(self, session: Session, item: int) -> Decimal:
        from transactional.wholesale.models import Item

        row = session.get(Item, item)
        assert row is not None
        return row.standard_cost

    def _on_close(self, session: Session, event: Event, rng: random.Random) -> None:
        job: Job = event.payload
        if job.status != "released":
            return
        postings.close_production_order(
            session=session, user=self.clerk(0, event.on), order=job.id, on=event.on
        )
        self._close(event.on, job)

    def _close(self, on: date, job: Job) -> None:
        """What is left on the order's WIP is the variance, per cost type (§3)."""
        variance: dict[str, Decimal] = defaultdict(Decimal)
        for cost_type, per_unit in job.standard.items():
            variance[VARIANCE_OF[cost_type]] += job.actual.get(cost_type, Decimal(0)) - money(
                per_unit * job.completed
            )
        variance["material"] += job.wip - sum(variance.values(), Decimal(0))
        posted = {k: v for k, v in variance.items() if v}
        if posted:
            self._entry(on, 2 * len(posted), sum(posted.values(), Decimal(0)))
        year = self.production.variances.setdefault(on.year, {})
        for cost_type, v in posted.items():
            year[cost_type] = year.get(cost_type, Decimal(0)) + v
        job.credited += sum(posted.values(), Decimal(0))
        job.status = "closed"
        self.production.closed[on.year] = self.production.closed.get(on.year, 0) + 1
        assert job.wip == 0

    def _into_wip(self, job: Job, on: date, cost_type: str, value: Decimal) -> None:
        if not value:
            return
        job.actual[cost_type] += value
        self.production.cost[on.year] = self.production.cost.get(on.year, Decimal(0)) + value

    def _entry(self, on: date, lines: int, cost: Decimal) -> None:
        """A production entry in the generator's books: its line count and P&L effect."""
        self.books.entries += 1
        self.books.lines += lines
        self.books.costs[self.division][on.year] += cost

    def _on_coater_invoice(self, session: Session, event: Event, rng: random.Random) -> None:
        """The coater invoices a month's work: matched against goods received not invoiced."""
        from transactional.finance import invoices as invoice_service
        from transactional.finance.models import Account

        assert self.plant is not None
        key = event.payload
        amount = self.coater_due.pop(key, Decimal(0))
        if not amount:
            return
        party = self.plant.coater
        grni = self.account_code(session, "grni")
        plan = InvoicePlan(
            division=self.division,
            invoice_type="purchase",
            party=party,
            invoice_date=event.on,
            due_date=event.on + timedelta(days=party.terms),
            currency="EUR",
            rate=Decimal(1),
            lines=[
                PlanLine(grni, Decimal(1), amount, description="Powder coating", vat_code="I21")
            ],
            description=f"Powder coating {key[0]}-{key[1]:02d}",
        )
        account = session.exec(
            select(Account).where(Account.code == grni, col(Account.division_id).is_(None))
        ).one()
        (invoice,) = invoice_service.post_invoices(
            session=session,
            user=self.staff.accountant,
            invoices=[plan.draft({grni: account.id or 0})],
        )
        item = self._book(plan, invoice.id or 0, invoice.document_number)
        self.settlement.schedule(item, rng)

    # ----------------------------------------------------------------- the end

    def run_month(self, session: Session, month: Month) -> None:
        if month.last >= self.end:
            days = [d for d in month.business_days() if d <= self.end - timedelta(days=7)]
            if days:
                self.schedule(days[-1], "open_work")
        super().run_month(session, month)
        if month.last >= self.end:
            self._plan_sales_ahead(session, month)
            self._run_mrp(session)

    def _on_open_work(self, session: Session, event: Event, rng: random.Random) -> None:
        """Work the books end in the middle of: a stock order released, issued and half
        completed, due after the end; and two orders planned to start after it (MRP and
        the capacity load have something to work with)."""
        day = event.on
        job = self._create(
            session,
            day,
            MADE_BY_CODE["TROL-L"],
            Decimal(20),
            day,
            due=self.end + timedelta(days=14),
        )
        job.partial_soon = True
        for n, code in enumerate(("BENCH", "FRAME-L")):
            start = next_business_day(self.end + timedelta(days=3 + 7 * n))
            self._create(session, day, MADE_BY_CODE[code], Decimal(10 * (n + 1)), start)

    def _plan_sales_ahead(self, session: Session, month: Month) -> None:
        """The sales plan of the months after the end: expected units per product."""
        daily = self._daily_sales()
        start = month.month_end + timedelta(days=1)
        for _ in range(SALES_PLAN_MONTHS):
            following = _month_end(start)
            season = Decimal(str(SEASON[start.month - 1]))
            for made in PRODUCTS:
                qty = (daily[made.code] * ((following - start).days + 1) * season).quantize(
                    Decimal(1), rounding=ROUND_CEILING
                )
                set_sales_plan(
                    session=session,
                    user=self.clerk(0, self.end),
                    division=DIVISION,
                    item=made.code,
                    period_start=start,
                    quantity=max(qty, Decimal(1)),
                    period_days=(following - start).days + 1,
                )
            start = following + timedelta(days=1)

    def _run_mrp(self, session: Session) -> None:
        """The planner's MRP run in the week after the books end (weekly buckets over half
        a year), so the demo opens with advice, pegging and the planned load."""
        after = self.end + timedelta(days=1)
        run_mrp(
            session=session,
            user=self.clerk(0, self.end),
            division=DIVISION,
            start=after + timedelta(days=(7 - after.weekday()) % 7),
            bucket="week",
            buckets=26,
        )

    def closing_wip(self) -> Decimal:
        return sum((job.wip for job in self.jobs.values()), Decimal(0))


def _lot(qty: Decimal, minimum: int, multiple: int) -> Decimal:
    qty = max(qty, Decimal(minimum), Decimal(1))
    if multiple:
        qty = Decimal(math.ceil(qty / multiple) * multiple)
    return qty.quantize(Decimal(1), rounding=ROUND_CEILING)


def _month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def manufacturing_totals(plant: Manufacturer | None, years: list[int]) -> dict[str, Any]:
    """The manufacturing control totals (keyword arguments of ``ControlTotals``)."""
    if plant is None:
        return {}
    figures = plant.production
    return {
        "production_orders_closed": {DIVISION: {y: figures.closed.get(y, 0) for y in years}},
        "production_output": {
            DIVISION: {y: dict(sorted(figures.output.get(y, {}).items())) for y in years}
        },
        "production_cost": {DIVISION: {y: figures.cost.get(y, Decimal(0)) for y in years}},
        "production_variances": {
            DIVISION: {
                y: {
                    k: figures.variances.get(y, {}).get(k, Decimal(0))
                    for k in ("material", "labour", "machine")
                }
                for y in years
            }
        },
        "closing_wip": {DIVISION: plant.closing_wip()},
        "closing_stock": {DIVISION: plant.figures.stock_value},
    }
