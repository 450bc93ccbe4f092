"""What the Manufacturing page and forms write back: form values and page decisions ->
the manufacturing services (docs/manufacturing.md sections 3, 5, 6 and 7).

Plain functions, no Streamlit, like :mod:`dashboards.writeback.clerk_posting` (whose
session handling and row renumbering they share): each opens one session as the acting
user, committed on success and rolled back on any error, and calls the one service that
owns the rule; nothing here checks a business rule itself. The capacity what-if's new
load is worked out by :mod:`transactional.planning.capacity_whatif` from the mart rows
the page read, and saved, when accepted, by ``capacity.reschedule_orders``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlmodel import Session

from dashboards.writeback.clerk_posting import Posted, acting_as, posting_as, text
from ingestion.manufacturing.files import READERS
from transactional import clock
from transactional.errors import N_, DomainError, ValidationError
from transactional.manufacturing import capacity, master_data_load, mrp
from transactional.manufacturing import production_orders as po
from transactional.manufacturing import production_postings as pp
from transactional.manufacturing.models import ProductionOrder
from transactional.manufacturing.opening_stock_load import load_opening_stock
from transactional.organisation.models import User
from transactional.planning import capacity_whatif

ISSUE_COLUMNS = ("quantity", "lot")
MATERIAL_COLUMNS = ("item", "quantity", "scrap_pct")
OPERATION_COLUMNS = (
    "sequence",
    "work_centre",
    "planned_hours",
    "supplier",
    "outsourced_price",
    "description",
)
HOURS_COLUMNS = ("labour_hours", "machine_hours", "quantity_outsourced")


# --- the capacity what-if ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChange:
    """One order of the what-if: moved by ``shift_weeks`` and/or resized to
    ``new_quantity`` (None: the quantity stays)."""

    order_id: int
    order_number: str
    start_date: date
    due_date: date
    quantity: Decimal
    shift_weeks: int = 0
    new_quantity: Decimal | None = None

    @property
    def new_start(self) -> date:
        return self.start_date + timedelta(weeks=self.shift_weeks)

    @property
    def new_due(self) -> date:
        return self.due_date + timedelta(weeks=self.shift_weeks)


def whatif_orders(weeks: pd.DataFrame, work_centre_id: int) -> pd.DataFrame:
    """The orders loading one work centre (from ``fct_capacity_order_weeks`` rows), one
    row each, with an empty move and new quantity to type."""
    rows = weeks[weeks["work_centre_id"] == work_centre_id]
    orders = (
        rows.drop_duplicates("order_id")[
            [
                "order_id",
                "order_number",
                "item_code",
                "order_status",
                "start_date",
                "due_date",
                "order_quantity",
            ]
        ]
        .rename(columns={"order_status": "status", "order_quantity": "quantity"})
        .reset_index(drop=True)
    )
    return orders.assign(
        start_date=pd.to_datetime(orders["start_date"]).dt.date,
        due_date=pd.to_datetime(orders["due_date"]).dt.date,
        quantity=orders["quantity"].astype(float),
        shift_weeks=0,
        new_quantity=pd.Series([None] * len(orders), dtype="float"),
    )


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def plan_changes(grid: pd.DataFrame) -> list[PlanChange]:
    """The rows of the what-if grid that move or resize their order."""
    changes = []
    for row in grid.itertuples():
        shift = int(_number(row.shift_weeks) or 0)
        typed = _number(row.new_quantity)
        quantity = Decimal(str(row.quantity))
        new = Decimal(str(typed)) if typed is not None else None
        if new is not None and new == quantity:
            new = None
        if shift or new is not None:
            changes.append(
                PlanChange(
                    int(row.order_id),
                    str(row.order_number),
                    row.start_date,
                    row.due_date,
                    quantity,
                    shift,
                    new,
                )
            )
    return changes


def describe_changes(changes: list[PlanChange]) -> str:
    """The what-if in a workbook's header: ``MO-2026-0001 +2 weeks; MO-2026-0003 x 40``."""
    parts = []
    for c in changes:
        bits = []
        if c.shift_weeks:
            bits.append(f"{c.shift_weeks:+d} w")
        if c.new_quantity is not None:
            bits.append(f"{c.quantity.normalize():f} → {c.new_quantity.normalize():f}")
        parts.append(f"{c.order_number} {' '.join(bits)}")
    return "; ".join(parts)


