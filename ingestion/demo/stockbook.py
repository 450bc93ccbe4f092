"""The generator's own stock books: quantities, lots, moving-average value, stock entries.

A mirror of the documented valuation rules (``transactional.stock.movements``): inbound
movements at their unit cost (transfers in and count gains at the average), outbound at
the moving average (the last units take the remaining value), one entry per document
with a line per warehouse and counter account. Nothing here reads the database: the
wholesale control totals are worked out from what the generator decided to post.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ingestion.demo.books import Books, money

INBOUND = frozenset({
    "receipt", "customer_return", "transfer_in", "count_gain", "production_return",
    "production_receipt",
})
UNIT_COST_QUANTUM = Decimal("0.00000001")
# Counter and difference accounts are named by their posting role
# (transactional.finance.posting_roles), as the stock services find them.
COST_ROLES = frozenset({"cost_of_sales", "purchase_price_differences", "stock_differences"})


@dataclass
class Valuation:
    quantity: Decimal = Decimal(0)
    value: Decimal = Decimal(0)
    last_unit_cost: Decimal = Decimal(0)

    def average(self) -> Decimal:
        return self.value / self.quantity if self.quantity > 0 else self.last_unit_cost


@dataclass
class Move:
    """One stock movement of a document, as the service will make it."""

    kind: str
    item: int
    warehouse: str
    quantity: Decimal
    counter: str  # posting role of the counter account
    unit_cost: Decimal | None = None
    counter_value: Decimal | None = None
    difference: str = "stock_differences"  # posting role
    lot: str | None = None
    value: Decimal = Decimal(0)  # set when posted: signed stock value


@dataclass
class WholesaleFigures:
    """Per year: revenue billed on item lines, cost of sales posted by deliveries and
    returns, document counts; closing stock value at the end."""

    revenue: dict[int, Decimal] = field(default_factory=dict)
    cost_of_sales: dict[int, Decimal] = field(default_factory=dict)
    orders: dict[int, int] = field(default_factory=dict)
    deliveries: dict[int, int] = field(default_factory=dict)
    returns: dict[int, int] = field(default_factory=dict)
    receipts: dict[int, int] = field(default_factory=dict)
    stock_value: Decimal = Decimal(0)

    def add(self, figure: str, year: int, amount: Decimal | int = 1) -> None:
        target = getattr(self, figure)
        target[year] = target.get(year, 0) + amount


@dataclass
class StockBook:
    """Stock of one division: per item valuation, per item and warehouse quantities,
    lots (first in, first out) and serials in stock."""

    division: str
    books: Books
    figures: WholesaleFigures
    valuations: dict[int, Valuation] = field(default_factory=lambda: defaultdict(Valuation))
    levels: dict[tuple[int, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    lots: dict[tuple[int, str], list[list[object]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def level(self, item: int, warehouse: str) -> Decimal:
        return self.levels.get((item, warehouse), Decimal(0))

    # ------------------------------------------------------------------ lots, serials

    def take_lots(self, item: int, warehouse: str, quantity: Decimal) -> list[tuple[str, Decimal]]:
        """(lot or serial, quantity) parts for ``quantity`` units leaving, oldest first."""
        parts: list[tuple[str, Decimal]] = []
        left = quantity
        for entry in self.lots[(item, warehouse)]:
            if left <= 0:
                break
            have = entry[1]
            assert isinstance(have, Decimal)
            take = min(have, left)
            if take > 0:
                parts.append((str(entry[0]), take))
                left -= take
        return parts

    def _lot_move(self, mv: Move) -> None:
        if mv.lot is None:
            return
        stack = self.lots[(mv.item, mv.warehouse)]
        for entry in stack:
            if entry[0] == mv.lot:
                have = entry[1]
                assert isinstance(have, Decimal)
                entry[1] = have + (mv.quantity if mv.kind in INBOUND else -mv.quantity)
                break
        else:
            assert mv.kind in INBOUND, f"lot {mv.lot} not in stock"
            stack.append([mv.lot, mv.quantity])
        self.lots[(mv.item, mv.warehouse)] = [e for e in stack if e[1] != 0]

    # --------------------------------------------------------------------- valuation

    def _apply(self, mv: Move) -> Decimal:
        """Value the movement like ``post_stock``; returns its value at cost."""
        val = self.valuations[mv.item]
        qty = mv.quantity
        if mv.kind in INBOUND:
            unit_cost = mv.unit_cost if mv.unit_cost is not None else val.average()
            value = at_cost = money(qty * unit_cost)
            new_qty = val.quantity + qty
            if val.quantity < 0:
                value = money(new_qty * unit_cost) - val.value
            val.quantity = new_qty
            val.value += value
            val.last_unit_cost = unit_cost.quantize(UNIT_COST_QUANTUM)
            self.levels[(mv.item, mv.warehouse)] += qty
        else:
            if qty >= val.quantity > 0:
                extra = money((qty - val.quantity) * val.last_unit_cost)
                value = -(val.value + extra)
            else:
                value = -money(qty * val.average())
            at_cost = value
            val.quantity -= qty
            val.value += value
            if val.quantity == 0:
                val.value = Decimal(0)
            self.levels[(mv.item, mv.warehouse)] -= qty
        self._lot_move(mv)
        mv.value = value
        return at_cost

    def post(self, on: date, moves: list[Move]) -> None:
        """One stock document: apply its movements in order, book its entry."""
        amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        previous: Move | None = None
        for mv in moves:
            if (
                mv.kind == "transfer_in"
                and mv.unit_cost is None
                and previous is not None
                and previous.kind == "transfer_out"
                and previous.item == mv.item
            ):
                mv.unit_cost = previous.value / -previous.quantity
            at_cost = self._apply(mv)
            counter = at_cost if mv.counter_value is None else mv.counter_value
            amounts[("stock", mv.warehouse)] += mv.value
            amounts[("counter", mv.counter)] -= counter
            if counter != mv.value:
                amounts[("difference", mv.difference)] += counter - mv.value
            previous = mv
        lines = [
            (kind, account, amount) for (kind, account), amount in amounts.items() if amount != 0
        ]
        self.figures.stock_value += sum((mv.value for mv in moves), Decimal(0))
        if not lines:
            return
        books = self.books
        books.entries += 1
        books.lines += len(lines)
        for kind, account, amount in lines:
            if kind != "stock" and account in COST_ROLES:
                books.costs[self.division][on.year] += amount
        cost_of_sales = sum(
            (
                amount
                for kind, role, amount in lines
                if kind == "counter" and role == "cost_of_sales"
            ),
            Decimal(0),
        )
        if cost_of_sales:
            self.figures.add("cost_of_sales", on.year, cost_of_sales)
