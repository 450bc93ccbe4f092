"""The MRP engine: a snapshot of items, bills of materials, stock, scheduled receipts and
demands in; the requirement grid, planned orders (advice) and their pegging out.

Pure: :func:`plan_requirements` reads its arguments only and writes nothing (the reader
and the storing are in ``mrp.py``), so the hand-worked test and the benchmark call it
directly. All quantities are :class:`~decimal.Decimal`. The rules are docs/manufacturing.md
§5:

- **Buckets** of a day, a week (from a Monday) or a month (from a first) from ``start``;
  anything dated before ``start`` counts in the first bucket, anything from the end of the
  last bucket on is outside the horizon and ignored.
- **Low-level codes**: an item is planned after every item whose BOM uses it (at any
  level, any version), so all its dependent demand is known when it is netted.
- **Netting** per item and bucket: available = on hand − safety stock + scheduled
  receipts − gross requirements (carried over); where it would fall below zero a planned
  order covers the shortfall lot-for-lot, raised to the minimum quantity and then up to a
  multiple of the order multiple. Due date = the bucket's start; order date = due − lead
  time days (kept when before ``start``: the advice is late). The grid shows the
  physical projected on hand (safety stock included); its net requirement is the
  shortfall below safety stock before the planned order.
- **Dependent demand**: a *make* planned order needs its BOM's components (per unit,
  scrap included; the version valid on its order date) times its quantity, rounded up to
  8 decimals, on its order date. Phantom components are exploded through (their own
  components times their quantity); demand on a phantom passes to its components.
- **Pegging**: per item, supplies queue up in the order on hand, scheduled receipts (by
  date), planned orders (by date); the demands of each bucket (by date, sales orders
  before production orders before planned orders before the sales plan, then id) take
  from the head of the queue, first come first served. Only supplies that arrived by the
  demand's bucket are in the queue (the netting guarantees they suffice). A planned
  order's pegs name each demand it serves and how much, per root: each demand carries
  its roots (the independent demands at the top of its chain, with quantities) and hands
  them out in order as supplies take from it; a dependent demand's roots are its parent
  order's pegged roots times the component quantity. What a planned order makes beyond
  its demands (minimum, multiple, safety stock) has no root.

The work per item is proportional to its buckets and events (demands, receipts, planned
orders, roots), never to items × demands.
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_UP, Decimal
from typing import NamedTuple

from transactional.errors import N_, ValidationError

ZERO = Decimal(0)
QUANTUM = Decimal("1e-8")  # quantities are stored with 8 decimals (Rate)
BUCKETS = ("day", "week", "month")
SUPPLY_TYPES = ("buy", "make", "phantom")
# Among demands on the same date: firm orders before the forecast.
KIND_RANK = {"sales_order": 0, "production_order": 1, "planned_order": 2, "sales_plan": 3}
MAX_BUCKETS = 1000


# --- input -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanItem:
    """How an item is supplied (``item_planning``): an item missing from the snapshot's
    items is bought, with no lead time, lot sizes or safety stock."""

    item_id: int
    supply: str = "buy"  # buy | make | phantom
    lead_time_days: int = 0
    minimum_quantity: Decimal = ZERO
    order_multiple: Decimal = ZERO  # 0: none
    safety_stock: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Component:
    """A component per ONE unit of the parent, scrap included."""

    item_id: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class BomVersion:
    """The components of an item from ``valid_from`` on (None: from the beginning) until
    the next version of the item in the snapshot."""

    valid_from: date | None
    components: tuple[Component, ...]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A scheduled receipt: an open purchase order line (``kind`` 'purchase_order', id the
    line's) or an open production order ('production_order', the order's id)."""

    kind: str
    id: int
    item_id: int
    due_date: date
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Demand:
    """An independent demand ('sales_order': a sales order line; 'sales_plan': a plan row,
    net of sales orders) or an open production order's material ('production_order': the
    material line, rooted at the order: ``root_kind``/``root_id``). Without a root the
    demand is its own root."""

    kind: str
    id: int
    item_id: int
    due_date: date
    quantity: Decimal
    root_kind: str | None = None
    root_id: int | None = None


