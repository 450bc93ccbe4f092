"""Wholesale trading of a division, day by day: quotes and orders, deliveries from stock
(partial when short, the rest a back order), weekly invoices after delivery, customer returns
with credit notes, replenishment purchase orders, receipts on the supplier's actual date,
matched purchase invoices, supplier returns, transfers and a yearly stock count.

Everything goes through the sales, purchasing and stock services as the demo clerks (the
accountant accepts price differences and counts the stock). What each document must post
is worked out in the generator's own books first (:mod:`ingestion.demo.stockbook`), in
the division's currency: wholesale documents are all in the division's currency.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from ingestion.demo.books import Books, InvoicePlan, OpenItem, PlanLine, money
from ingestion.demo.catalogue import Article, Catalogue, Supplier
from ingestion.demo.company import SPECS, Staff
from ingestion.demo.relations import Party, PartyBook
from ingestion.demo.settlement import Settlement
from ingestion.demo.stockbook import Move, StockBook, WholesaleFigures
from ingestion.demo.timeline import SEASON, Month, next_business_day
from transactional.finance.posting_roles import account_for_role
from transactional.organisation.models import Division
from transactional.purchasing import matching, receipts
from transactional.purchasing import orders as purchase_orders
from transactional.purchasing import returns as supplier_returns
from transactional.purchasing.models import GoodsReceiptLine
from transactional.sales import deliveries, invoicing
from transactional.sales import orders as sales_orders
from transactional.sales import returns as customer_returns
from transactional.sales.models import DeliveryLine
from transactional.stock import counts, transfers

# Sales orders a month per unit of scale, before season and growth; at least a few.
ORDERS_PER_SCALE = {"NL01": 140.0, "UK01": 60.0}
MIN_ORDERS = 0.75
GROWTH = {"NL01": 0.1, "UK01": 0.06}
LINES_PER_ORDER = {1: 8, 2: 12, 3: 14, 4: 14, 5: 13, 6: 11, 7: 10, 8: 8, 9: 6, 10: 4}
QUOTE_SHARE = 0.55
QUOTE_CONVERSION = 0.8
CUSTOMER_RETURN = 0.03  # of delivered untracked lines
SUPPLIER_RETURN = 0.02  # of received untracked lines
PARTIAL_RECEIPT = 0.12
PRICE_DIFFERENCE = 0.06  # of purchase invoices
BACK_ORDER_PATIENCE = 60  # days after which the rest of an order is cancelled
SAFETY_DAYS = 10
COVER_DAYS = 45
REPLENISH_WEEKDAY = 0  # the buyer orders on Mondays
INVOICE_WEEKDAY = 4  # customers are invoiced on Fridays (and at month end)
SUPPLIER_INVOICE_WEEKDAY = 2  # suppliers send one invoice a week, dated Wednesday


def orders_per_month(scale: float) -> dict[str, float]:
    """Expected sales orders in an average month without season, per trading division."""
    return {d: max(MIN_ORDERS, n * scale) for d, n in ORDERS_PER_SCALE.items()}


@dataclass
class SalesLine:
    id: int
    article: Article
    quantity: Decimal
    unit_price: Decimal
    vat_code: str | None
    delivered: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    invoiced: Decimal = Decimal(0)  # net of credit notes

    @property
    def open(self) -> Decimal:
        return self.quantity - self.delivered

    @property
    def billable(self) -> Decimal:
        return self.delivered - self.returned - self.invoiced


@dataclass
class SalesOrder:
    id: int
    party: Party
    warehouse: str
    lines: list[SalesLine]
    quote_date: date
    status: str = "quote"
    order_date: date | None = None
    due: date | None = None


@dataclass
class PurchaseLine:
    id: int
    article: Article
    quantity: Decimal
    unit_price: Decimal
    received: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    invoiced: Decimal = Decimal(0)
    grni: Decimal = Decimal(0)  # receipt value still on goods received not invoiced


@dataclass
class PurchaseOrder:
    id: int
    supplier: Supplier
    warehouse: str
    order_date: date
    lines: list[PurchaseLine]


@dataclass(order=True)
class Event:
    on: date
    priority: int
    seq: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False, default=None)


PRIORITY = {
    "receipt": 0,
    "supplier_return": 1,
    "purchase_invoice": 2,
    "confirm": 3,
    "lose": 3,
    "quote": 4,
    "order": 4,
    "customer_return": 5,
}


@dataclass
class Trade:
    """The wholesale business of one division and the generator's view of it."""

    catalogue: Catalogue
    staff: Staff
    parties: PartyBook
    books: Books
    settlement: Settlement
    seed: int
    scale: float
    end: date
    figures: WholesaleFigures = field(default_factory=WholesaleFigures)
    stock: StockBook = field(init=False)
    agenda: dict[date, list[Event]] = field(default_factory=dict)
    open_orders: dict[int, SalesOrder] = field(default_factory=dict)
    on_order: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    seq: int = 0
    to_invoice: dict[int, SalesOrder] = field(default_factory=dict)
    # Received lines per (supplier, invoice day) of the supplier's next invoice.
    uninvoiced: dict[tuple[int, date], dict[int, PurchaseLine]] = field(default_factory=dict)
    serial_counter: int = 0
    started: bool = False
    role_codes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stock = StockBook(self.division, self.books, self.figures)

    @property
    def division(self) -> str:
        return self.catalogue.division

    def rng(self, *parts: object) -> random.Random:
        return random.Random(
            "/".join(str(p) for p in (self.seed, "wholesale", self.division, *parts))
        )

    def schedule(self, on: date, kind: str, payload: Any = None) -> None:
        if on > self.end:
            return
        self.seq += 1
        self.agenda.setdefault(on, []).append(Event(on, PRIORITY[kind], self.seq, kind, payload))

    def account_code(self, session: Session, role: str) -> str:
        """The code of the division's account for a posting role: the generator's books
        key invoice lines by account code, the services find the account by its role."""
        code = self.role_codes.get(role)
        if code is None:
            division = session.exec(select(Division).where(Division.code == self.division)).one()
            assert division.id is not None
            code = self.role_codes[role] = account_for_role(session, division.id, role).code
        return code

    def clerk(self, task: int, on: date) -> Any:
        clerks = self.staff.clerks_for(self.division)
        return clerks[(on.month + task) % len(clerks)]

    # ------------------------------------------------------------------ the month

    def run_month(self, session: Session, month: Month) -> None:
        rng = self.rng("month", month.index)
        self._plan_orders(month, rng)
        days = month.business_days()
        if not self.started and days:
            self.started = True  # the opening stock: everything ordered on the first day
            self._replenish_all(session, days[0], rng)
        day = month.first
        while day <= month.last:
            self._run_day(session, day, rng)
            day += timedelta(days=1)

    def _plan_orders(self, month: Month, rng: random.Random) -> None:
        days = month.business_days()
        if not days:
            return
        base = orders_per_month(self.scale)[self.division]
        growth = 1.0 + GROWTH[self.division] * month.index / 12
        expected = base * SEASON[month.month - 1] * growth * month.share_active
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        customers = self.parties.by_category[(self.division, "customer")]
        weights = [c.weight for c in customers]
        options = list(LINES_PER_ORDER)
        line_weights = list(LINES_PER_ORDER.values())
        for _ in range(count):
            on = rng.choice(days)
            customer = rng.choices(customers, weights=weights)[0]
            drawn = self.catalogue.pick(rng, rng.choices(options, weights=line_weights)[0])
            lines = [
                (a, Decimal(sum(rng.randint(*a.quantity) for _ in range(n)))) for a, n in drawn
            ]
            if rng.random() < QUOTE_SHARE:
                decided = next_business_day(on + timedelta(days=rng.randint(1, 9)))
                converts = rng.random() < QUOTE_CONVERSION
                self.schedule(on, "quote", (customer, lines, decided, converts))
            else:
                self.schedule(on, "order", (customer, lines))

    def _run_day(self, session: Session, day: date, rng: random.Random) -> None:
        events = sorted(self.agenda.pop(day, []))
        for event in events:
            getattr(self, f"_on_{event.kind}")(session, event, rng)
        if day.weekday() >= 5:
            return
        for order in self._deliver_open_orders(session, day, rng):
            self.to_invoice[order.id] = order
        business = [d for d in _month_days(day) if d.weekday() < 5]
        if self.to_invoice and (day.weekday() == INVOICE_WEEKDAY or day == business[-1]):
            self._invoice(session, day, list(self.to_invoice.values()), rng)
            self.to_invoice.clear()
        self._cancel_stale_back_orders(session, day)
        if day.weekday() == REPLENISH_WEEKDAY:
            self._replenish_all(session, day, rng)
        if self.division == "NL01" and day == business[min(1, len(business) - 1)]:
            self._transfer(session, day, rng)
        if day.month == 12 and day == business[0]:
            self._count(session, day, rng)

    # ----------------------------------------------------------------- sales orders

    def _draft(
        self, customer: Party, lines: list[tuple[Article, Decimal]], on: date, rng: random.Random
    ) -> sales_orders.SalesOrderDraft:
        spec = SPECS[self.division]
        drafts = []
        for article, qty in lines:
            if customer.domestic_vat:
                vat: str | None = article.vat_code
            else:
                vat = "V0" if spec.charges_vat else None
            drafts.append(sales_orders.SalesLineDraft(item=article.id, quantity=qty, vat_code=vat))
        return sales_orders.SalesOrderDraft(
            division=self.division,
            customer=customer.id,
            warehouse=self.catalogue.customer_warehouse[customer.id],
            lines=drafts,
            order_date=on,
            requested_date=on + timedelta(days=rng.randint(2, 7)),
            currency=spec.currency,
            customer_reference=f"PO-{rng.randint(10_000, 99_999)}",
        )

    def _record(
        self,
        session: Session,
        order_id: int,
        customer: Party,
        lines: list[tuple[Article, Decimal]],
        on: date,
    ) -> SalesOrder:
        rows = sales_orders.order_lines(session, order_id)
        return SalesOrder(
            id=order_id,
            party=customer,
            warehouse=self.catalogue.customer_warehouse[customer.id],
            quote_date=on,
            lines=[
                SalesLine(row.id or 0, article, qty, row.unit_price, row.vat_code)
                for row, (article, qty) in zip(rows, lines, strict=True)
            ],
        )

    def _on_quote(self, session: Session, event: Event, rng: random.Random) -> None:
        customer, lines, decided, converts = event.payload
        draft = self._draft(customer, lines, event.on, rng)
        quote = sales_orders.create_quote(
            session=session, user=self.clerk(0, event.on), draft=draft
        )
        order = self._record(session, quote.id or 0, customer, lines, event.on)
        if converts:
            self.schedule(decided, "confirm", order)
        elif rng.random() < 0.5:
            self.schedule(event.on + timedelta(days=30), "lose", order)

    def _on_confirm(self, session: Session, event: Event, rng: random.Random) -> None:
        order: SalesOrder = event.payload
        sales_orders.confirm_quote(
            session=session, user=self.clerk(0, event.on), order_id=order.id, order_date=event.on
        )
        self._opened(order, event.on, rng)

    def _on_lose(self, session: Session, event: Event, rng: random.Random) -> None:
        order: SalesOrder = event.payload
        sales_orders.cancel_order(session=session, user=self.clerk(0, event.on), order_id=order.id)
        order.status = "cancelled"

    def _on_order(self, session: Session, event: Event, rng: random.Random) -> None:
        customer, lines = event.payload
        draft = self._draft(customer, lines, event.on, rng)
        result = sales_orders.create_order(
            session=session, user=self.clerk(0, event.on), draft=draft
        )
        order = self._record(session, result.order.id or 0, customer, lines, event.on)
        self._opened(order, event.on, rng)

    def _opened(self, order: SalesOrder, on: date, rng: random.Random) -> None:
        order.status = "order"
        order.order_date = on
        order.due = next_business_day(on + timedelta(days=rng.randint(0, 2)))
        self.open_orders[order.id] = order
        self.figures.add("orders", on.year)

    # ------------------------------------------------------------------- deliveries

    def _deliver_open_orders(
        self, session: Session, day: date, rng: random.Random
    ) -> list[SalesOrder]:
        """Deliver what stock allows, oldest order first; the rest waits as a back order."""
        delivered = []
        for order in list(self.open_orders.values()):
            if order.due is None or order.due > day:
                continue
            drafts: list[deliveries.DeliveryLineDraft] = []
            moves: list[Move] = []
            parts: list[tuple[SalesLine, Move]] = []
            for line in order.lines:
                a = line.article
                qty = line.open
                if qty <= 0:
                    continue
                if not a.allow_negative:
                    qty = min(qty, self.stock.level(a.id, order.warehouse))
                if qty <= 0:
                    continue
                if a.tracking == "none":
                    mv = Move("delivery", a.id, order.warehouse, qty, "cost_of_sales")
                    drafts.append(deliveries.DeliveryLineDraft(line.id, qty))
                    moves.append(mv)
                    parts.append((line, mv))
                elif a.tracking == "lot":
                    for lot, q in self.stock.take_lots(a.id, order.warehouse, qty):
                        drafts.append(deliveries.DeliveryLineDraft(line.id, q, lot=lot))
                        moves.append(
                            Move("delivery", a.id, order.warehouse, q, "cost_of_sales", lot=lot)
                        )
                else:
                    serials = [s for s, _ in self.stock.take_lots(a.id, order.warehouse, qty)]
                    drafts.append(
                        deliveries.DeliveryLineDraft(
                            line.id, Decimal(len(serials)), serials=serials
                        )
                    )
                    moves += [
                        Move("delivery", a.id, order.warehouse, Decimal(1), "cost_of_sales", lot=s)
                        for s in serials
                    ]
                line.delivered += qty
            if not drafts:
                continue
            delivery = deliveries.deliver(
                session=session,
                user=self.clerk(1, day),
                order_id=order.id,
                delivery_date=day,
                lines=drafts,
            )
            self.stock.post(day, moves)
            self.figures.add("deliveries", day.year)
            delivered.append(order)
            if all(line.open == 0 for line in order.lines):
                del self.open_orders[order.id]
            for line, mv in parts:
                if rng.random() < CUSTOMER_RETURN:
                    back = Decimal(rng.randint(1, max(1, int(mv.quantity) // 3)))
                    self.schedule(
                        day + timedelta(days=rng.randint(5, 25)),
                        "customer_return",
                        (order, delivery.id, line, back, -mv.value, mv.quantity),
                    )
        return delivered

    def _invoice(
        self, session: Session, day: date, orders: list[SalesOrder], rng: random.Random
    ) -> None:
        plans = []
        revenue = self.account_code(session, "revenue_goods")
        for order in orders:
            lines = [
                PlanLine(revenue, ln.billable, ln.unit_price, vat_code=ln.vat_code)
                for ln in order.lines
                if ln.billable > 0
            ]
            for ln in order.lines:
                ln.invoiced += max(ln.billable, Decimal(0))
            plans.append(self._sales_plan(order, day, lines, f"Order {order.id}"))
        posted = invoicing.invoice_orders(
            session=session,
            user=self.clerk(2, day),
            requests=[invoicing.OrderInvoiceRequest(order.id, day) for order in orders],
        )
        for plan, invoice in zip(plans, posted, strict=True):
            item = self._book(plan, invoice.id or 0, invoice.document_number)
            self.settlement.schedule(item, rng)

    def _sales_plan(
        self, order: SalesOrder, on: date, lines: list[PlanLine], text: str
    ) -> InvoicePlan:
        party = order.party
        for ln in lines:
            self.figures.add("revenue", on.year, money(ln.quantity * ln.unit_price))
        return InvoicePlan(
            division=self.division,
            invoice_type="sales",
            party=party,
            invoice_date=on,
            due_date=on + timedelta(days=party.terms),
            currency=SPECS[self.division].currency,
            rate=Decimal(1),
            lines=lines,
            description=text,
        )

    def _book(self, plan: InvoicePlan, invoice_id: int, number: str) -> OpenItem:
        item = self.books.book_invoice(plan)
        item.invoice_id = invoice_id
        item.document_number = number
        return item

    def _on_customer_return(self, session: Session, event: Event, rng: random.Random) -> None:
        order, delivery_id, line, qty, cost_value, delivered_qty = event.payload
        if order.status == "cancelled":
            return
        row = session.exec(
            select(DeliveryLine).where(
                DeliveryLine.delivery_id == delivery_id, DeliveryLine.order_line_id == line.id
            )
        ).one()
        unit_cost = cost_value / qty if qty == delivered_qty else cost_value / delivered_qty
        credit = min(qty, line.invoiced)
        ret = customer_returns.return_goods(
            session=session,
            user=self.clerk(1, event.on),
            order_id=order.id,
            return_date=event.on,
            lines=[customer_returns.ReturnLineDraft(row.id or 0, qty)],
            reason=rng.choice(("Damaged in transit", "Wrong item", "Not needed", "Faulty")),
        )
        self.stock.post(
            event.on,
            [
                Move(
                    "customer_return",
                    line.article.id,
                    order.warehouse,
                    qty,
                    "cost_of_sales",
                    unit_cost=unit_cost,
                )
            ],
        )
        line.returned += qty
        self.figures.add("returns", event.on.year)
        if credit > 0:
            line.invoiced -= credit
            plan = self._sales_plan(
                order,
                event.on,
                [
                    PlanLine(
                        self.account_code(session, "revenue_goods"),
                        -credit,
                        line.unit_price,
                        vat_code=line.vat_code,
                    )
                ],
                f"Credit note {ret.number}",
            )
            self._book(plan, ret.credit_note_id or 0, "")  # credit notes stay open

    def _cancel_stale_back_orders(self, session: Session, day: date) -> None:
        for order in list(self.open_orders.values()):
            if order.due is None or (day - order.due).days < BACK_ORDER_PATIENCE:
                continue
            sales_orders.cancel_order(session=session, user=self.clerk(0, day), order_id=order.id)
            for line in order.lines:
                line.quantity = line.delivered
            if all(line.delivered == 0 for line in order.lines):
                order.status = "cancelled"
            del self.open_orders[order.id]

    # ------------------------------------------------------------------- purchasing

    def _open_demand(self) -> dict[tuple[int, str], Decimal]:
        demand: dict[tuple[int, str], Decimal] = {}
        for order in self.open_orders.values():
            for line in order.lines:
                key = (line.article.id, order.warehouse)
                demand[key] = demand.get(key, Decimal(0)) + line.open
        return demand

    def _replenish_all(self, session: Session, day: date, rng: random.Random) -> None:
        """Reorder what falls below its reorder point (lead time plus a week of demand),
        up to a month's demand on top; one purchase order per supplier and warehouse."""
        demand = self._open_demand()
        wanted: dict[tuple[int, str], list[tuple[Article, Decimal]]] = {}
        # An article's warehouses share its supply contract: what one warehouse's line
        # takes is not left for the next (the contract counts it only once ordered).
        taken: dict[int, Decimal] = {}
        for a in self.catalogue.articles:
            for wh, per_day in a.daily_demand.items():
                key = (a.id, wh)
                position = (
                    self.stock.level(a.id, wh)
                    + self.on_order.get(key, Decimal(0))
                    - demand.get(key, Decimal(0))
                )
                # At least one typical order line in stock, and a typical line more on order.
                reorder = max(
                    math.ceil(per_day * (a.supplier.lead_days + SAFETY_DAYS)), a.quantity[0]
                )
                if position >= reorder and position >= 0:
                    continue
                target = reorder + max(math.ceil(per_day * COVER_DAYS), a.quantity[1])
                qty = Decimal(target) - position
                contract = a.contracts.get(day.year)
                if contract is not None:
                    left = contract.quantity - contract.ordered - taken.get(id(contract), 0)
                    qty = min(qty, left)
                    if qty > 0:
                        taken[id(contract)] = taken.get(id(contract), Decimal(0)) + qty
                if qty > 0:
                    wanted.setdefault((a.supplier.party.id, wh), []).append((a, qty))
        for (_, wh), lines in sorted(wanted.items(), key=lambda kv: kv[0]):
            self._purchase(session, day, lines[0][0].supplier, wh, lines, rng)

    def _purchase(
        self,
        session: Session,
        day: date,
        supplier: Supplier,
        wh: str,
        lines: list[tuple[Article, Decimal]],
        rng: random.Random,
    ) -> None:
        promised = day + timedelta(days=supplier.lead_days)
        po = purchase_orders.create_purchase_order(
            session=session,
            user=self.clerk(3, day),
            draft=purchase_orders.PurchaseOrderDraft(
                division=self.division,
                supplier=supplier.party.id,
                warehouse=wh,
                order_date=day,
                currency=SPECS[self.division].currency,
                lines=[
                    purchase_orders.PurchaseLineDraft(item=a.id, quantity=q, promised_date=promised)
                    for a, q in lines
                ],
            ),
        )
        rows = purchase_orders.order_lines(session, po.id)
        order = PurchaseOrder(po.id or 0, supplier, wh, day, [])
        for row, (a, q) in zip(rows, lines, strict=True):
            contract = a.contracts.get(day.year)
            price = contract.unit_price if contract is not None else a.purchase_price
            if contract is not None:
                contract.ordered += q
            order.lines.append(PurchaseLine(row.id or 0, a, q, price))
            key = (a.id, wh)
            self.on_order[key] = self.on_order.get(key, Decimal(0)) + q
        if rng.random() < supplier.on_time:
            arrival = promised - timedelta(days=rng.randint(0, 2))
            while arrival.weekday() >= 5:
                arrival -= timedelta(days=1)
            arrival = max(arrival, day + timedelta(days=1))
        else:
            arrival = promised + timedelta(days=rng.randint(1, supplier.max_delay))
        arrival = next_business_day(arrival)
        first: list[tuple[PurchaseLine, Decimal]] = []
        rest: list[tuple[PurchaseLine, Decimal]] = []
        for line in order.lines:
            if line.quantity > 1 and rng.random() < PARTIAL_RECEIPT:
                part = max(
                    Decimal(1), (line.quantity * rng.randint(50, 90) / 100).quantize(Decimal(1))
                )
                part = min(part, line.quantity - 1)
                first.append((line, part))
                rest.append((line, line.quantity - part))
            else:
                first.append((line, line.quantity))
        self.schedule(arrival, "receipt", (order, first))
        if rest:
            later = next_business_day(arrival + timedelta(days=rng.randint(3, 10)))
            self.schedule(later, "receipt", (order, rest))

    def _on_receipt(self, session: Session, event: Event, rng: random.Random) -> None:
        order: PurchaseOrder = event.payload[0]
        parts: list[tuple[PurchaseLine, Decimal]] = event.payload[1]
        drafts = []
        moves = []
        for line, qty in parts:
            a = line.article
            if a.tracking == "serial":
                serials = []
                units: list[tuple[Decimal, str | None]] = []
                for _ in range(int(qty)):
                    self.serial_counter += 1
                    serials.append(f"SN{self.division}{self.serial_counter:07d}")
                drafts.append(receipts.ReceiptLineDraft(line.id, qty, serials=serials))
                units += [(Decimal(1), s) for s in serials]
            else:
                lot = f"L{event.on:%y%m%d}-{order.id}-{line.id}" if a.tracking == "lot" else None
                drafts.append(receipts.ReceiptLineDraft(line.id, qty, lot=lot))
                units = [(qty, lot)]
            for q, number in units:
                value = money(q * line.unit_price)
                moves.append(
                    Move(
                        "receipt",
                        a.id,
                        order.warehouse,
                        q,
                        "grni",
                        unit_cost=value / q,
                        counter_value=value,
                        lot=number,
                    )
                )
                line.grni += value
            line.received += qty
            self.on_order[(a.id, order.warehouse)] -= qty
        receipt = receipts.receive(
            session=session,
            user=self.clerk(3, event.on),
            order_id=order.id,
            receipt_date=event.on,
            lines=drafts,
        )
        self.stock.post(event.on, moves)
        self.figures.add("receipts", event.on.year)
        for line, qty in parts:
            if line.article.tracking == "none" and qty > 3 and rng.random() < SUPPLIER_RETURN:
                back = Decimal(rng.randint(1, int(qty) // 3))
                self.schedule(
                    event.on + timedelta(days=1),
                    "supplier_return",
                    (order, receipt.id, line, back, qty),
                )
        # The supplier's weekly invoice, at least two days after the goods (after any return).
        invoice_day = event.on + timedelta(days=2)
        invoice_day += timedelta(days=(SUPPLIER_INVOICE_WEEKDAY - invoice_day.weekday()) % 7)
        bucket = (order.supplier.party.id, invoice_day)
        if bucket not in self.uninvoiced:
            self.uninvoiced[bucket] = {}
            self.schedule(invoice_day, "purchase_invoice", (order.supplier, bucket))
        for line, _ in parts:
            self.uninvoiced[bucket][line.id] = line

    def _on_supplier_return(self, session: Session, event: Event, rng: random.Random) -> None:
        order, receipt_id, line, qty, received = event.payload
        if self.stock.level(line.article.id, order.warehouse) < qty:
            return
        row = session.exec(
            select(GoodsReceiptLine).where(
                GoodsReceiptLine.receipt_id == receipt_id, GoodsReceiptLine.order_line_id == line.id
            )
        ).one()
        value = row.value if qty == received else money(row.value * qty / received)
        supplier_returns.return_to_supplier(
            session=session,
            user=self.clerk(3, event.on),
            order_id=order.id,
            return_date=event.on,
            lines=[supplier_returns.SupplierReturnLineDraft(row.id or 0, qty)],
            reason=rng.choice(("Damaged on arrival", "Wrong specification")),
        )
        self.stock.post(
            event.on,
            [
                Move(
                    "supplier_return",
                    line.article.id,
                    order.warehouse,
                    qty,
                    "grni",
                    counter_value=-value,
                    difference="purchase_price_differences",
                )
            ],
        )
        line.returned += qty
        line.grni -= value

    def _on_purchase_invoice(self, session: Session, event: Event, rng: random.Random) -> None:
        supplier: Supplier = event.payload[0]
        party = supplier.party
        pending = self.uninvoiced.pop(event.payload[1], {})
        lines = [
            ln for _, ln in sorted(pending.items()) if ln.received - ln.returned - ln.invoiced > 0
        ]
        if not lines:
            return
        vat = "I21" if party.domestic_vat else None
        differs = rng.random() < PRICE_DIFFERENCE
        drafts = []
        plan_lines = []
        grni = self.account_code(session, "grni")
        difference = Decimal(0)
        for n, line in enumerate(lines):
            qty = line.received - line.returned - line.invoiced
            price = line.unit_price
            if differs and n == 0:
                price = money(price * (100 + rng.choice((-3, -2, 2, 3, 4))) / 100)
            drafts.append(matching.PurchaseInvoiceLineDraft(line.id, qty, price, vat))
            plan_lines.append(PlanLine(grni, qty, price, vat_code=vat))
            difference += money(qty * price) - line.grni
            line.invoiced += qty
            line.grni = Decimal(0)
        user = self.staff.accountant if differs else self.clerk(4, event.on)
        matched = matching.post_matched_invoice(
            session=session,
            user=user,
            division=self.division,
            supplier=party.id,
            invoice_date=event.on,
            lines=drafts,
            supplier_reference=f"{party.code}-{event.on:%y%m%d}",
            accept_differences=differs,
            note="Price difference accepted" if differs else "",
        )
        plan = InvoicePlan(
            division=self.division,
            invoice_type="purchase",
            party=party,
            invoice_date=event.on,
            due_date=event.on + timedelta(days=party.terms),
            currency=SPECS[self.division].currency,
            rate=Decimal(1),
            lines=plan_lines,
            description=f"Invoice {party.name}",
        )
        item = self._book(plan, matched.invoice.id or 0, matched.invoice.document_number)
        self.settlement.schedule(item, rng)
        if difference:
            self.books.entries += 1
            self.books.lines += 2
            self.books.costs[self.division][event.on.year] += difference

    # ------------------------------------------------------------------------ stock

    def _transfer(self, session: Session, day: date, rng: random.Random) -> None:
        """Top up the depot from the central warehouse where it runs low."""
        candidates = [
            a
            for a in self.catalogue.articles
            if a.tracking == "none"
            and self.stock.level(a.id, "SOUTH") < Decimal(a.daily_demand["SOUTH"] * 10)
            and self.stock.level(a.id, "MAIN") > Decimal(a.daily_demand["MAIN"] * 40) + 5
        ]
        rng.shuffle(candidates)
        lines = []
        moves = []
        for a in sorted(candidates[:3], key=lambda a: a.code):
            qty = Decimal(max(1, math.ceil(a.daily_demand["SOUTH"] * 14)))
            lines.append(transfers.TransferLineDraft(item=a.id, quantity=qty))
            moves += [
                Move("transfer_out", a.id, "MAIN", qty, "inventory"),
                Move("transfer_in", a.id, "SOUTH", qty, "inventory"),
            ]
        if not lines:
            return
        transfers.transfer_stock(
            session=session,
            user=self.clerk(5, day),
            division=self.division,
            from_warehouse="MAIN",
            to_warehouse="SOUTH",
            transfer_date=day,
            lines=lines,
            description="Replenish depot",
        )
        self.stock.post(day, moves)

    def _count(self, session: Session, day: date, rng: random.Random) -> None:
        """The year-end count of the main warehouse: a sample, small differences."""
        stocked = [
            a
            for a in self.catalogue.articles
            if a.tracking == "none" and self.stock.level(a.id, "MAIN") > 0
        ]
        sample = sorted(rng.sample(stocked, min(15, len(stocked))), key=lambda a: a.code)
        lines = []
        moves = []
        for a in sample:
            system = self.stock.level(a.id, "MAIN")
            counted = max(Decimal(0), system + rng.choice((0, 0, 0, 0, 0, -1, -1, -2, 1)))
            lines.append(counts.CountLineDraft(item=a.id, counted_quantity=counted))
            if counted != system:
                kind = "count_gain" if counted > system else "count_loss"
                moves.append(Move(kind, a.id, "MAIN", abs(counted - system), "stock_differences"))
        if not lines:
            return
        counts.post_stock_count(
            session=session,
            user=self.staff.accountant,
            division=self.division,
            warehouse="MAIN",
            count_date=day,
            lines=lines,
            description=f"Year-end count {day.year}",
        )
        self.stock.post(day, moves)


def _month_days(day: date) -> list[date]:
    first = day.replace(day=1)
    result = []
    while first.month == day.month:
        result.append(first)
        first += timedelta(days=1)
    return result


def start_trades(
    catalogues: dict[str, Catalogue],
    *,
    staff: Staff,
    parties: PartyBook,
    books: Books,
    settlement: Settlement,
    seed: int,
    scale: float,
    end: date,
) -> dict[str, Trade]:
    return {
        code: Trade(cat, staff, parties, books, settlement, seed, scale, end)
        for code, cat in catalogues.items()
    }


def wholesale_totals(trades: dict[str, Trade], years: list[int]) -> dict[str, Any]:
    """The wholesale control totals (keyword arguments of :class:`ControlTotals`)."""
    revenue: dict[str, dict[int, Decimal]] = {}
    cost: dict[str, dict[int, Decimal]] = {}
    documents: dict[str, dict[int, dict[str, int]]] = {}
    stock: dict[str, Decimal] = {}
    for code, trade in trades.items():
        f = trade.figures
        revenue[code] = {y: Decimal(f.revenue.get(y, 0)) for y in years}
        cost[code] = {y: Decimal(f.cost_of_sales.get(y, 0)) for y in years}
        documents[code] = {
            y: {
                kind: int(getattr(f, kind).get(y, 0))
                for kind in ("orders", "deliveries", "returns", "receipts")
            }
            for y in years
        }
        stock[code] = f.stock_value
    return {
        "wholesale_revenue": revenue,
        "wholesale_cost_of_sales": cost,
        "wholesale_documents": documents,
        "closing_stock": stock,
    }
