"""Three-way match: a purchase invoice against its order lines and their receipts.

Per line the invoice may bill at most what was received and not yet returned or invoiced.
GRNI is relieved by the receipt value of the billed units (the order line's remaining
receipt value pro rata); the invoice's base value minus that goes to purchase price
differences. A price that differs from the order price needs a user with the
``accept_differences`` right to accept it; the match row records who.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional import clock
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoices
from transactional.finance.lookups import Lookups
from transactional.finance.models import Invoice
from transactional.finance.posting import EntryDraft, LineDraft, post_entries
from transactional.money import round_money, to_decimal
from transactional.organisation.models import Division, User
from transactional.purchasing.contracts import find_supplier
from transactional.purchasing.models import (
    GoodsReceiptLine,
    InvoiceMatch,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierReturnLine,
)
from transactional.purchasing.orders import order_lines
from transactional.relations.models import Relation
from transactional.stock.tracking import qty_text
from transactional.wholesale.models import Item


@dataclass
class PurchaseInvoiceLineDraft:
    order_line_id: int
    quantity: Decimal | str
    unit_price: Decimal | str  # invoice currency (= the order's), excl. VAT
    vat_code: str | None = None


@dataclass
class MatchPreview:
    """How one invoice line matches; amounts in the division's base currency."""

    line_number: int
    order_line_id: int
    order_number: str
    order_line_number: int
    item_id: int
    item_code: str
    quantity: Decimal
    quantity_open: Decimal  # received - returned - invoiced before this invoice
    order_price: Decimal
    invoice_price: Decimal
    grni_value: Decimal
    invoice_value: Decimal
    difference_value: Decimal
    status: str  # matched | price_difference | quantity_difference
    message: str


@dataclass
class MatchedInvoice:
    invoice: Invoice
    matches: list[InvoiceMatch]


@dataclass
class _Match:
    division: Division
    supplier: Relation
    currency: str
    on: date
    previews: list[MatchPreview]
    lines: list[PurchaseOrderLine]


def preview_match(
    *,
    session: Session,
    user: User,
    division: str | int,
    supplier: str | int,
    lines: list[PurchaseInvoiceLineDraft],
    invoice_date: date | str | None = None,
) -> list[MatchPreview]:
    """The match as the form shows it (values at ``invoice_date``'s rate, default today);
    writes nothing."""
    lookups = Lookups(session)
    with session.no_autoflush:
        return _evaluate(
            session, lookups, user, division, supplier, invoice_date or clock.today(), lines
        ).previews


def post_matched_invoice(
    *,
    session: Session,
    user: User,
    division: str | int,
    supplier: str | int,
    invoice_date: date | str,
    lines: list[PurchaseInvoiceLineDraft],
    supplier_reference: str | None = None,
    accept_differences: bool = False,
    note: str = "",
) -> MatchedInvoice:
    lookups = Lookups(session)
    m = _evaluate(session, lookups, user, division, supplier, invoice_date, lines, lock=True)
    div = m.division
    assert div.id is not None
    differences = [p for p in m.previews if p.status == "price_difference"]
    if differences and not accept_differences:
        raise ValidationError(
            N_(
                "The invoice prices differ from the order: {differences}. Accept the differences "
                "to post the invoice."
            ),
            field="accept_differences",
            # The preview lines' own texts (English, as the match table shows them).
            differences="; ".join(p.message for p in differences),
        )
    if differences:
        lookups.require(user, "accept_differences", div.id)
    grni = lookups.account_for_role(div, "grni")
    invoice = post_invoices(
        session=session,
        user=user,
        invoices=[
            InvoiceDraft(
                division=div.id,
                invoice_type="purchase",
                relation=m.supplier.id or 0,
                invoice_date=m.on,
                currency=m.currency,
                supplier_reference=supplier_reference,
                description=note,
                lines=[
                    InvoiceLineDraft(
                        account=grni.id or 0,
                        quantity=p.quantity,
                        unit_price=p.invoice_price,
                        description=f"{p.item_code} {p.order_number}/{p.order_line_number}",
                        vat_code=d.vat_code or None,
                        item_id=p.item_id,
                        purchase_order_line_id=p.order_line_id,
                    )
                    for p, d in zip(m.previews, lines, strict=True)
                ],
            )
        ],
    )[0]
    total = sum((p.difference_value for p in m.previews), Decimal(0))
    if total != 0:
        _post_difference(session, user, lookups, div, m.on, invoice, total)
    now = datetime.now(UTC)
    matches = [
        InvoiceMatch(
            division_id=div.id,
            invoice_id=invoice.id or 0,
            order_line_id=p.order_line_id,
            quantity=p.quantity,
            quantity_open_before=p.quantity_open,
            order_price=p.order_price,
            invoice_price=p.invoice_price,
            grni_value=p.grni_value,
            invoice_value=p.invoice_value,
            difference_value=p.difference_value,
            status=p.status,
            accepted_by=user.id if p.status == "price_difference" else None,
            accepted_at=now if p.status == "price_difference" else None,
            note=note,
        )
        for p in m.previews
    ]
    session.add_all(matches)
    for p, ol in zip(m.previews, m.lines, strict=True):
        ol.quantity_invoiced += p.quantity
        session.add(ol)
    session.flush()
    _close_finished(session, {ol.order_id for ol in m.lines})
    return MatchedInvoice(invoice=invoice, matches=matches)