@dataclass(frozen=True, slots=True)
class SalesPlanRow:
    id: int
    item_id: int
    period_start: date
    period_days: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class OrderedSale:
    """A sales order line's ordered quantity on its date (requested, else order date):
    what consumes the sales plan of its period."""

    item_id: int
    on: date
    quantity: Decimal


@dataclass(frozen=True)
class Snapshot:
    items: Mapping[int, PlanItem]
    boms: Mapping[int, Sequence[BomVersion]]  # per make or phantom item, by valid_from
    on_hand: Mapping[int, Decimal]
    receipts: Sequence[Receipt] = ()
    demands: Sequence[Demand] = ()


@dataclass(frozen=True)
class Parameters:
    start: date
    bucket: str = "week"
    buckets: int = 26


# --- output ------------------------------------------------------------------------------


# Output rows are named tuples: hundreds of thousands of them per run, and a tuple is
# built several times faster than a frozen dataclass.
class GridRow(NamedTuple):
    item_id: int
    bucket_start: date
    gross_requirement: Decimal
    scheduled_receipts: Decimal
    projected_on_hand: Decimal  # at the bucket's end, planned receipts included
    net_requirement: Decimal  # shortfall below safety stock before the planned order
    planned_receipts: Decimal


class PlannedOrder(NamedTuple):
    """Advice: buy or make ``quantity`` of the item, ordered on ``order_date`` to arrive on
    ``due_date``. ``number`` is its index in :attr:`Plan.orders`."""

    number: int
    item_id: int
    action: str  # buy | make
    quantity: Decimal
    order_date: date
    due_date: date

    def is_late(self, start: date) -> bool:
        return self.order_date < start


class Peg(NamedTuple):
    """``quantity`` of planned order ``order`` (its number) serves demand
    ``demand_kind``/``demand_id`` (for 'planned_order' the parent order's number) dated
    ``demand_date``, on behalf of root ``root_kind``/``root_id`` (None: no independent
    demand, the parent's surplus)."""

    order: int
    demand_kind: str
    demand_id: int
    demand_date: date
    quantity: Decimal
    root_kind: str | None
    root_id: int | None


@dataclass(frozen=True)
class Plan:
    parameters: Parameters
    bucket_starts: tuple[date, ...]
    low_level_codes: dict[int, int]
    grid: list[GridRow]
    orders: list[PlannedOrder]
    pegs: list[Peg]


# --- helpers -----------------------------------------------------------------------------


def quantity_up(q: Decimal) -> Decimal:
    """Up to 8 decimals, away from zero: a component requirement never planned short."""
    return q.quantize(QUANTUM, rounding=ROUND_UP)


