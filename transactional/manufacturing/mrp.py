"""MRP runs and the write-back of their advice (docs/manufacturing.md §5).

``run_mrp`` reads a division's snapshot from the database, plans it with the pure engine
(``mrp_engine.plan_requirements``) and stores the run: ``mrp_run`` with its grid
(``mrp_requirement``), advice (``mrp_advice``) and pegs (``mrp_peg``). ``convert_advice``
turns advice into purchase orders (buy) and planned production orders (make).

What the snapshot holds:

- items: ``item_planning`` (an item without a row is bought, no lead time);
- bills of materials: per made or phantom item, the version valid on each day of the
  horizon by the rule of ``bom_explosion.bom_for`` (the default one if valid, else the
  valid one with the latest start), as components per ONE parent unit with scrap
  (quantity / batch × (1 + scrap / 100)); the engine explodes phantoms as
  ``bom_explosion.explode`` does. Read in two queries, not per item: 5,000 items would
  otherwise cost tens of thousands of queries;
- on hand: the item's stock in all the division's warehouses;
- scheduled receipts: open purchase order lines (ordered − received + returned, on the
  promised date) and planned or released production orders (quantity − completed, on the
  due date);
- demand: open sales order lines (ordered − delivered, on the requested date else the
  order date), the sales plan net of the sales orders of its period (ordered quantity of
  orders not cancelled), the materials of planned or released production orders
  (planned − issued, on the order's start date; rooted at the order).

Storing writes 100,000s of rows for a large division: the grid and pegs go in with the
driver's bulk path (SQLite: one executemany of plain tuples; PostgreSQL: COPY), the
advice with ids reserved up front so the pegs can name them. The run row is audited by
the flush listener like every record; the run's grid, advice and pegs get one audit row
per table (key: the run id, the number of rows) — derived figures, not entered ones, and
an audit row each would double the run's writes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import func, insert, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from transactional import audit
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing import mrp_engine as engine
from transactional.manufacturing.models import (
    BillOfMaterials,
    BomLine,
    ItemPlanning,
    MrpAdvice,
    MrpRun,
    ProductionOrder,
    ProductionOrderMaterial,
    SalesPlan,
)
from transactional.money import RATE_SCALE
from transactional.organisation.models import Division, User
from transactional.purchasing.models import PurchaseOrder, PurchaseOrderLine
from transactional.purchasing.orders import (
    PurchaseLineDraft,
    PurchaseOrderDraft,
    create_purchase_order,
)
from transactional.sales.models import SalesOrder, SalesOrderLine
from transactional.sales.orders import purchase_supplier
from transactional.stock.models import StockLevel
from transactional.wholesale.items import find_warehouse
from transactional.wholesale.models import Item, Warehouse

ACTION = "manufacture"
HUNDRED = Decimal(100)
ZERO = Decimal(0)


# --- the snapshot ------------------------------------------------------------------------


def horizon_end(parameters: engine.Parameters) -> date:
    """The first day after the last bucket."""
    starts = engine.bucket_starts(parameters)
    last = starts[-1]
    if parameters.bucket == "day":
        return last + timedelta(days=1)
    if parameters.bucket == "week":
        return last + timedelta(weeks=1)
    return date(last.year + last.month // 12, last.month % 12 + 1, 1)


def _valid_on(headers: list[Any], on: date) -> Any | None:
    """``bom_explosion.bom_for``'s rule on headers in memory: of the versions valid on
    ``on``, the default one, else the latest start (then the highest id)."""
    best = None
    for h in headers:
        if h.valid_from <= on and (h.valid_to is None or on <= h.valid_to):
            key = (h.is_default, h.valid_from, h.id)
            if best is None or key > (best.is_default, best.valid_from, best.id):
                best = h
    return best


def _rows(session: Session, statement: Any) -> list[Any]:
    return list(session.execute(statement).all())


def read_boms(
    session: Session, division_id: int, start: date, end: date
) -> dict[int, list[engine.BomVersion]]:
    """Per item with a BOM: the versions that hold in ``start`` … ``end`` (exclusive), each
    from the day it starts holding (the first from the beginning), as components per unit."""
    headers: dict[int, list[Any]] = {}
    for h in _rows(
        session,
        sa_select(
            col(BillOfMaterials.id),
            col(BillOfMaterials.item_id),
            col(BillOfMaterials.batch_quantity),
            col(BillOfMaterials.valid_from),
            col(BillOfMaterials.valid_to),
            col(BillOfMaterials.is_default),
        ).where(col(BillOfMaterials.division_id) == division_id),
    ):
        headers.setdefault(h.item_id, []).append(h)
    lines: dict[int, list[engine.Component]] = {}
    batches = {h.id: h.batch_quantity for hs in headers.values() for h in hs}
    for bom_id, component_id, quantity, scrap in _rows(
        session,
        sa_select(
            col(BomLine.bom_id),
            col(BomLine.component_id),
            col(BomLine.quantity),
            col(BomLine.scrap_pct),
        )
        .join(BillOfMaterials, col(BillOfMaterials.id) == BomLine.bom_id)
        .where(col(BillOfMaterials.division_id) == division_id)
        .order_by(col(BomLine.bom_id), col(BomLine.line_number)),
    ):
        # As bom_explosion.explode: quantity / batch x (1 + scrap / 100), unrounded.
        per_unit = quantity / batches[bom_id] * (1 + scrap / HUNDRED)
        lines.setdefault(bom_id, []).append(engine.Component(component_id, per_unit))
    out: dict[int, list[engine.BomVersion]] = {}
    for item_id, hs in headers.items():
        points = {start}
        for h in hs:
            if start < h.valid_from < end:
                points.add(h.valid_from)
            if h.valid_to is not None and start < h.valid_to + timedelta(days=1) < end:
                points.add(h.valid_to + timedelta(days=1))
        versions: list[engine.BomVersion] = []
        previous: object = object()
        for on in sorted(points):
            chosen = _valid_on(hs, on)
            ident = chosen.id if chosen is not None else None
            if ident == previous:
                continue
            previous = ident
            components = tuple(lines.get(ident, ())) if ident is not None else ()
            versions.append(engine.BomVersion(None if on == start else on, components))
        out[item_id] = versions
    return out


def read_snapshot(
    session: Session, division_id: int, parameters: engine.Parameters
) -> engine.Snapshot:
    """The division's snapshot for a run with ``parameters`` (see the module's list)."""
    start = parameters.start
    end = horizon_end(parameters)
    items = {
        p.item_id: engine.PlanItem(
            p.item_id,
            p.supply,
            p.lead_time_days,
            p.minimum_quantity,
            p.order_multiple,
            p.safety_stock,
        )
        for p in session.exec(
            select(ItemPlanning).where(ItemPlanning.division_id == division_id)
        ).all()
    }
    boms = read_boms(session, division_id, start, end)
    stock = func.sum(StockLevel.quantity).label("quantity")
    on_hand = {
        item_id: quantity
        for item_id, quantity in session.exec(
            select(StockLevel.item_id, stock)
            .join(Item, col(Item.id) == StockLevel.item_id)
            .where(Item.division_id == division_id)
            .group_by(col(StockLevel.item_id))
        ).all()
        if quantity
    }
    receipts: list[engine.Receipt] = []
    for line_id, item_id, promised, qty, received, returned in _rows(
        session,
        sa_select(
            col(PurchaseOrderLine.id),
            col(PurchaseOrderLine.item_id),
            col(PurchaseOrderLine.promised_date),
            col(PurchaseOrderLine.quantity),
            col(PurchaseOrderLine.quantity_received),
            col(PurchaseOrderLine.quantity_returned),
        )
        .join(PurchaseOrder, col(PurchaseOrder.id) == PurchaseOrderLine.order_id)
        .where(col(PurchaseOrder.division_id) == division_id, col(PurchaseOrder.status) == "open"),
    ):
        open_qty = qty - received + returned
        if open_qty > 0:
            receipts.append(
                engine.Receipt("purchase_order", line_id or 0, item_id, promised, open_qty)
            )
    open_orders = (
        col(ProductionOrder.division_id) == division_id,
        col(ProductionOrder.status).in_(("planned", "released")),
    )
    for order_id, item_id, due, qty, completed in _rows(
        session,
        sa_select(
            col(ProductionOrder.id),
            col(ProductionOrder.item_id),
            col(ProductionOrder.due_date),
            col(ProductionOrder.quantity),
            col(ProductionOrder.quantity_completed),
        ).where(*open_orders),
    ):
        if qty - completed > 0:
            receipts.append(
                engine.Receipt("production_order", order_id or 0, item_id, due, qty - completed)
            )
    demands: list[engine.Demand] = []
    for mat_id, item_id, order_id, on, qty, issued in _rows(
        session,
        sa_select(
            col(ProductionOrderMaterial.id),
            col(ProductionOrderMaterial.item_id),
            col(ProductionOrder.id),
            col(ProductionOrder.start_date),
            col(ProductionOrderMaterial.quantity),
            col(ProductionOrderMaterial.quantity_issued),
        )
        .join(ProductionOrder, col(ProductionOrder.id) == ProductionOrderMaterial.order_id)
        .where(*open_orders),
    ):
        if qty - issued > 0:
            demands.append(
                engine.Demand(
                    "production_order",
                    mat_id or 0,
                    item_id,
                    on,
                    qty - issued,
                    "production_order",
                    order_id,
                )
            )
    sold: list[engine.OrderedSale] = []
    for line_id, item_id, status, requested, ordered_on, qty, delivered in _rows(
        session,
        sa_select(
            col(SalesOrderLine.id),
            col(SalesOrderLine.item_id),
            col(SalesOrder.status),
            col(SalesOrder.requested_date),
            col(SalesOrder.order_date),
            col(SalesOrderLine.quantity),
            col(SalesOrderLine.quantity_delivered),
        )
        .join(SalesOrder, col(SalesOrder.id) == SalesOrderLine.order_id)
        .where(
            col(SalesOrder.division_id) == division_id,
            col(SalesOrder.status).in_(("order", "closed")),
        ),
    ):
        on = requested or ordered_on
        if on is None:
            continue
        sold.append(engine.OrderedSale(item_id, on, qty))
        if status == "order" and qty - delivered > 0:
            demands.append(engine.Demand("sales_order", line_id or 0, item_id, on, qty - delivered))
    plan_rows = [
        engine.SalesPlanRow(p.id or 0, p.item_id, p.period_start, p.period_days, p.quantity)
        for p in session.exec(select(SalesPlan).where(SalesPlan.division_id == division_id)).all()
    ]
    demands += engine.net_sales_plan(plan_rows, sold, start)
    return engine.Snapshot(items, boms, on_hand, receipts, demands)


# --- the run -----------------------------------------------------------------------------


def run_mrp(
    *,
    session: Session,
    user: User,
    division: str | int,
    start: date | str,
    bucket: str = "week",
    buckets: int = 26,
) -> MrpRun:
    """Plan the division from ``start`` over ``buckets`` buckets of a ``bucket`` and
    store the run with its grid, advice and pegs. Right ``manufacture``."""
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, ACTION, div.id)
    on = parse_date(start, field="start", label="Start")
    if isinstance(buckets, bool) or not isinstance(buckets, int):
        raise ValidationError(N_("The number of buckets must be a whole number."), field="buckets")
    parameters = engine.Parameters(on, bucket, buckets)
    engine.bucket_starts(parameters)  # refuses bad parameters before anything is read
    # A run for a division that makes nothing would be stored empty and look like a plan
    # that found nothing to do; say why instead.
    makes = select(ItemPlanning.item_id).where(
        ItemPlanning.division_id == div.id, ItemPlanning.supply == "make"
    )
    if session.exec(makes.limit(1)).first() is None:
        raise ValidationError(
            N_(
                "Division {division} makes nothing: no item is made there (item planning "
                "supply 'make'); MRP has nothing to plan."
            ),
            field="division",
            division=div.code,
        )
    snapshot = read_snapshot(session, div.id, parameters)
    try:
        plan = engine.plan_requirements(snapshot, parameters)
    except ValidationError as exc:
        if exc.field != "boms":
            raise
        raise ValidationError(  # pragma: no cover - the BOM services refuse cycles
            N_("The bills of materials contain a cycle; MRP cannot plan them."), field="division"
        ) from exc
    run = MrpRun(
        division_id=div.id,
        start_date=on,
        bucket=bucket,
        buckets=buckets,
        run_at=datetime.now(UTC),
        created_by=user.id or 0,
    )
    session.add(run)
    session.flush()
    # The plan holds a million small objects: the cyclic garbage collector would walk
    # them again and again while the rows are built (as in the engine, which pauses it).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        store_plan(session, run, div, plan)
    finally:
        if was_enabled:
            gc.enable()
    return run


def store_plan(session: Session, run: MrpRun, division: Division, plan: engine.Plan) -> None:
    """Insert the plan's grid, advice and pegs for ``run`` (see the module's notes).

    Rows go in sorted by their tables' index keys (advice and grid by item, pegs by
    advice): SQLite then appends to its indexes instead of inserting at random places, a
    third of the time of an unsorted insert at 700,000 pegs."""
    assert run.id is not None and division.id is not None
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    # SQLite stores exact decimals as scaled integers and dates as ISO text (what the
    # column types bind); the rows are built in that form directly, because binding
    # value by value through SQLAlchemy costs more than the insert itself.
    qty: Any = _scaled if sqlite else _same
    day: Any = _day_text() if sqlite else _same
    orders = sorted(plan.orders, key=lambda o: (o.item_id, o.due_date, o.number))
    first = _reserve_ids(session, "mrp_advice", len(orders))
    advice_ids = [0] * len(orders)
    for new_id, o in zip(first, orders, strict=True):
        advice_ids[o.number] = new_id
    advice_rows = [
        (
            advice_ids[o.number],
            run.id,
            division.id,
            o.item_id,
            o.action,
            qty(o.quantity),
            day(o.order_date),
            day(o.due_date),
            "open",
        )
        for o in orders
    ]
    peg_rows = [
        (
            advice_ids[p.order],
            p.demand_kind,
            advice_ids[p.demand_id] if p.demand_kind == "planned_order" else p.demand_id,
            day(p.demand_date),
            qty(p.quantity),
            p.root_kind,
            advice_ids[p.root_id]
            if p.root_kind == "planned_order" and p.root_id is not None
            else p.root_id,
        )
        for p in plan.pegs
    ]
    peg_rows.sort(key=itemgetter(0))  # stable: an advice's pegs keep the engine's order
    grid_rows = sorted(
        (
            (
                run.id,
                g.item_id,
                day(g.bucket_start),
                qty(g.gross_requirement),
                qty(g.scheduled_receipts),
                qty(g.projected_on_hand),
                qty(g.net_requirement),
                qty(g.planned_receipts),
            )
            for g in plan.grid
        ),
        key=itemgetter(1),
    )
    _bulk_insert(
        session,
        "mrp_advice",
        (
            "id",
            "run_id",
            "division_id",
            "item_id",
            "action",
            "quantity",
            "order_date",
            "due_date",
            "status",
        ),
        advice_rows,
    )
    _bulk_insert(
        session,
        "mrp_requirement",
        (
            "run_id",
            "item_id",
            "bucket_start",
            "gross_requirement",
            "scheduled_receipts",
            "projected_on_hand",
            "net_requirement",
            "planned_receipts",
        ),
        grid_rows,
    )
    _bulk_insert(
        session,
        "mrp_peg",
        (
            "advice_id",
            "demand_type",
            "demand_id",
            "demand_date",
            "quantity",
            "root_type",
            "root_id",
        ),
        peg_rows,
    )
    session.execute(
        insert(audit.AuditLog),
        [
            audit.row_for(
                session,
                table=table,
                key=str(run.id),
                action="insert",
                new={"run_id": run.id, "rows": rows},
            )
            for table, rows in (
                ("mrp_requirement", len(grid_rows)),
                ("mrp_advice", len(advice_rows)),
                ("mrp_peg", len(peg_rows)),
            )
        ],
    )


def _same(value: Any) -> Any:
    return value


def _scaled(value: Decimal) -> int:
    """A quantity as SQLite's Rate column holds it: units of 10^-8 (transactional.money),
    rounded half up as its bind processing would."""
    if not value:
        return 0
    scaled = value.scaleb(RATE_SCALE)
    whole = int(scaled)
    if whole == scaled:
        return whole
    return int(
        value.quantize(Decimal(1).scaleb(-RATE_SCALE), rounding=ROUND_HALF_UP).scaleb(RATE_SCALE)
    )


def _day_text() -> Any:
    """date -> ISO text, remembered (a run has a few hundred distinct dates)."""
    seen: dict[date, str] = {}

    def text_of(on: date) -> str:
        found = seen.get(on)
        if found is None:
            found = seen[on] = on.isoformat()
        return found

    return text_of


def _reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` new ids for ``table``, in increasing order, before its rows are inserted
    with them."""
    if count == 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return sorted(
            conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table, "n": count},
            ).scalars()
        )
    # SQLite: the transaction holds the database's write lock from its start (BEGIN
    # IMMEDIATE), so nobody else can take ids between this read and the insert.
    last: int = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()  # noqa: S608 - a table name of ours
    return list(range(int(last) + 1, int(last) + 1 + count))


