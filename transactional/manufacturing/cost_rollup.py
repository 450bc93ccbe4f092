"""Cost prices of made items, rolled up over all BOM levels in a scenario
(docs/manufacturing.md §2), previewed and applied.

Per unit of a made item, for its BOM valid on ``on`` (``bom_explosion``):

- material = Σ component quantity per unit (scrap included; phantoms exploded) × the
  component's unit cost: a made component's own rolled-up cost (unrounded, in the same
  scenario), a bought one's by the scenario's price basis;
- labour / machine = Σ operations (setup + run hours per unit) / (efficiency / 100) ×
  the work centre's rate; outsourced = Σ outsourced prices per unit;
- overhead (scenario ``with_surcharges``) = material × material surcharge % + (labour +
  machine) × conversion surcharge %.

The cost price is the sum, rounded half-up to the currency's decimals: the only rounding.

``calculate_cost_prices`` writes nothing (right ``view_reports``: it only reads);
``apply_cost_prices`` (right ``manage_items``) stores the rows in ``item_cost_price`` and
gives each standard-cost item whose cost price differs from its standard cost the new one
through ``stock.standard_cost.change_standard_cost`` (its stock on hand is revalued there:
inventory against stock differences). Items valued at moving average are listed and left
alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing.bom_explosion import (
    bom_for,
    component_graph,
    explode,
    low_level_codes_of,
    supplies,
)
from transactional.manufacturing.cost_scenarios import find_cost_scenario
from transactional.manufacturing.models import CostScenario, ItemCostPrice, WorkCentre
from transactional.money import round_money
from transactional.organisation import rights
from transactional.organisation.models import Division, User
from transactional.purchasing.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
)
from transactional.stock.models import StockValuation
from transactional.stock.standard_cost import change_standard_cost
from transactional.wholesale.items import find_item
from transactional.wholesale.models import Item

HUNDRED = Decimal(100)
MADE = ("make",)


@dataclass(frozen=True)
class CostPriceRow:
    """One made item's calculated cost price per unit (cost types unrounded), beside its
    current standard cost. ``level``: its low-level code (0 = top). ``entry_id``: the
    revaluation entry ``apply_cost_prices`` posted for it (None: none)."""

    item_id: int
    item_code: str
    item_name: str
    level: int
    bom_id: int
    bom_version: str
    cost_method: str
    material: Decimal
    labour: Decimal
    machine: Decimal
    outsourced: Decimal
    overhead: Decimal
    cost_price: Decimal
    current_standard_cost: Decimal
    entry_id: int | None = None

    @property
    def difference(self) -> Decimal:
        return self.cost_price - self.current_standard_cost

    @property
    def changed(self) -> bool:
        return self.difference != 0


def calculate_cost_prices(
    *,
    session: Session,
    user: User,
    division: str | int,
    scenario: str | int,
    on: date | str,
    items: list[str | int] | None = None,
    changed_only: bool = False,
) -> list[CostPriceRow]:
    """The preview: a row per made item (``items`` and every made item below them; all
    made items of the division when None), deepest level first. ``changed_only`` keeps
    the rows whose cost price differs from the current standard cost. Writes nothing."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, "view_reports", div.id)
    rows = _calculate(session, lookups, div, scenario, on, items)
    return [r for r in rows if r.changed] if changed_only else rows


def apply_cost_prices(
    *,
    session: Session,
    user: User,
    division: str | int,
    scenario: str | int,
    on: date | str,
    items: list[str | int] | None = None,
    reason: str = "",
) -> list[CostPriceRow]:
    """Calculate, store every row in ``item_cost_price`` (one per scenario and item), and
    make the cost price the standard cost of each standard-cost item whose standard
    differs, revaluing its stock on hand (dated ``on``). Returns the rows, each with the
    revaluation entry posted for it."""
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, "manage_items", div.id)
    day = parse_date(on, field="on", label="Date")
    chosen = find_cost_scenario(session, div, scenario)
    rows = _calculate(session, lookups, div, chosen, day, items)
    applied: list[CostPriceRow] = []
    for row in rows:
        entry_id = None
        if row.cost_method == "standard" and row.changed:
            entry = change_standard_cost(
                session=session,
                user=user,
                division=div.code,
                item=row.item_id,
                new_cost=row.cost_price,
                on=day,
                reason=reason or f"cost prices {chosen.code}",
            )
            entry_id = entry.id if entry is not None else None
        _store(session, user, div, chosen, day, row)
        applied.append(replace(row, entry_id=entry_id))
    session.flush()
    return applied