def lot_size(net: Decimal, minimum: Decimal, multiple: Decimal) -> Decimal:
    """Lot-for-lot, raised to ``minimum`` and then up to a multiple of ``multiple``."""
    q = max(net, minimum)
    if multiple > 0:
        q = (q / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
    return q


def _add_months(d: date, months: int) -> date:
    n = d.year * 12 + d.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def bucket_starts(parameters: Parameters) -> tuple[date, ...]:
    """The first day of each bucket (checks the parameters)."""
    p = parameters
    if p.bucket not in BUCKETS:
        raise ValidationError(
            N_("The bucket must be day, week or month, not {bucket}."),
            field="bucket",
            bucket=p.bucket,
        )
    if not 1 <= p.buckets <= MAX_BUCKETS:
        raise ValidationError(
            N_("The number of buckets must be between 1 and {most}."),
            field="buckets",
            most=MAX_BUCKETS,
        )
    if p.bucket == "week" and p.start.weekday() != 0:
        raise ValidationError(
            N_("Weekly buckets start on a Monday; {start} is not one."),
            field="start",
            start=p.start.isoformat(),
        )
    if p.bucket == "month" and p.start.day != 1:
        raise ValidationError(
            N_("Monthly buckets start on the first of a month; {start} is not one."),
            field="start",
            start=p.start.isoformat(),
        )
    if p.bucket == "day":
        return tuple(p.start + timedelta(days=i) for i in range(p.buckets))
    if p.bucket == "week":
        return tuple(p.start + timedelta(weeks=i) for i in range(p.buckets))
    return tuple(_add_months(p.start, i) for i in range(p.buckets))


class _Bucketer:
    """Date → bucket index (0 for anything before the start; ``n`` past the horizon)."""

    def __init__(self, parameters: Parameters, starts: tuple[date, ...]) -> None:
        self.kind = parameters.bucket
        self.n = len(starts)
        self.start = starts[0]
        self.start_ord = starts[0].toordinal()
        self.month0 = starts[0].year * 12 + starts[0].month - 1

    def __call__(self, d: date) -> int:
        if self.kind == "month":
            b = d.year * 12 + d.month - 1 - self.month0
        else:
            days = d.toordinal() - self.start_ord
            b = days // 7 if self.kind == "week" else days
        if b < 0:
            return 0
        return b if b < self.n else self.n


def low_level_codes(
    items: Iterable[int], boms: Mapping[int, Sequence[BomVersion]]
) -> dict[int, int]:
    """Per item the deepest level it is used on (0: used by nothing), over every version.

    A cycle is refused naming the items on it (the BOM services refuse saving one)."""
    children: dict[int, set[int]] = {}
    nodes: set[int] = set(items)
    for parent, versions in boms.items():
        nodes.add(parent)
        kids = children.setdefault(parent, set())
        for v in versions:
            for c in v.components:
                kids.add(c.item_id)
                nodes.add(c.item_id)
    indegree = dict.fromkeys(nodes, 0)
    for kids in children.values():
        for kid in kids:
            indegree[kid] += 1
    level = dict.fromkeys(nodes, 0)
    ready = deque(sorted(n for n, k in indegree.items() if k == 0))
    seen = 0
    while ready:
        node = ready.popleft()
        seen += 1
        for kid in children.get(node, ()):
            if level[node] + 1 > level[kid]:
                level[kid] = level[node] + 1
            indegree[kid] -= 1
            if indegree[kid] == 0:
                ready.append(kid)
    if seen != len(nodes):
        stuck = sorted(n for n, k in indegree.items() if k > 0)
        raise ValidationError(
            N_("The bills of materials contain a cycle among items {items}."),
            field="boms",
            items=", ".join(str(i) for i in stuck),
        )
    return level


def net_sales_plan(
    plan: Iterable[SalesPlanRow], sales: Iterable[OrderedSale], start: date
) -> list[Demand]:
    """The sales plan as demand: per row, its quantity less the sales orders of the item
    dated in its period (never below zero), on the period's start; rows whose period
    ended before ``start`` are past and left out."""
    by_item: dict[int, list[tuple[date, Decimal]]] = {}
    for s in sales:
        by_item.setdefault(s.item_id, []).append((s.on, s.quantity))
    dates: dict[int, list[date]] = {}
    sums: dict[int, list[Decimal]] = {}
    for item_id, rows in by_item.items():
        rows.sort(key=lambda r: r[0])
        dates[item_id] = [r[0] for r in rows]
        running = [ZERO]
        for r in rows:
            running.append(running[-1] + r[1])
        sums[item_id] = running
    out = []
    for row in plan:
        end = row.period_start + timedelta(days=max(row.period_days, 1))
        if end <= start:
            continue
        covered = ZERO
        if row.item_id in dates:
            ds, cs = dates[row.item_id], sums[row.item_id]
            covered = (
                cs[bisect_right(ds, end - timedelta(days=1))]
                - cs[bisect_right(ds, row.period_start - timedelta(days=1))]
            )
        net = row.quantity - covered
        if net > 0:
            out.append(Demand("sales_plan", row.id, row.item_id, row.period_start, net))
    return out


# --- the engine --------------------------------------------------------------------------


class _Need:
    """A demand on an item being planned, with the roots it still hands out."""

    __slots__ = ("kind", "id", "date", "quantity", "roots", "cursor", "used")

    def __init__(
        self,
        kind: str,
        ident: int,
        on: date,
        quantity: Decimal,
        roots: list[tuple[str | None, int | None, Decimal]],
    ) -> None:
        self.kind = kind
        self.id = ident
        self.date = on
        self.quantity = quantity
        self.roots = roots  # (root kind, root id, quantity), summing to quantity
        self.cursor = 0
        self.used = ZERO


class _Order:
    __slots__ = ("number", "quantity", "order_date", "roots")

    def __init__(self, number: int, quantity: Decimal, order_date: date) -> None:
        self.number = number
        self.quantity = quantity
        self.order_date = order_date
        self.roots: list[tuple[str | None, int | None, Decimal]] = []

    def add_root(self, rk: str | None, ri: int | None, q: Decimal) -> None:
        roots = self.roots
        if roots and roots[-1][0] == rk and roots[-1][1] == ri:
            roots[-1] = (rk, ri, roots[-1][2] + q)
        else:
            roots.append((rk, ri, q))


def _sort_key(n: _Need) -> tuple[date, int, int]:
    return (n.date, KIND_RANK.get(n.kind, 9), n.id)


def plan_requirements(snapshot: Snapshot, parameters: Parameters) -> Plan:
    """Net every item level by level over the buckets; see the module's rules."""
    # A run builds a million small objects and frees none: the cyclic garbage collector
    # would walk them all again and again (half the run's time at 5,000 items). Nothing
    # here makes reference cycles worth collecting meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _plan(snapshot, parameters)
    finally:
        if was_enabled:
            gc.enable()


def _plan(snapshot: Snapshot, parameters: Parameters) -> Plan:
    starts = bucket_starts(parameters)
    n = len(starts)
    bucket_of = _Bucketer(parameters, starts)
    items = dict(snapshot.items)

    def plan_item(item_id: int) -> PlanItem:
        found = items.get(item_id)
        if found is None:
            found = items[item_id] = PlanItem(item_id)
        return found

    referenced: set[int] = set(items)
    referenced.update(snapshot.on_hand)
    referenced.update(r.item_id for r in snapshot.receipts)
    referenced.update(d.item_id for d in snapshot.demands)
    levels = low_level_codes(referenced, snapshot.boms)
    for item_id in levels:
        plan_item(item_id)
        if items[item_id].supply not in SUPPLY_TYPES:
            raise ValidationError(
                N_("Item {item}: the supply must be buy, make or phantom, not {supply}."),
                field="supply",
                item=item_id,
                supply=items[item_id].supply,
            )

    # Versions by date, phantoms exploded (memoised per item and version).
    version_dates: dict[int, list[date]] = {}
    version_lists: dict[int, list[BomVersion]] = {}
    for item_id, versions in snapshot.boms.items():
        ordered = sorted(versions, key=lambda v: v.valid_from or date.min)
        version_lists[item_id] = ordered
        version_dates[item_id] = [v.valid_from or date.min for v in ordered]
    exploded: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}

    def components_on(item_id: int, on: date) -> list[tuple[int, Decimal]]:
        vdates = version_dates.get(item_id)
        if not vdates:
            return []
        index = max(bisect_right(vdates, on) - 1, 0)
        key = (item_id, index)
        found = exploded.get(key)
        if found is not None:
            return found
        total: dict[int, Decimal] = {}
        for c in version_lists[item_id][index].components:
            if items.get(c.item_id, PlanItem(c.item_id)).supply == "phantom":
                for cc, q in components_on(c.item_id, on):
                    total[cc] = total.get(cc, ZERO) + q * c.quantity
            else:
                total[c.item_id] = total.get(c.item_id, ZERO) + c.quantity
        result = list(total.items())
        exploded[key] = result
        return result

    needs: dict[int, list[_Need]] = {}

    def add_need(item_id: int, need: _Need) -> None:
        if items[item_id].supply == "phantom":
            # Never stocked or ordered: its components are needed on the same date, for
            # the same demand and roots.
            for cc, per in components_on(item_id, need.date):
                qty = quantity_up(need.quantity * per)
                add_need(
                    cc, _Need(need.kind, need.id, need.date, qty, _scale(need.roots, per, qty))
                )
            return
        needs.setdefault(item_id, []).append(need)

    for d in snapshot.demands:
        if d.quantity <= 0:
            continue
        plan_item(d.item_id)
        root = (d.root_kind or d.kind, d.root_id if d.root_kind else d.id)
        add_need(d.item_id, _Need(d.kind, d.id, d.due_date, d.quantity, [(*root, d.quantity)]))

    receipts: dict[int, list[Receipt]] = {}
    for r in snapshot.receipts:
        if r.quantity > 0 and bucket_of(r.due_date) < n:
            receipts.setdefault(r.item_id, []).append(r)

    grid: list[GridRow] = []
    orders: list[PlannedOrder] = []
    pegs: list[Peg] = []
    by_level = sorted(levels, key=lambda i: (levels[i], i))
    for item_id in by_level:
        it = items[item_id]
        if it.supply == "phantom":
            continue
        item_needs = needs.pop(item_id, [])
        item_receipts = receipts.get(item_id, [])
        on_hand = snapshot.on_hand.get(item_id, ZERO)
        if not item_needs and not item_receipts and not on_hand and not it.safety_stock:
            continue
        _plan_one(
            item_id,
            it,
            item_needs,
            item_receipts,
            on_hand,
            starts,
            bucket_of,
            grid,
            orders,
            pegs,
            add_need,
            components_on,
        )

    return Plan(parameters, starts, levels, grid, orders, pegs)


