"""What the wholesale clerk forms post: grid rows -> service drafts -> the sales,
purchasing and stock services.

Plain functions, no Streamlit, like :mod:`dashboards.writeback.clerk_posting` (whose session
handling and row renumbering they share): each opens one session, committed on success
and rolled back on any error, and calls the one service that owns the rule. Nothing here
checks a business rule itself; a :class:`~transactional.errors.DomainError` from the
service comes back with its ``lines.<n>`` field pointing at the clerk's grid row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

import pandas as pd
from sqlmodel import Session, col, select

from dashboards.language import N_
from dashboards.writeback.clerk_posting import Posted, filled_rows, posting_as, text
from transactional.finance.models import Invoice
from transactional.organisation.models import User
from transactional.purchasing import matching, receipts
from transactional.purchasing.matching import MatchPreview, PurchaseInvoiceLineDraft
from transactional.relations.models import Relation
from transactional.sales import deliveries, invoicing, orders, returns
from transactional.stock import counts, transfers
from transactional.stock.models import StockCountLine, StockLot
from transactional.wholesale.models import Item

D = TypeVar("D")
SALES_LINE_COLUMNS = ("item", "quantity", "unit_price")
# The columns of the delivery / receipt grids the clerk types in (only the receipt grid
# has the lot's expiry date).
ENTRY_COLUMNS = ("quantity", "lot", "serials", "expiry_date")
MATCH_COLUMNS = ("quantity", "unit_price", "vat_code")
TRANSFER_LINE_COLUMNS = ("item", "quantity", "lot", "serials")
COUNT_LINE_COLUMNS = ("item", "lot", "counted", "expiry_date")


@dataclass(frozen=True)
class OrderSaved:
    """A quote or order entered, and the shortages (with purchase suggestions) to show."""

    posted: Posted
    shortages: list[str] = field(default_factory=list)


def _qty(q: Decimal) -> str:
    return f"{q.normalize():f}"


def serial_list(value: str) -> list[str]:
    """Serial numbers as typed: separated by commas, semicolons, spaces or new lines."""
    return [s for s in re.split(r"[,;\s]+", value) if s]


def save_sales_order(
    *,
    user_id: int | None,
    quote: bool,
    division: str,
    customer: str,
    warehouse: str,
    salesperson: str | None,
    order_date: date | None,
    requested_date: date | None,
    customer_reference: str,
    lines: pd.DataFrame,
) -> OrderSaved:
    """Enter a quote (``quote``) or an order from the grid (columns SALES_LINE_COLUMNS)."""
    rows = filled_rows(lines, SALES_LINE_COLUMNS)
    draft = orders.SalesOrderDraft(
        division=division,
        customer=customer,
        warehouse=warehouse,
        salesperson=salesperson or None,
        order_date=order_date or "",
        requested_date=requested_date,
        customer_reference=customer_reference.strip(),
        lines=[
            orders.SalesLineDraft(
                item=c["item"],
                quantity=c["quantity"],
                unit_price=c["unit_price"] or None,
            )
            for _, c in rows
        ],
    )

    def post(session: Session, user: User) -> OrderSaved:
        if quote:
            order = orders.create_quote(session=session, user=user, draft=draft)
            return OrderSaved(Posted(order.quote_number or "", N_("quote")))
        result = orders.create_order(session=session, user=user, draft=draft)
        notes = []
        for short in result.shortages:
            supplier = (
                session.get(Relation, short.supplier_id) if short.supplier_id is not None else None
            )
            who = (
                f"from supplier {supplier.code} ({supplier.name})"
                if supplier is not None
                else "(no known supplier)"
            )
            notes.append(
                f"Item {short.item_code}: {_qty(short.ordered)} open on the order, "
                f"{_qty(short.available)} available, short {_qty(short.short)}; suggest "
                f"ordering {_qty(short.suggested_quantity)} {who}"
            )
        return OrderSaved(Posted(result.order.order_number or "", N_("sales order")), notes)

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


def entry_rows(
    grid: pd.DataFrame, typed: tuple[str, ...] = ENTRY_COLUMNS
) -> list[tuple[int, int, dict[str, str]]]:
    """Rows of a delivery / receipt / match / return grid to post: (grid row from 1, line
    id, cells as text). The grid's ``line_id`` column holds the order (or delivery) line; a
    grid with a ``pick`` column posts the ticked rows, the others every row with something
    typed in one of the ``typed`` columns."""
    rows = []
    picking = "pick" in grid.columns
    for n, (_, row) in enumerate(grid.iterrows(), start=1):
        cells = {c: text(row.get(c)) for c in (*ENTRY_COLUMNS, *MATCH_COLUMNS)}
        wanted = bool(row["pick"]) if picking else any(cells[c] for c in typed)
        if wanted:
            rows.append((n, int(row["line_id"]), cells))
    return rows


def _tracked(cells: dict[str, str]) -> tuple[str, str | None, list[str] | None]:
    """Quantity, lot and serials of a delivery / receipt row (serials alone: one each)."""
    serials = serial_list(cells["serials"]) or None
    quantity = cells["quantity"] or (str(len(serials)) if serials else "")
    return quantity, cells["lot"] or None, serials


class _Moved(Protocol):
    number: str


def _move_order_lines(
    user_id: int | None,
    lines: pd.DataFrame,
    draft: Callable[..., D],
    move: Callable[[Session, User, list[D]], _Moved],
    what: str,
) -> Posted:
    """Deliver or receive the typed quantities of an order's open lines (the same grid,
    the same tracked quantities): one ``draft`` per typed row, posted by ``move``."""
    rows = entry_rows(lines)
    drafts = []
    for _, line_id, cells in rows:
        quantity, lot, serials = _tracked(cells)
        # Typed as the clerk writes a date; the receipt service reads it.
        expiry = {"expiry_date": cells["expiry_date"]} if cells["expiry_date"] else {}
        drafts.append(draft(line_id, quantity, lot=lot, serials=serials, **expiry))
    return posting_as(
        user_id,
        "lines",
        [n for n, _, _ in rows],
        "Line",
        lambda session, user: Posted(move(session, user, drafts).number, what),
    )


def deliver_order(
    *, user_id: int | None, order_id: int | None, delivery_date: date | None, lines: pd.DataFrame
) -> Posted:
    """Deliver the typed quantities (grid of the order's open lines)."""
    return _move_order_lines(
        user_id,
        lines,
        deliveries.DeliveryLineDraft,
        lambda session, user, drafts: deliveries.deliver(
            session=session,
            user=user,
            order_id=order_id,  # type: ignore[arg-type]  # None: the service says so
            delivery_date=delivery_date or "",
            lines=drafts,
        ),
        N_("delivery"),
    )


def invoice_delivered(
    *, user_id: int | None, order_id: int | None, invoice_date: date | None
) -> Posted:
    """Invoice everything delivered on the order and not invoiced yet."""

    def post(session: Session, user: User) -> Posted:
        invoice = invoicing.invoice_order(
            session=session,
            user=user,
            order_id=order_id,  # type: ignore[arg-type]
            invoice_date=invoice_date or "",
        )
        return Posted(invoice.document_number, N_("sales invoice"))

    return posting_as(user_id, "lines", [], "Line", post)


def receive_order(
    *, user_id: int | None, order_id: int | None, receipt_date: date | None, lines: pd.DataFrame
) -> Posted:
    """Receive the typed quantities (grid of the purchase order's open lines)."""
    return _move_order_lines(
        user_id,
        lines,
        receipts.ReceiptLineDraft,
        lambda session, user, drafts: receipts.receive(
            session=session,
            user=user,
            order_id=order_id,  # type: ignore[arg-type]
            receipt_date=receipt_date or "",
            lines=drafts,
        ),
        N_("goods receipt"),
    )


def _match_drafts(grid: pd.DataFrame) -> tuple[list[int], list[PurchaseInvoiceLineDraft]]:
    rows = entry_rows(grid)
    drafts = [
        matching.PurchaseInvoiceLineDraft(
            line_id, cells["quantity"], cells["unit_price"], vat_code=cells["vat_code"] or None
        )
        for _, line_id, cells in rows
    ]
    return [n for n, _, _ in rows], drafts


def check_match(
    *,
    user_id: int | None,
    division: str,
    supplier: str,
    invoice_date: date | None,
    lines: pd.DataFrame,
) -> list[MatchPreview]:
    """The service's match preview of the picked lines (writes nothing)."""
    grid_rows, drafts = _match_drafts(lines)

    def preview(session: Session, user: User) -> list[MatchPreview]:
        result = matching.preview_match(
            session=session,
            user=user,
            division=division,
            supplier=supplier,
            lines=drafts,
            invoice_date=invoice_date or "",
        )
        session.rollback()  # the preview writes nothing; make sure nothing is committed
        return result

    return posting_as(user_id, "lines", grid_rows, "Line", preview)


def post_matched_invoice(
    *,
    user_id: int | None,
    division: str,
    supplier: str,
    invoice_date: date | None,
    supplier_reference: str,
    accept_differences: bool,
    note: str,
    lines: pd.DataFrame,
) -> Posted:
    """Post the purchase invoice of the picked order lines through the matching service."""
    grid_rows, drafts = _match_drafts(lines)

    def post(session: Session, user: User) -> Posted:
        matched = matching.post_matched_invoice(
            session=session,
            user=user,
            division=division,
            supplier=supplier,
            invoice_date=invoice_date or "",
            lines=drafts,
            supplier_reference=supplier_reference.strip() or None,
            accept_differences=accept_differences,
            note=note.strip(),
        )
        return Posted(matched.invoice.document_number, N_("purchase invoice"))

    return posting_as(user_id, "lines", grid_rows, "Line", post)


@dataclass(frozen=True)
class ReturnPosted:
    """A customer return, and the credit note for the invoiced part of it (if any)."""

    posted: Posted
    credit_note: str | None


def return_to_stock(
    *,
    user_id: int | None,
    order_id: int | None,
    return_date: date | None,
    reason: str,
    lines: pd.DataFrame,
) -> ReturnPosted:
    """Take back the typed quantities (grid of the order's delivery lines, ``line_id`` the
    delivery line). Rows with a quantity are returned; an emptied lot or serial cell takes
    the one the delivery line shipped."""
    rows = entry_rows(lines, typed=("quantity",))
    drafts = [
        returns.ReturnLineDraft(
            line_id,
            cells["quantity"],
            lot=cells["lot"] or None,
            serials=serial_list(cells["serials"]) or None,
        )
        for _, line_id, cells in rows
    ]

    def post(session: Session, user: User) -> ReturnPosted:
        ret = returns.return_goods(
            session=session,
            user=user,
            order_id=order_id,  # type: ignore[arg-type]  # None: the service says so
            return_date=return_date or "",
            lines=drafts,
            reason=reason.strip(),
        )
        note = session.get(Invoice, ret.credit_note_id) if ret.credit_note_id else None
        return ReturnPosted(
            Posted(ret.number, N_("customer return")), note.document_number if note else None
        )

    return posting_as(user_id, "lines", [n for n, _, _ in rows], "Line", post)


def transfer_between(
    *,
    user_id: int | None,
    division: str,
    from_warehouse: str,
    to_warehouse: str,
    transfer_date: date | None,
    description: str,
    lines: pd.DataFrame,
) -> Posted:
    """Transfer the grid's lines (columns TRANSFER_LINE_COLUMNS) between two warehouses."""
    rows = filled_rows(lines, TRANSFER_LINE_COLUMNS)
    drafts = []
    for _, cells in rows:
        quantity, lot, serials = _tracked(cells)
        drafts.append(transfers.TransferLineDraft(cells["item"], quantity, lot, serials))

    def post(session: Session, user: User) -> Posted:
        transfer = transfers.transfer_stock(
            session=session,
            user=user,
            division=division,
            from_warehouse=from_warehouse,
            to_warehouse=to_warehouse,
            transfer_date=transfer_date or "",
            lines=drafts,
            description=description.strip(),
        )
        return Posted(transfer.number, N_("stock transfer"))

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


@dataclass(frozen=True)
class CountDifference:
    """One counted line whose quantity differed from the system's, as posted."""

    item_code: str
    lot: str
    system: Decimal
    counted: Decimal
    difference: Decimal
    value: Decimal


@dataclass(frozen=True)
class CountPosted:
    posted: Posted
    differences: list[CountDifference]


def count_rows(grid: pd.DataFrame) -> list[tuple[int, dict[str, str]]]:
    """The count grid's rows to post: the listed ones (a ``system`` quantity shown: stock
    the system has) with a counted quantity typed, and every added row with anything typed
    (the service asks for what is missing)."""
    rows = []
    for n, cells in filled_rows(grid, COUNT_LINE_COLUMNS):
        listed = "system" in grid.columns and text(grid.iloc[n - 1].get("system")) != ""
        if cells["counted"] or not listed:
            rows.append((n, cells))
    return rows


def post_count(
    *,
    user_id: int | None,
    division: str,
    warehouse: str,
    count_date: date | None,
    description: str,
    lines: pd.DataFrame,
) -> CountPosted:
    """Post the counted quantities (see :func:`count_rows`) of one warehouse."""
    rows = count_rows(lines)
    drafts = [
        counts.CountLineDraft(
            c["item"], c["counted"], lot=c["lot"] or None, expiry_date=c["expiry_date"] or None
        )
        for _, c in rows
    ]

    def post(session: Session, user: User) -> CountPosted:
        count = counts.post_stock_count(
            session=session,
            user=user,
            division=division,
            warehouse=warehouse,
            count_date=count_date or "",
            lines=drafts,
            description=description.strip(),
        )
        posted = session.exec(
            select(StockCountLine, Item, StockLot)
            .join(Item, col(Item.id) == StockCountLine.item_id)
            .join(StockLot, col(StockLot.id) == StockCountLine.lot_id, isouter=True)
            .where(StockCountLine.count_id == count.id, col(StockCountLine.difference) != 0)
            .order_by(col(StockCountLine.line_number))
        ).all()
        differences = [
            CountDifference(
                item.code,
                lot.number if lot is not None else "",
                line.system_quantity,
                line.counted_quantity,
                line.difference,
                line.value,
            )
            for line, item, lot in posted
        ]
        return CountPosted(Posted(count.number, N_("stock count")), differences)

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)