def _store(
    session: Session, user: User, div: Division, scenario: CostScenario, on: date, row: CostPriceRow
) -> None:
    stored = session.exec(
        select(ItemCostPrice).where(
            ItemCostPrice.scenario_id == scenario.id, ItemCostPrice.item_id == row.item_id
        )
    ).first() or ItemCostPrice(
        division_id=div.id or 0,
        scenario_id=scenario.id or 0,
        item_id=row.item_id,
        calculated_on=on,
    )
    stored.bom_id = row.bom_id
    stored.calculated_on = on
    stored.material = row.material
    stored.labour = row.labour
    stored.machine = row.machine
    stored.outsourced = row.outsourced
    stored.overhead = row.overhead
    stored.cost_price = row.cost_price
    # Applied: the item's standard cost is now this cost price (average items: never).
    standard = row.cost_method == "standard"
    stored.applied_on = on if standard else None
    stored.applied_by = user.id if standard else None
    session.add(stored)


# --- the roll-up ----------------------------------------------------------------------------


def _calculate(
    session: Session,
    lookups: Lookups,
    div: Division,
    scenario: str | int | CostScenario,
    on: date | str,
    items: list[str | int] | None,
) -> list[CostPriceRow]:
    assert div.id is not None
    day = parse_date(on, field="on", label="Date")
    chosen = (
        scenario
        if isinstance(scenario, CostScenario)
        else find_cost_scenario(session, div, scenario)
    )
    supply = supplies(session, div.id)
    graph = component_graph(session, div.id)
    levels = low_level_codes_of(graph)
    if items is None:
        wanted = {item_id for item_id, kind in supply.items() if kind in MADE}
    else:
        wanted = set()
        for n, ref in enumerate(items, start=1):
            target = find_item(lookups, div, ref, field=f"items.{n}")
            assert target.id is not None
            if supply.get(target.id, "buy") not in MADE:
                raise ValidationError(
                    N_("Item {item} is not made here; only made items have a cost price."),
                    field=f"items.{n}",
                    item=target.code,
                )
            wanted.add(target.id)
        # The made items below them, to every level: their cost prices go into these.
        stack = list(wanted)
        while stack:
            for child in graph.get(stack.pop(), ()):
                if supply.get(child) in MADE and child not in wanted:
                    wanted.add(child)
                    stack.append(child)
    calc = _Rollup(session, lookups, div, chosen, day, supply)
    item_rows = {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(wanted))).all()}
    ordered = sorted(wanted, key=lambda i: (-levels.get(i, 0), item_rows[i].code))
    rows: list[CostPriceRow] = []
    for item_id in ordered:
        item = item_rows[item_id]
        cost = calc.cost(item_id)
        rows.append(
            CostPriceRow(
                item_id=item_id,
                item_code=item.code,
                item_name=item.name,
                level=levels.get(item_id, 0),
                bom_id=cost.bom_id,
                bom_version=cost.bom_version,
                cost_method=item.cost_method,
                material=cost.material,
                labour=cost.labour,
                machine=cost.machine,
                outsourced=cost.outsourced,
                overhead=cost.overhead,
                cost_price=round_money(cost.total, calc.decimals),
                current_standard_cost=item.standard_cost,
            )
        )
    return rows


@dataclass(frozen=True)
class _Cost:
    bom_id: int
    bom_version: str
    material: Decimal
    labour: Decimal
    machine: Decimal
    outsourced: Decimal
    overhead: Decimal

    @property
    def total(self) -> Decimal:
        return self.material + self.labour + self.machine + self.outsourced + self.overhead