def _scale(
    roots: list[tuple[str | None, int | None, Decimal]], per: Decimal, total: Decimal
) -> list[tuple[str | None, int | None, Decimal]]:
    """Roots of a quantity times ``per``: cumulative amounts rounded up, so the parts sum
    to exactly ``total`` (= the whole rounded up)."""
    if len(roots) == 1:
        return [(roots[0][0], roots[0][1], total)]
    out: list[tuple[str | None, int | None, Decimal]] = []
    cum_src = ZERO
    prev = ZERO
    last = len(roots) - 1
    for i, (rk, ri, q) in enumerate(roots):
        cum_src += q
        cum = total if i == last else min((cum_src * per).quantize(QUANTUM, ROUND_UP), total)
        part = cum - prev
        prev = cum
        if part > 0:
            if out and out[-1][0] == rk and out[-1][1] == ri:
                out[-1] = (rk, ri, out[-1][2] + part)
            else:
                out.append((rk, ri, part))
    return out


def _plan_one(  # noqa: PLR0913, PLR0912, PLR0915 - the netting loop reads best in one piece
    item_id: int,
    it: PlanItem,
    item_needs: list[_Need],
    item_receipts: list[Receipt],
    on_hand: Decimal,
    starts: tuple[date, ...],
    bucket_of: _Bucketer,
    grid: list[GridRow],
    orders: list[PlannedOrder],
    pegs: list[Peg],
    add_need: Callable[[int, _Need], None],
    components_on: Callable[[int, date], list[tuple[int, Decimal]]],
) -> None:
    n = len(starts)
    item_needs.sort(key=_sort_key)
    need_buckets = [bucket_of(x.date) for x in item_needs]
    item_receipts = sorted(item_receipts, key=lambda r: (r.due_date, r.id))
    receipt_buckets = [bucket_of(r.due_date) for r in item_receipts]
    safety = it.safety_stock
    action = "make" if it.supply == "make" else "buy"
    lead = timedelta(days=it.lead_time_days)

    # Supplies in queue order: [remaining, planned order or None].
    queue: deque[list] = deque()
    if on_hand - safety > 0:
        queue.append([on_hand - safety, None])
    deficit = safety - on_hand if safety > on_hand else ZERO
    available = on_hand - safety
    made: list[_Order] = []
    ni = ri = 0
    # Demands beyond the horizon (bucket n) are never reached: not planned.
    n_needs, n_receipts = len(item_needs), len(item_receipts)
    for b in range(n):
        gross = ZERO
        first_need = ni
        while ni < n_needs and need_buckets[ni] == b:
            gross += item_needs[ni].quantity
            ni += 1
        scheduled = ZERO
        while ri < n_receipts and receipt_buckets[ri] == b:
            q = item_receipts[ri].quantity
            scheduled += q
            queue.append([q, None])
            ri += 1
        available += scheduled - gross
        net = planned = ZERO
        if available < 0:
            net = -available
            planned = lot_size(net, it.minimum_quantity, it.order_multiple)
            available += planned
            due = starts[b]
            order = _Order(len(orders), planned, due - lead)
            orders.append(PlannedOrder(order.number, item_id, action, planned, due - lead, due))
            made.append(order)
            queue.append([planned, order])
        grid.append(GridRow(item_id, starts[b], gross, scheduled, available + safety, net, planned))
        # Peg: the safety stock missing at the start first, then the bucket's demands.
        if deficit > 0:
            deficit = _allocate(queue, None, deficit, pegs)
        for k in range(first_need, ni):
            _allocate(queue, item_needs[k], item_needs[k].quantity, pegs)
    # What no demand took: the surplus of lot sizing, no root.
    for rest, order in queue:
        if order is not None and rest > 0:
            order.add_root(None, None, rest)
    if action == "make":
        for order in made:
            for comp, per in components_on(item_id, order.order_date):
                qty = (order.quantity * per).quantize(QUANTUM, ROUND_UP)
                if qty > 0:
                    add_need(
                        comp,
                        _Need(
                            "planned_order",
                            order.number,
                            order.order_date,
                            qty,
                            _scale(order.roots, per, qty),
                        ),
                    )