def _bulk_insert(session: Session, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, in the driver's form) into ``table``:
    one executemany on SQLite, COPY on PostgreSQL."""
    if not rows:
        return
    conn = session.connection()
    names = ", ".join(columns)
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        return
    cursor = raw.cursor()
    try:
        marks = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()


# --- the write-back ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Buy:
    advice: MrpAdvice
    supplier_id: int


def convert_advice(
    *,
    session: Session,
    user: User,
    advice_ids: Iterable[int],
    on: date | str,
    warehouse: int | str | None = None,
) -> list[PurchaseOrder | ProductionOrder]:
    """Turn open advice of the division's latest run into orders: *buy* advice into
    purchase orders dated ``on`` (one per supplier, a line per advice promised for its due
    date, or ``on`` when that has passed), *make* advice into planned production orders
    (start = its order date, due = its due date); marks each advice converted with its
    order. ``warehouse``: where the goods go (default: the division's only open
    warehouse). Rights: ``manufacture``, and ``purchase`` for buy advice. Everything is
    checked before anything is written."""
    from transactional.manufacturing.production_orders import create_production_order

    ids = list(dict.fromkeys(int(i) for i in advice_ids))
    if not ids:
        raise ValidationError(N_("Choose the advice to convert."), field="advice_ids")
    when = parse_date(on, field="on", label="Order date")
    found = {
        a.id: a
        for a in session.exec(
            select(MrpAdvice).where(col(MrpAdvice.id).in_(ids)).with_for_update()
        ).all()
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            N_("MRP advice {ids} does not exist."),
            field="advice_ids",
            ids=", ".join(str(i) for i in missing),
        )
    advice = [found[i] for i in ids]
    division_ids = {a.division_id for a in advice}
    if len(division_ids) > 1:
        raise ValidationError(
            N_("Convert the advice of one division at a time."), field="advice_ids"
        )
    lookups = Lookups(session)
    div = lookups.division(advice[0].division_id)
    assert div.id is not None
    lookups.require(user, ACTION, div.id)
    buys = [a for a in advice if a.action == "buy"]
    if buys:
        lookups.require(user, "purchase", div.id)
    codes = dict(
        session.exec(
            select(Item.id, Item.code).where(col(Item.id).in_({a.item_id for a in advice}))
        ).all()
    )
    latest = session.exec(select(func.max(MrpRun.id)).where(MrpRun.division_id == div.id)).one()
    for a in advice:
        if a.status != "open":
            raise ValidationError(
                N_("Advice {advice} ({item}) was already converted."),
                field="advice_ids",
                advice=a.id,
                item=codes.get(a.item_id, a.item_id),
            )
        if a.run_id != latest:
            raise ValidationError(
                N_(
                    "Advice {advice} ({item}) is from an earlier MRP run: convert the advice "
                    "of the latest run."
                ),
                field="advice_ids",
                advice=a.id,
                item=codes.get(a.item_id, a.item_id),
            )
    wh = _warehouse(session, div, warehouse)
    planned_suppliers = dict(
        session.exec(
            select(ItemPlanning.item_id, ItemPlanning.supplier_id).where(
                col(ItemPlanning.item_id).in_({a.item_id for a in buys})
            )
        ).all()
    )
    purchases: list[_Buy] = []
    for a in buys:
        supplier = planned_suppliers.get(a.item_id) or purchase_supplier(session, a.item_id, when)
        if supplier is None:
            raise ValidationError(
                N_(
                    "Item {item} has no supplier: set one in its planning data, or order it "
                    "once by hand."
                ),
                field="advice_ids",
                item=codes.get(a.item_id, a.item_id),
            )
        purchases.append(_Buy(a, supplier))
    converted_at = datetime.now(UTC)
    created: list[PurchaseOrder | ProductionOrder] = []
    # The orders' services check their own rules as they go: a refusal of the second
    # order must not leave the first one behind, even for a caller that goes on.
    with session.begin_nested():
        by_supplier: dict[int, list[MrpAdvice]] = {}
        for buy in purchases:
            by_supplier.setdefault(buy.supplier_id, []).append(buy.advice)
        for supplier_id, group in by_supplier.items():
            order = create_purchase_order(
                session=session,
                user=user,
                draft=PurchaseOrderDraft(
                    division=div.id,
                    supplier=supplier_id,
                    warehouse=wh.id or 0,
                    order_date=when,
                    lines=[
                        PurchaseLineDraft(
                            item=a.item_id, quantity=a.quantity, promised_date=max(a.due_date, when)
                        )
                        for a in group
                    ],
                    description="MRP",
                ),
            )
            created.append(order)
            for a in group:
                _mark(a, user, converted_at, purchase_order_id=order.id)
        for a in advice:
            if a.action != "make":
                continue
            made = create_production_order(
                session=session,
                user=user,
                division=div.id,
                item=a.item_id,
                quantity=a.quantity,
                start_date=a.order_date,
                due_date=a.due_date,
                warehouse=wh.id or 0,
                description="MRP",
            )
            created.append(made)
            _mark(a, user, converted_at, production_order_id=made.id)
        session.add_all(advice)
        session.flush()
    return created


def _mark(advice: MrpAdvice, user: User, at: datetime, **order: int | None) -> None:
    advice.status = "converted"
    advice.converted_by = user.id
    advice.converted_at = at
    for key, value in order.items():
        setattr(advice, key, value)


def _warehouse(session: Session, division: Division, ref: int | str | None) -> Warehouse:
    if ref not in (None, ""):
        assert ref is not None
        return find_warehouse(session, division, ref)
    found = session.exec(
        select(Warehouse).where(
            Warehouse.division_id == division.id, col(Warehouse.is_active).is_(True)
        )
    ).all()
    if len(found) != 1:
        raise ValidationError(N_("Name the warehouse the ordered goods go to."), field="warehouse")
    return found[0]