def whatif_load(weeks: pd.DataFrame, load: pd.DataFrame, changes: list[PlanChange]) -> pd.DataFrame:
    """The load per work centre and week with the changes applied (nothing saved):
    ``capacity_whatif`` works it out from the order-week rows; the available hours are
    the mart's."""
    return capacity_whatif.whatif_frame(weeks, load, changes)


def save_plan(*, user_id: int | None, changes: list[PlanChange]) -> int:
    """Save an accepted what-if: the orders' new dates and quantities; how many orders."""
    with acting_as(user_id) as (session, user):
        capacity.reschedule_orders(
            session=session,
            user=user,
            changes=[
                capacity.OrderChange(
                    order=c.order_id,
                    start_date=c.new_start,
                    due_date=c.new_due,
                    quantity=c.new_quantity,
                )
                for c in changes
            ],
        )
    return len(changes)


# --- MRP ---------------------------------------------------------------------------------------


def convert(*, user_id: int | None, advice_ids: list[int], on: date | None = None) -> list[str]:
    """Turn MRP advice into purchase and production orders (purchase orders dated ``on``,
    default today); their numbers."""
    with acting_as(user_id) as (session, user):
        orders = mrp.convert_advice(
            session=session, user=user, advice_ids=advice_ids, on=on or clock.today()
        )
        return [str(o.number) for o in orders]


def run_mrp(
    *, user_id: int | None, division: str, start: date | None, bucket: str, buckets: int
) -> Posted:
    """Run MRP for a division; the run as the form announces it."""
    with acting_as(user_id) as (session, user):
        run = mrp.run_mrp(
            session=session,
            user=user,
            division=division,
            start=start or "",
            bucket=bucket,
            buckets=buckets,
        )
        return Posted(f"#{run.id}", N_("MRP run"))


# --- production orders ------------------------------------------------------------------------


# A planned order posts nothing: the clerk is told it was created.
CREATED_NOTICE = N_(
    "Created {what} **{number}**. The Insights pages show it after the next warehouse "
    "refresh (`erp refresh`)."
)


def create_order(
    *,
    user_id: int | None,
    division: str,
    item: str,
    quantity: str,
    start_date: date | None,
    due_date: date | None,
    warehouse: str,
    backflush: bool,
    with_sub_orders: bool,
    description: str,
) -> Posted:
    """Create a planned production order by hand."""
    with acting_as(user_id) as (session, user):
        order = po.create_production_order(
            session=session,
            user=user,
            division=division,
            item=item,
            quantity=quantity.strip(),
            start_date=start_date or "",
            due_date=due_date or "",
            warehouse=warehouse,
            backflush=backflush,
            with_sub_orders=with_sub_orders,
            description=description.strip(),
        )
        return Posted(order.number, N_("production order"), CREATED_NOTICE)


def create_from_sales_line(
    *,
    user_id: int | None,
    sales_order_line: int | None,
    start_date: date | None,
    backflush: bool,
    with_sub_orders: bool,
) -> Posted:
    """Create a planned production order for a sales order line's open quantity."""

    if sales_order_line is None:
        raise ValidationError(N_("Pick a sales order line."), field="sales_order_line")
    with acting_as(user_id) as (session, user):
        order = po.create_from_sales_order_line(
            session=session,
            user=user,
            sales_order_line=sales_order_line,
            start_date=start_date or "",
            backflush=backflush,
            with_sub_orders=with_sub_orders,
        )
        return Posted(order.number, N_("production order"), CREATED_NOTICE)


def release(*, user_id: int | None, order_id: int | None, on: date | None) -> Posted:
    with acting_as(user_id) as (session, user):
        order = po.release_production_order(
            session=session, user=user, order=_picked(order_id), on=on or ""
        )
        return Posted(
            order.number,
            N_("production order"),
            N_(
                "Released {what} **{number}**. The Insights pages show it after the next "
                "warehouse refresh (`erp refresh`)."
            ),
        )