def _allocate(queue: deque[list], need: _Need | None, amount: Decimal, pegs: list[Peg]) -> Decimal:
    """Take ``amount`` for ``need`` (None: the safety stock) from the head of the queue;
    returns what the queue could not give (0 when the netting is right).

    The hottest loop of a run (once per supply a demand takes from, and per root): the
    demand's ``take`` and the order's ``add_root`` are written out in it."""
    if need is None:
        while amount > 0 and queue:
            head = queue[0]
            take = head[0] if head[0] <= amount else amount
            if head[1] is not None:
                head[1].add_root(None, None, take)
            head[0] -= take
            amount -= take
            if head[0] <= 0:
                queue.popleft()
        return amount
    roots = need.roots
    n_roots = len(roots)
    cursor, used = need.cursor, need.used
    kind, ident, on = need.kind, need.id, need.date
    while amount > 0 and queue:
        head = queue[0]
        take = head[0] if head[0] <= amount else amount
        order: _Order | None = head[1]
        head[0] -= take
        amount -= take
        if head[0] <= 0:
            queue.popleft()
        if order is None:
            while take > 0 and cursor < n_roots:
                left = roots[cursor][2] - used
                if left <= take:
                    take -= left
                    cursor += 1
                    used = ZERO
                else:
                    used += take
                    take = ZERO
            continue
        number = order.number
        oroots = order.roots
        while take > 0 and cursor < n_roots:
            rk, ri, rq = roots[cursor]
            left = rq - used
            if left <= take:
                q = left
                take -= left
                cursor += 1
                used = ZERO
            else:
                q = take
                used += take
                take = ZERO
            if oroots and oroots[-1][0] == rk and oroots[-1][1] == ri:
                oroots[-1] = (rk, ri, oroots[-1][2] + q)
            else:
                oroots.append((rk, ri, q))
            pegs.append(Peg(number, kind, ident, on, q, rk, ri))
    need.cursor, need.used = cursor, used
    return amount