class _Rollup:
    """Unit costs in one scenario on one day, each item computed once (memoised)."""

    def __init__(
        self,
        session: Session,
        lookups: Lookups,
        div: Division,
        scenario: CostScenario,
        on: date,
        supply: dict[int, str],
    ) -> None:
        self.session, self.lookups, self.div = session, lookups, div
        self.scenario, self.on, self.supply = scenario, on, supply
        self.decimals = lookups.currency(div.currency_code).decimals
        self.made: dict[int, _Cost] = {}
        self.bought: dict[int, Decimal] = {}
        self.centres: dict[int, WorkCentre] = {}

    def cost(self, item_id: int) -> _Cost:
        found = self.made.get(item_id)
        if found is not None:
            return found
        bom = bom_for(self.session, item_id, self.on)
        if bom is None:
            item = self.session.get(Item, item_id)
            raise ValidationError(
                N_("Item {item} is made but has no bill of materials valid on {date}."),
                field="items",
                item=item.code if item is not None else item_id,
                date=self.on.isoformat(),
            )
        assert bom.id is not None
        components, operations = explode(self.session, bom, self.on)
        material = sum(
            (need.quantity_per_unit * self.unit_cost(need.item_id) for need in components),
            Decimal(0),
        )
        labour = machine = outsourced = Decimal(0)
        for step in operations:
            outsourced += step.outsourced_price_per_unit
            if step.work_centre_id is None:
                continue
            centre = self.centre(step.work_centre_id)
            hours = (step.setup_hours_per_unit + step.run_hours_per_unit) / (
                centre.efficiency_pct / HUNDRED
            )
            labour += hours * centre.labour_rate
            machine += hours * centre.machine_rate
        overhead = Decimal(0)
        if self.scenario.with_surcharges:
            overhead = (
                material * self.scenario.material_surcharge_pct / HUNDRED
                + (labour + machine) * self.scenario.conversion_surcharge_pct / HUNDRED
            )
        result = _Cost(bom.id, bom.version, material, labour, machine, outsourced, overhead)
        self.made[item_id] = result
        return result

    def unit_cost(self, item_id: int) -> Decimal:
        """A component's unit cost: rolled up when made, by price basis when bought."""
        if self.supply.get(item_id) in MADE:
            return self.cost(item_id).total
        if item_id not in self.bought:
            self.bought[item_id] = self.bought_cost(item_id)
        return self.bought[item_id]

    def bought_cost(self, item_id: int) -> Decimal:
        item = self.session.get(Item, item_id)
        assert item is not None
        basis = self.scenario.price_basis
        if basis == "standard":
            return item.standard_cost
        if basis == "average":
            valuation = self.session.exec(
                select(StockValuation).where(StockValuation.item_id == item_id)
            ).first()
            if valuation is not None and valuation.quantity > 0:
                return valuation.value / valuation.quantity
            if valuation is not None and valuation.last_unit_cost > 0:
                return valuation.last_unit_cost
            return item.purchase_price
        # latest_purchase: the last receipt on or before the day, else the last order.
        receipt = self.session.exec(
            select(col(GoodsReceiptLine.value), col(GoodsReceiptLine.quantity))
            .join(GoodsReceipt, col(GoodsReceipt.id) == GoodsReceiptLine.receipt_id)
            .where(
                GoodsReceiptLine.item_id == item_id,
                col(GoodsReceipt.receipt_date) <= self.on,
                col(GoodsReceiptLine.quantity) > 0,
            )
            .order_by(col(GoodsReceipt.receipt_date).desc(), col(GoodsReceiptLine.id).desc())
        ).first()
        if receipt is not None:
            value, qty = receipt
            return value / qty
        ordered = self.session.exec(
            select(
                col(PurchaseOrderLine.unit_price),
                col(PurchaseOrder.currency_code),
                col(PurchaseOrder.order_date),
            )
            .join(PurchaseOrder, col(PurchaseOrder.id) == PurchaseOrderLine.order_id)
            .where(PurchaseOrderLine.item_id == item_id, col(PurchaseOrder.order_date) <= self.on)
            .order_by(col(PurchaseOrder.order_date).desc(), col(PurchaseOrderLine.id).desc())
        ).first()
        if ordered is not None:
            price, currency, day = ordered
            return price * self.lookups.rate(currency, self.div.currency_code, day)
        return item.purchase_price

    def centre(self, centre_id: int) -> WorkCentre:
        if centre_id not in self.centres:
            found = self.session.get(WorkCentre, centre_id)
            assert found is not None
            self.centres[centre_id] = found
        return self.centres[centre_id]