def save_order_lines(
    *,
    user_id: int | None,
    order_id: int | None,
    materials: pd.DataFrame,
    operations: pd.DataFrame,
) -> Posted:
    """Replace a planned order's materials and operations with the two grids (columns
    MATERIAL_COLUMNS and OPERATION_COLUMNS; blank rows skipped), in one transaction: if
    the operations are refused, the materials stay as they were too."""
    material_rows = typed_rows(materials, MATERIAL_COLUMNS)
    operation_rows = typed_rows(operations, OPERATION_COLUMNS)
    material_drafts = [
        po.OrderMaterialDraft(
            item=c["item"], quantity=c["quantity"], scrap_pct=c["scrap_pct"] or Decimal(0)
        )
        for _, c in material_rows
    ]
    operation_drafts = [
        po.OrderOperationDraft(
            sequence=_sequence(operations.iloc[n - 1]["sequence"]),
            work_centre=c["work_centre"] or None,
            planned_hours=c["planned_hours"] or Decimal(0),
            supplier=c["supplier"] or None,
            outsourced_price=c["outsourced_price"] or Decimal(0),
            description=c["description"],
        )
        for n, c in operation_rows
    ]

    def post(session: Session, user: User) -> Posted:
        order = _picked(order_id)
        po.set_order_materials(session=session, user=user, order=order, materials=material_drafts)
        try:
            po.set_order_operations(
                session=session, user=user, order=order, operations=operation_drafts
            )
        except DomainError as err:
            raise _operation_renumbered(err, [n for n, _ in operation_rows]) from err
        return Posted(
            _order_number(session, order),
            N_("production order"),
            N_(
                "Saved the materials and operations of {what} **{number}**. The Insights "
                "pages show them after the next warehouse refresh (`erp refresh`)."
            ),
        )

    # A refused material names its grid row (posting_as renumbers ``materials.<n>``).
    return posting_as(user_id, "materials", [n for n, _ in material_rows], "Line", post)


def _sequence(value: Any) -> int:
    """The operation's sequence as typed in its number cell; blank or a fraction gives 0,
    which the service refuses (a whole number above zero)."""
    number = _number(value)
    return int(number) if number is not None and number == int(number) else 0


def _operation_renumbered(err: DomainError, grid_rows: list[int]) -> DomainError:
    """The refusal of ``operations.<n>`` pointing at the clerk's grid row (blank rows are
    skipped, so the two can differ): the field and the "Operation <n>" it names."""
    match = re.fullmatch(r"operations\.(\d+)(\.\w+)?", err.field or "")
    if not match or not 1 <= int(match.group(1)) <= len(grid_rows):
        return err
    n, row = int(match.group(1)), grid_rows[int(match.group(1)) - 1]
    named = re.compile(rf"^Operation {n}\b")
    params = {
        k: named.sub(f"Operation {row}", v) if isinstance(v, str) else v
        for k, v in err.params.items()
    }
    return type(err)(err.message_id, field=f"operations.{row}{match.group(2) or ''}", **params)


def typed_rows(grid: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of an order's grid with something typed in ``columns`` (a quantity alone
    counts here: every row is a line of the order), as (grid row from 1, cells as text)."""
    rows = []
    for n, (_, row) in enumerate(grid.iterrows(), start=1):
        cells = {c: text(row.get(c)) for c in columns}
        if any(cells.values()):
            rows.append((n, cells))
    return rows


def issue(
    *,
    user_id: int | None,
    order_id: int | None,
    on: date | None,
    lines: pd.DataFrame,
    returning: bool,
) -> Posted:
    """Issue (or return) the quantities typed against the order's material lines (the
    grid's hidden ``material_id``)."""
    rows = typed_rows(lines, ISSUE_COLUMNS)
    drafts = [
        pp.MaterialIssue(
            material=int(lines.iloc[n - 1]["material_id"]),
            quantity=c["quantity"],
            lot_number=c["lot"] or None,
        )
        for n, c in rows
    ]

    def post(session: Session, user: User) -> Posted:
        service = pp.return_materials if returning else pp.issue_materials
        service(session=session, user=user, order=_picked(order_id), lines=drafts, on=on or "")
        number = _order_number(session, _picked(order_id))
        return Posted(number, N_("material return") if returning else N_("material issue"))

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


def book_hours(
    *, user_id: int | None, order_id: int | None, on: date | None, lines: pd.DataFrame
) -> Posted:
    """Book the hours (or outsourced units) typed per operation (the grid's ``sequence``)."""
    rows = typed_rows(lines, HOURS_COLUMNS)
    if not rows:
        raise ValidationError(
            N_("Type the hours (or units done) of at least one operation."), field="lines"
        )

    def post(session: Session, user: User) -> Posted:
        for n, c in rows:
            sequence = int(lines.iloc[n - 1]["sequence"])
            if c["quantity_outsourced"]:
                pp.book_outsourced(
                    session=session,
                    user=user,
                    order=_picked(order_id),
                    operation=sequence,
                    quantity=c["quantity_outsourced"],
                    on=on or "",
                )
            if c["labour_hours"] or c["machine_hours"]:
                pp.book_hours(
                    session=session,
                    user=user,
                    order=_picked(order_id),
                    operation=sequence,
                    labour_hours=c["labour_hours"] or Decimal(0),
                    machine_hours=c["machine_hours"] or Decimal(0),
                    on=on or "",
                )
        return Posted(_order_number(session, _picked(order_id)), N_("hours"))

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


