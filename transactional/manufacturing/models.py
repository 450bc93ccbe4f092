"""Tables of manufacturing: how items are made (bills of materials with their routing),
where (work centres), at what cost (cost scenarios and the cost prices they calculated),
production orders with their materials, operations and every transaction that moved
value into or out of work in progress, the sales plan, MRP runs with their advice and
pegging, and the capacity of work centres.

docs/manufacturing.md has the rules; the services in this package are the only writers.
Quantities and hours are ``Rate`` (8 decimals); money is ``Money`` in the division's base
currency.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from transactional.money import Money, Rate
from transactional.organisation.models import ClosableDivisionCoded

SUPPLY_TYPES = ("buy", "make", "phantom")
PRICE_BASES = ("latest_purchase", "average", "standard")
ORDER_STATUSES = ("planned", "released", "completed", "closed", "cancelled")
COST_TYPES = ("material", "labour", "machine", "outsourced", "overhead")
TRANSACTION_KINDS = (
    "material_issue",  # components out of stock into WIP (value > 0)
    "material_return",  # components back to stock out of WIP (value < 0)
    "labour",  # labour hours booked (value > 0)
    "machine",  # machine hours booked (value > 0)
    "outsourced",  # an outsourced operation done by a supplier (value > 0)
    "overhead",  # surcharges absorbed at completion (value > 0)
    "completion",  # the product into stock out of WIP (value < 0)
    "variance",  # at close: what is left on WIP, per cost type (value < 0 or > 0)
)
BUCKETS = ("day", "week", "month")
ADVICE_ACTIONS = ("buy", "make")
DEMAND_TYPES = ("sales_order", "sales_plan", "production_order", "planned_order")


class ItemPlanning(SQLModel, table=True):
    """How an item is supplied and planned: bought, made, or a phantom (a set of parts
    that is never stocked: MRP and production explode straight through it).

    ``lead_time_days``: calendar days from order to receipt (buy) or from start to
    completion (make). Lot sizing is lot-for-lot, raised to ``minimum_quantity`` and
    then to a multiple of ``order_multiple`` (0: none). ``supplier_id``: the supplier an
    MRP buy advice is ordered from (else the item's last supplier)."""

    __tablename__ = "item_planning"
    __table_args__ = (
        CheckConstraint("supply IN ('buy','make','phantom')", name="ck_item_planning_supply"),
    )
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    supply: str = Field(default="buy", max_length=10)
    lead_time_days: int = 0
    minimum_quantity: Decimal = Field(default=Decimal(0), sa_type=Rate)
    order_multiple: Decimal = Field(default=Decimal(0), sa_type=Rate)
    safety_stock: Decimal = Field(default=Decimal(0), sa_type=Rate)
    supplier_id: int | None = Field(default=None, foreign_key="relation.id")


class WorkCentre(ClosableDivisionCoded, table=True):
    """A machine or a group of people: its rates per hour, efficiency (100 = the routing's
    times hold; 80 = it takes 1/0.8 of them) and hours available per week."""

    __tablename__ = "work_centre"
    __table_args__ = (UniqueConstraint("division_id", "code"),)
    labour_rate: Decimal = Field(default=Decimal(0), sa_type=Money)  # per hour
    machine_rate: Decimal = Field(default=Decimal(0), sa_type=Money)  # per hour
    efficiency_pct: Decimal = Field(default=Decimal(100), sa_type=Rate)
    hours_per_week: Decimal = Field(default=Decimal(40), sa_type=Rate)


class CostScenario(ClosableDivisionCoded, table=True):
    """A named way to calculate cost prices: which price a bought item counts at
    (``price_basis``) and whether surcharges are added (percentages of material and of
    labour + machine cost)."""

    __tablename__ = "cost_scenario"
    __table_args__ = (
        UniqueConstraint("division_id", "code"),
        CheckConstraint(
            "price_basis IN ('latest_purchase','average','standard')",
            name="ck_cost_scenario_price_basis",
        ),
    )
    price_basis: str = Field(default="latest_purchase", max_length=20)
    # The division's scenario whose surcharges production orders are measured with at
    # release (at most one per division).
    is_default: bool = False
    with_surcharges: bool = True
    material_surcharge_pct: Decimal = Field(default=Decimal(0), sa_type=Rate)
    conversion_surcharge_pct: Decimal = Field(default=Decimal(0), sa_type=Rate)


class BillOfMaterials(SQLModel, table=True):
    """One version of how an item is made: its components (``bom_line``) and its routing
    (``bom_operation``), for a batch of ``batch_quantity`` units, valid from/to; one
    version per item is the default (used where no version is named)."""

    __tablename__ = "bill_of_materials"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        Index("ix_bom_division_item", "division_id", "item_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    item_id: int = Field(foreign_key="item.id")
    version: str = Field(max_length=20)
    description: str = ""
    batch_quantity: Decimal = Field(default=Decimal(1), sa_type=Rate)
    valid_from: date
    valid_to: date | None = None
    is_default: bool = False
    created_by: int = Field(foreign_key="app_user.id")


class BomLine(SQLModel, table=True):
    """A component: ``quantity`` per batch of the BOM; ``scrap_pct`` more is planned and
    issued (10 = 10 % extra)."""

    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("bom_id", "line_number"),)
    id: int | None = Field(default=None, primary_key=True)
    bom_id: int = Field(foreign_key="bill_of_materials.id", index=True)
    line_number: int
    component_id: int = Field(foreign_key="item.id", index=True)
    quantity: Decimal = Field(sa_type=Rate)
    scrap_pct: Decimal = Field(default=Decimal(0), sa_type=Rate)


class BomOperation(SQLModel, table=True):
    """A routing step: on a work centre, ``setup_hours`` per batch plus ``run_hours`` per
    batch of the BOM (both before the work centre's efficiency). An outsourced operation
    names a supplier and a price per unit of the product instead of hours."""

    __tablename__ = "bom_operation"
    __table_args__ = (UniqueConstraint("bom_id", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    bom_id: int = Field(foreign_key="bill_of_materials.id", index=True)
    sequence: int
    description: str = ""
    work_centre_id: int | None = Field(default=None, foreign_key="work_centre.id")
    setup_hours: Decimal = Field(default=Decimal(0), sa_type=Rate)
    run_hours: Decimal = Field(default=Decimal(0), sa_type=Rate)
    supplier_id: int | None = Field(default=None, foreign_key="relation.id")
    outsourced_price: Decimal = Field(default=Decimal(0), sa_type=Money)  # per product unit


class ItemCostPrice(SQLModel, table=True):
    """The cost price a scenario last calculated for an item, per unit, by cost type, and
    whether (and when) it was applied as the item's standard cost."""

    __tablename__ = "item_cost_price"
    __table_args__ = (UniqueConstraint("scenario_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    scenario_id: int = Field(foreign_key="cost_scenario.id")
    item_id: int = Field(foreign_key="item.id", index=True)
    bom_id: int | None = Field(default=None, foreign_key="bill_of_materials.id")
    calculated_on: date
    material: Decimal = Field(default=Decimal(0), sa_type=Rate)
    labour: Decimal = Field(default=Decimal(0), sa_type=Rate)
    machine: Decimal = Field(default=Decimal(0), sa_type=Rate)
    outsourced: Decimal = Field(default=Decimal(0), sa_type=Rate)
    overhead: Decimal = Field(default=Decimal(0), sa_type=Rate)
    cost_price: Decimal = Field(default=Decimal(0), sa_type=Money)  # rounded total
    applied_on: date | None = None
    applied_by: int | None = Field(default=None, foreign_key="app_user.id")


class ProductionOrder(SQLModel, table=True):
    """An order to make ``quantity`` of an item: its BOM and routing are copied on it at
    creation (``production_order_material`` / ``_operation``) and may be edited until
    release. ``standard_*`` are the calculated costs per unit the order is measured against
    (copied at release); variances are what is left on WIP at close, per cost type."""

    __tablename__ = "production_order"
    __table_args__ = (
        CheckConstraint(
            "status IN ('planned','released','completed','closed','cancelled')",
            name="ck_production_order_status",
        ),
        Index("ix_production_order_division_status", "division_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    number: str = Field(max_length=30, index=True)
    status: str = Field(default="planned", max_length=10)
    item_id: int = Field(foreign_key="item.id", index=True)
    bom_id: int | None = Field(default=None, foreign_key="bill_of_materials.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    quantity: Decimal = Field(sa_type=Rate)
    quantity_completed: Decimal = Field(default=Decimal(0), sa_type=Rate)
    start_date: date
    due_date: date
    released_on: date | None = None
    completed_on: date | None = None  # the last completion
    closed_on: date | None = None
    backflush: bool = False
    sales_order_line_id: int | None = Field(default=None, foreign_key="sales_order_line.id")
    parent_order_id: int | None = Field(default=None, foreign_key="production_order.id")
    standard_material: Decimal = Field(default=Decimal(0), sa_type=Rate)
    standard_labour: Decimal = Field(default=Decimal(0), sa_type=Rate)
    standard_machine: Decimal = Field(default=Decimal(0), sa_type=Rate)
    standard_outsourced: Decimal = Field(default=Decimal(0), sa_type=Rate)
    standard_overhead: Decimal = Field(default=Decimal(0), sa_type=Rate)
    description: str = ""
    created_by: int = Field(foreign_key="app_user.id")


class ProductionOrderMaterial(SQLModel, table=True):
    """A component to issue: ``quantity`` for the whole order (scrap included)."""

    __tablename__ = "production_order_material"
    __table_args__ = (UniqueConstraint("order_id", "line_number"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="production_order.id", index=True)
    line_number: int
    item_id: int = Field(foreign_key="item.id", index=True)
    quantity: Decimal = Field(sa_type=Rate)
    scrap_pct: Decimal = Field(default=Decimal(0), sa_type=Rate)
    quantity_issued: Decimal = Field(default=Decimal(0), sa_type=Rate)
    unit_cost: Decimal = Field(default=Decimal(0), sa_type=Rate)  # planned, at release


class ProductionOrderOperation(SQLModel, table=True):
    """A routing step of the order: planned hours for the whole order (efficiency
    applied), the rates at release, and the hours booked so far."""

    __tablename__ = "production_order_operation"
    __table_args__ = (UniqueConstraint("order_id", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="production_order.id", index=True)
    sequence: int
    description: str = ""
    work_centre_id: int | None = Field(default=None, foreign_key="work_centre.id")
    planned_hours: Decimal = Field(default=Decimal(0), sa_type=Rate)
    labour_rate: Decimal = Field(default=Decimal(0), sa_type=Money)
    machine_rate: Decimal = Field(default=Decimal(0), sa_type=Money)
    labour_hours: Decimal = Field(default=Decimal(0), sa_type=Rate)  # booked
    machine_hours: Decimal = Field(default=Decimal(0), sa_type=Rate)  # booked
    supplier_id: int | None = Field(default=None, foreign_key="relation.id")
    outsourced_price: Decimal = Field(default=Decimal(0), sa_type=Money)  # per product unit
    quantity_outsourced: Decimal = Field(default=Decimal(0), sa_type=Rate)  # done by supplier


class ProductionTransaction(SQLModel, table=True):
    """One movement of value into (+) or out of (-) an order's work in progress, with the
    journal entry that posted it: the WIP position of an order is the sum of its rows, and
    the sum over a division equals the balance of its WIP account at any date."""

    __tablename__ = "production_transaction"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('material_issue','material_return','labour','machine','outsourced',"
            "'overhead','completion','variance')",
            name="ck_production_transaction_kind",
        ),
        CheckConstraint(
            "cost_type IS NULL OR cost_type IN "
            "('material','labour','machine','outsourced','overhead')",
            name="ck_production_transaction_cost_type",
        ),
        Index("ix_production_transaction_division_date", "division_id", "transaction_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id")
    order_id: int = Field(foreign_key="production_order.id", index=True)
    transaction_date: date
    kind: str = Field(max_length=20)
    cost_type: str | None = Field(default=None, max_length=12)
    material_id: int | None = Field(default=None, foreign_key="production_order_material.id")
    operation_id: int | None = Field(default=None, foreign_key="production_order_operation.id")
    item_id: int | None = Field(default=None, foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="stock_lot.id")
    quantity: Decimal = Field(default=Decimal(0), sa_type=Rate)  # units (or units completed)
    hours: Decimal = Field(default=Decimal(0), sa_type=Rate)
    value: Decimal = Field(sa_type=Money)  # + into WIP, - out of WIP
    stock_movement_id: int | None = Field(default=None, foreign_key="stock_movement.id")
    entry_id: int | None = Field(default=None, foreign_key="journal_entry.id")
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class SalesPlan(SQLModel, table=True):
    """Expected sales of an item from ``period_start`` (a day, week or month start) for
    ``period_days`` days; MRP counts the part not already covered by sales orders."""

    __tablename__ = "sales_plan"
    __table_args__ = (UniqueConstraint("division_id", "item_id", "period_start"),)
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    period_start: date
    period_days: int = 30
    quantity: Decimal = Field(sa_type=Rate)


class MrpRun(SQLModel, table=True):
    """One MRP calculation of a division: from ``start_date``, ``buckets`` buckets of one
    day, week or month."""

    __tablename__ = "mrp_run"
    __table_args__ = (
        CheckConstraint("bucket IN ('day','week','month')", name="ck_mrp_run_bucket"),
    )
    id: int | None = Field(default=None, primary_key=True)
    division_id: int = Field(foreign_key="division.id", index=True)
    start_date: date
    bucket: str = Field(max_length=6)
    buckets: int
    run_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    created_by: int = Field(foreign_key="app_user.id")


class MrpRequirement(SQLModel, table=True):
    """An item's time-phased record in one bucket of a run (MRP's grid)."""

    __tablename__ = "mrp_requirement"
    __table_args__ = (Index("ix_mrp_requirement_run_item", "run_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="mrp_run.id")
    # MRP's derived rows (grid, advice, pegs) have a foreign key to their run only (and
    # the advice to the orders it became): a run stores a million rows, and PostgreSQL
    # checks every foreign key of every row with a trigger, which was most of the time
    # of a large run. ``mrp.store_plan`` is their only writer and takes the ids from the
    # snapshot it just read (docs/performance.md, run_mrp on PostgreSQL).
    item_id: int
    bucket_start: date
    gross_requirement: Decimal = Field(default=Decimal(0), sa_type=Rate)
    scheduled_receipts: Decimal = Field(default=Decimal(0), sa_type=Rate)
    projected_on_hand: Decimal = Field(default=Decimal(0), sa_type=Rate)
    net_requirement: Decimal = Field(default=Decimal(0), sa_type=Rate)
    planned_receipts: Decimal = Field(default=Decimal(0), sa_type=Rate)


class MrpAdvice(SQLModel, table=True):
    """A planned order: buy or make ``quantity`` of an item, ordered on ``order_date`` to
    arrive by ``due_date``; ``status`` 'converted' once it became a purchase or
    production order (the write-back)."""

    __tablename__ = "mrp_advice"
    __table_args__ = (
        CheckConstraint("action IN ('buy','make')", name="ck_mrp_advice_action"),
        CheckConstraint("status IN ('open','converted')", name="ck_mrp_advice_status"),
        Index("ix_mrp_advice_run_item", "run_id", "item_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="mrp_run.id")
    division_id: int  # the run's; no foreign key (see MrpRequirement.item_id)
    item_id: int
    action: str = Field(max_length=4)
    quantity: Decimal = Field(sa_type=Rate)
    order_date: date
    due_date: date
    status: str = Field(default="open", max_length=10)
    purchase_order_id: int | None = Field(default=None, foreign_key="purchase_order.id")
    production_order_id: int | None = Field(default=None, foreign_key="production_order.id")
    converted_by: int | None = None  # the user; written once, by convert_advice
    converted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class MrpPeg(SQLModel, table=True):
    """Which demand a planned order serves: ``quantity`` of it for that demand. A
    dependent demand points at the parent planned order (``demand_type``
    'planned_order', ``demand_id`` its advice id) or at an open production order's
    material line ('production_order'); ``root_*`` is the independent demand at the top of
    the chain (a sales order line or a sales plan row)."""

    __tablename__ = "mrp_peg"
    __table_args__ = (
        CheckConstraint(
            "demand_type IN ('sales_order','sales_plan','production_order','planned_order')",
            name="ck_mrp_peg_demand_type",
        ),
        CheckConstraint(
            "root_type IS NULL OR root_type IN "
            "('sales_order','sales_plan','production_order','planned_order')",
            name="ck_mrp_peg_root_type",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    advice_id: int = Field(index=True)  # no foreign key (see MrpRequirement.item_id)
    demand_type: str = Field(max_length=20)
    demand_id: int
    demand_date: date
    quantity: Decimal = Field(sa_type=Rate)
    root_type: str | None = Field(default=None, max_length=20)
    root_id: int | None = None