def _post_difference(
    session: Session,
    user: User,
    lookups: Lookups,
    div: Division,
    on: date,
    invoice: Invoice,
    total: Decimal,
) -> None:
    """Move ``total`` (invoice base - GRNI value) from GRNI to purchase price differences."""
    grni = lookups.account_for_role(div, "grni").id or 0
    ppd = lookups.account_for_role(div, "purchase_price_differences").id or 0
    text = f"Purchase price difference {invoice.document_number}"
    debit, credit = (ppd, grni) if total > 0 else (grni, ppd)
    post_entries(
        session=session,
        user=user,
        entries=[
            EntryDraft(
                division=div.id or 0,
                journal=lookups.first_journal(div, "general").code,
                entry_date=on,
                description=text,
                lines=[
                    LineDraft(account=debit, debit=abs(total), description=text),
                    LineDraft(account=credit, credit=abs(total), description=text),
                ],
                source_type="price_difference",
                source_id=invoice.id,
            )
        ],
        action="post_invoice",
    )


def _evaluate(
    session: Session,
    lookups: Lookups,
    user: User,
    division: str | int,
    supplier: str | int,
    invoice_date: date | str,
    lines: list[PurchaseInvoiceLineDraft],
    *,
    lock: bool = False,
) -> _Match:
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "post_invoice", div.id)
    rel = find_supplier(lookups, div, supplier)
    on = parse_date(invoice_date, field="invoice_date", label="Invoice date")
    if not lines:
        raise ValidationError(N_("A purchase invoice needs at least one line."), field="lines")
    base = lookups.currency(div.currency_code)
    currency: str | None = None
    used: dict[int, tuple[Decimal, Decimal]] = {}  # order line -> qty, GRNI value this invoice
    previews: list[MatchPreview] = []
    order_rows: list[PurchaseOrderLine] = []
    for n, d in enumerate(lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        ol = session.get(PurchaseOrderLine, d.order_line_id, with_for_update=lock)
        order = session.get(PurchaseOrder, ol.order_id) if ol is not None else None
        if ol is None or order is None or order.division_id != div.id:
            raise ValidationError(
                N_("{where}: order line {order_line_id} does not exist in division {division}."),
                field=f"{f}.order_line_id",
                where=where,
                order_line_id=d.order_line_id,
                division=div.code,
            )
        if order.relation_id != rel.id:
            raise ValidationError(
                N_("{where}: purchase order {order} is not from supplier {relation}."),
                field=f"{f}.order_line_id",
                where=where,
                order=order.number,
                relation=rel.code,
            )
        if currency is not None and order.currency_code != currency:
            raise ValidationError(
                N_(
                    "{where}: purchase order {order} is in {order_currency}, the earlier lines in "
                    "{currency}; one invoice has one currency."
                ),
                field=f"{f}.order_line_id",
                where=where,
                order=order.number,
                order_currency=order.currency_code,
                currency=currency,
            )
        currency = order.currency_code
        cur = lookups.currency(currency)
        item = session.get(Item, ol.item_id)
        assert item is not None and ol.id is not None
        qty = to_decimal(d.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."), field=f"{f}.quantity", where=where
            )
        price = to_decimal(d.unit_price, field=f"{f}.unit_price", label=f"{where}: price")
        if price < 0:
            raise ValidationError(
                N_("{where}: the unit price cannot be negative."),
                field=f"{f}.unit_price",
                where=where,
            )
        before_qty, before_value = used.get(ol.id, (Decimal(0), Decimal(0)))
        open_qty = ol.quantity_not_invoiced - before_qty
        if qty > open_qty:
            raise ValidationError(
                N_(
                    "{where}: {qty} {unit} of {item} not yet received; order {order} line "
                    "{order_line} has {open_qty} received and not yet invoiced (no invoice beyond "
                    "what was received)."
                ),
                field=f"{f}.quantity",
                where=where,
                qty=qty_text(qty),
                unit=item.unit,
                item=item.code,
                order=order.number,
                order_line=ol.line_number,
                open_qty=qty_text(max(open_qty, Decimal(0))),
            )
        remaining = round_money(_grni_left(session, ol.id) - before_value, base.decimals)
        grni = (
            remaining if qty == open_qty else round_money(remaining * qty / open_qty, base.decimals)
        )
        rate = lookups.rate(currency, base.code, on, field="invoice_date")
        invoiced = round_money(round_money(qty * price, cur.decimals) * rate, base.decimals)
        used[ol.id] = (before_qty + qty, before_value + grni)
        status, message = _status(n, ol, order, item, qty, open_qty, price, cur.decimals)
        previews.append(
            MatchPreview(
                line_number=n,
                order_line_id=ol.id,
                order_number=order.number,
                order_line_number=ol.line_number,
                item_id=item.id or 0,
                item_code=item.code,
                quantity=qty,
                quantity_open=open_qty,
                order_price=ol.unit_price,
                invoice_price=price,
                grni_value=grni,
                invoice_value=invoiced,
                difference_value=invoiced - grni,
                status=status,
                message=message
                + (f": difference {invoiced - grni} {base.code}" if status != "matched" else ""),
            )
        )
        order_rows.append(ol)
    assert currency is not None
    return _Match(div, rel, currency, on, previews, order_rows)


def _status(
    n: int,
    ol: PurchaseOrderLine,
    order: PurchaseOrder,
    item: Item,
    qty: Decimal,
    open_qty: Decimal,
    price: Decimal,
    decimals: int,
) -> tuple[str, str]:
    where = f"Line {n}"
    if price != ol.unit_price:
        return "price_difference", (
            f"{where}: invoiced {_price(price, decimals)} against ordered "
            f"{_price(ol.unit_price, decimals)} {order.currency_code} "
            f"({item.code}, {order.number} line {ol.line_number})"
        )
    if qty < open_qty:
        return "quantity_difference", (
            f"{where}: {qty_text(qty)} of {qty_text(open_qty)} received units invoiced "
            f"({item.code}, {order.number} line {ol.line_number})"
        )
    return "matched", f"{where}: matches {order.number} line {ol.line_number}"


def _price(p: Decimal, decimals: int) -> str:
    short = p.quantize(Decimal(1).scaleb(-decimals))
    return f"{short}" if short == p else f"{p.normalize():f}"


def _grni_left(session: Session, order_line_id: int) -> Decimal:
    """Receipt value of an order line still on GRNI: receipts - returns - earlier matches."""
    received = session.exec(
        select(col(GoodsReceiptLine.value)).where(GoodsReceiptLine.order_line_id == order_line_id)
    ).all()
    returned = session.exec(
        select(col(SupplierReturnLine.value)).where(
            SupplierReturnLine.order_line_id == order_line_id
        )
    ).all()
    matched = session.exec(
        select(col(InvoiceMatch.grni_value)).where(InvoiceMatch.order_line_id == order_line_id)
    ).all()
    return sum(received, Decimal(0)) - sum(returned, Decimal(0)) - sum(matched, Decimal(0))


def _close_finished(session: Session, order_ids: set[int]) -> None:
    """An open order whose every unit is received and every kept unit invoiced is closed."""
    for order_id in order_ids:
        order = session.get(PurchaseOrder, order_id)
        if order is None or order.status != "open":
            continue
        if all(
            ln.quantity_received >= ln.quantity and ln.quantity_not_invoiced <= 0
            for ln in order_lines(session, order_id)
        ):
            order.status = "closed"
            session.add(order)
    session.flush()