def complete(
    *,
    user_id: int | None,
    order_id: int | None,
    on: date | None,
    quantity: str,
    lot: str,
    close: bool,
    allow_over: bool,
    expiry_date: str = "",
) -> Posted:
    with acting_as(user_id) as (session, user):
        order = pp.complete_production(
            session=session,
            user=user,
            order=_picked(order_id),
            quantity=quantity.strip(),
            on=on or "",
            lot_number=lot.strip() or None,
            close=close,
            allow_over=allow_over,
            expiry_date=expiry_date.strip() or None,
        )
        what = N_("completion and close") if close else N_("completion")
        return Posted(order.number, what)


def close(*, user_id: int | None, order_id: int | None, on: date | None) -> Posted:
    with acting_as(user_id) as (session, user):
        order = pp.close_production_order(
            session=session, user=user, order=_picked(order_id), on=on or ""
        )
        return Posted(order.number, N_("close of production order"))


def _picked(order_id: int | None) -> int:
    """The order picked in the form; none picked is refused before any service runs."""
    if order_id is None:
        raise ValidationError(N_("Pick a production order."), field="order")
    return order_id


def _order_number(session: Session, order_id: int) -> str:
    order = session.get(ProductionOrder, order_id)
    return order.number if order is not None else str(order_id)


__all__ = [
    "PlanChange",
    "book_hours",
    "close",
    "complete",
    "convert",
    "create_from_sales_line",
    "create_order",
    "describe_changes",
    "issue",
    "plan_changes",
    "release",
    "run_mrp",
    "save_order_lines",
    "save_plan",
    "whatif_load",
    "whatif_orders",
    "import_file",
    "ImportResult",
    "IMPORT_KINDS",
]


# --- imports ------------------------------------------------------------------------------------

# The six kinds of file, in the order they are loaded (message ids: the form translates them).
IMPORT_KINDS = {
    "work-centres": N_("Work centres"),
    "items": N_("Items"),
    "boms": N_("Bills of materials"),
    "routings": N_("Routings"),
    "sales-plan": N_("Sales plan"),
    "opening-stock": N_("Opening stock"),
}


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or its dry run would do): one row per record, the number of
    changes, and the opening stock's document and entry numbers (else None)."""

    changes: pd.DataFrame
    changed: int
    document_number: str | None = None


def import_file(
    *,
    user_id: int | None,
    kind: str,
    division: str,
    content: bytes,
    file_name: str,
    on: date | None,
    dry_run: bool,
) -> ImportResult:
    """Read the uploaded file of ``kind`` and load it through its service (``dry_run``:
    list the changes and write nothing); the same file loaded again changes nothing."""
    with acting_as(user_id) as (session, user):
        rows = READERS[kind](content, file_name)
        if kind == "opening-stock":
            stock = load_opening_stock(
                session=session,
                user=user,
                division=division,
                rows=rows,
                on=on or clock.today(),
                dry_run=dry_run,
            )
            frame = pd.DataFrame(
                [
                    (
                        d.row,
                        d.item,
                        d.warehouse,
                        d.lot,
                        d.on_hand,
                        d.quantity,
                        d.difference,
                        d.action,
                        d.value,
                    )
                    for d in stock.differences
                ],
                columns=[
                    "row",
                    "item_code",
                    "warehouse",
                    "lot",
                    "on_hand",
                    "file_quantity",
                    "difference",
                    "action",
                    "stock_value",
                ],
            )
            changed = sum(1 for d in stock.differences if d.action != "unchanged")
            return ImportResult(frame, changed, stock.document_number)
        if kind == "items":
            changes = master_data_load.load_items(
                session=session, user=user, division=division, rows=rows, on=on, dry_run=dry_run
            )
        else:
            loaders: dict[str, Callable[..., list[master_data_load.PlannedChange]]] = {
                "work-centres": master_data_load.load_work_centres,
                "boms": master_data_load.load_boms,
                "routings": master_data_load.load_routings,
                "sales-plan": master_data_load.load_sales_plan,
            }
            changes = loaders[kind](
                session=session, user=user, division=division, rows=rows, dry_run=dry_run
            )
    frame = pd.DataFrame(
        [(c.row, c.key, c.action, c.detail) for c in changes],
        columns=["row", "record", "action", "detail"],
    )
    return ImportResult(frame, sum(1 for c in changes if c.action != "unchanged"))
