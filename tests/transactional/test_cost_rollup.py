"""Cost price roll-up (docs/manufacturing.md §2), worked by hand, on SQLite and PostgreSQL.

The product structure (division HOLD, EUR):

    P (made, standard cost 100.00), batch 1:
        2 S, 3 R1 with 10 % scrap
        10: WC1 setup 0.2 h + run 0.6 h;  20: outsourced to S1 at 4.00 per unit
    S (made, standard cost 20.00), batch 4:
        8 R2, 2 R3 with 25 % scrap, 4 K (phantom)
        10: WC2 setup 0.4 h + run 1.2 h
    K (phantom), batch 1:  2 R4;  10: WC1 run 0.1 h
    T (made, valued at moving average; stored standard 6.05), batch 1:  1 R1

    WC1: labour 40.00/h, machine 10.00/h, efficiency 80 %
    WC2: labour 30.00/h, machine 50.00/h, efficiency 100 %

Bought prices:        R1     R2     R3     R4
  last receipt       5.50     -      -      -     (a later order at 6.00 is not received)
  last order           -    3.00     -      -
  purchase price     5.00   2.50   1.20   0.50
  standard cost      5.00   2.80   1.00   0.40

On hand (received 2025-03-05): 10 S at 20.00, 3 P at 100.00, 5 T at 7.00, 10 R1.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.transactional.company import user
from tests.transactional.test_purchasing_flow import balance, po, receive, stock_value
from tests.transactional.test_standard_cost import amounts
from transactional.database import make_engine, session_scope
from transactional.errors import DomainError, PermissionDenied
from transactional.finance.models import JournalEntry
from transactional.manufacturing import boms, cost_scenarios, item_planning, work_centres
from transactional.manufacturing.boms import BomLineDraft as L
from transactional.manufacturing.boms import OperationDraft as Op
from transactional.manufacturing.cost_rollup import (
    CostPriceRow,
    apply_cost_prices,
    calculate_cost_prices,
)
from transactional.manufacturing.models import ItemCostPrice
from transactional.purchasing.orders import PurchaseLineDraft as Line
from transactional.stock.models import StockMovement, StockValuation
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

D = Decimal
ITEMS = [
    # code, supply, cost method, standard cost, purchase price
    ("P", "make", "standard", "100.00", "100.00"),
    ("S", "make", "standard", "20.00", "20.00"),
    ("T", "make", "average", "6.05", "7.00"),
    ("K", "phantom", "average", "0", "0"),
    ("R1", "buy", "average", "5.00", "5.00"),
    ("R2", "buy", "average", "2.80", "2.50"),
    ("R3", "buy", "average", "1.00", "1.20"),
    ("R4", "buy", "average", "0.40", "0.50"),
]


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        for code, supply, method, standard, purchase in ITEMS:
            wi.create_item(
                session=s,
                user=admin,
                division="HOLD",
                code=code,
                name=f"Item {code}",
                cost_method=method,
                standard_cost=standard,
                purchase_price=purchase,
            )
            item_planning.set_item_planning(
                session=s, user=admin, division="HOLD", item=code, supply=supply
            )
        for code, labour, machine, efficiency in (
            ("WC1", "40.00", "10.00", "80"),
            ("WC2", "30.00", "50.00", "100"),
        ):
            work_centres.create_work_centre(
                session=s,
                user=admin,
                division="HOLD",
                code=code,
                name=code,
                labour_rate=labour,
                machine_rate=machine,
                efficiency_pct=efficiency,
            )
        structure = [
            ("K", "1", [L("R4", "2")], [Op(10, "WC1", "0", "0.1")]),
            (
                "S",
                "4",
                [L("R2", "8"), L("R3", "2", "25"), L("K", "4")],
                [Op(10, "WC2", "0.4", "1.2")],
            ),
            (
                "P",
                "1",
                [L("S", "2"), L("R1", "3", "10")],
                [Op(10, "WC1", "0.2", "0.6"), Op(20, supplier="S1", outsourced_price="4.00")],
            ),
            ("T", "1", [L("R1", "1")], []),
        ]
        for item, batch, lines, ops in structure:
            boms.create_bom(
                session=s,
                user=admin,
                division="HOLD",
                item=item,
                version="1",
                valid_from="2025-01-01",
                batch_quantity=batch,
                lines=lines,
                operations=ops,
            )
        for code, basis, surcharges in (
            ("LP", "latest_purchase", True),
            ("LPN", "latest_purchase", False),
            ("STD", "standard", True),
        ):
            cost_scenarios.create_cost_scenario(
                session=s,
                user=admin,
                division="HOLD",
                code=code,
                name=code,
                price_basis=basis,
                with_surcharges=surcharges,
                material_surcharge_pct="10",
                conversion_surcharge_pct="20",
            )
        stocked = po(
            s,
            [
                Line("R1", "10", "5.50"),
                Line("S", "10", "20.00"),
                Line("P", "3", "100.00"),
                Line("T", "5", "7.00"),
            ],
        )
        receive(s, stocked.id, "2025-03-05")
        po(s, [Line("R2", "5", "3.00")])  # ordered, not received
        po(s, [Line("R1", "5", "6.00")], on="2025-03-10")  # later, but not received
    yield eng
    eng.dispose()


def figures(rows: list[CostPriceRow]) -> list[tuple]:
    return [
        (
            r.item_code,
            r.material,
            r.labour,
            r.machine,
            r.outsourced,
            r.overhead,
            r.cost_price,
            r.current_standard_cost,
        )
        for r in rows
    ]


def preview(s: Session, scenario: str, who: str = "analyst", **kw) -> list[CostPriceRow]:
    return calculate_cost_prices(
        session=s, user=user(s, who), division="HOLD", scenario=scenario, on="2025-04-01", **kw
    )


# Latest purchase price, surcharges 10 % on material and 20 % on labour + machine.
# S per unit (batch 4):
#   material  R2 8/4 = 2 x 3.00 (last order)                     = 6.00
#             R3 2/4 x 1.25 = 0.625 x 1.20 (purchase price)       = 0.75
#             K 4/4 = 1 per S -> R4 1 x 2 = 2 x 0.50              = 1.00   -> 7.75
#   WC2       (0.4 + 1.2) / 4 = 0.4 h / 1.00: labour 12.00, machine 20.00
#   K's step  0.1 h x 1 K per S / 0.80 = 0.125 h: labour 5.00, machine 1.25
#             labour 17.00, machine 21.25
#   overhead  7.75 x 10 % + (17.00 + 21.25) x 20 % = 0.775 + 7.65 = 8.425
#   total     7.75 + 17 + 21.25 + 8.425 = 54.425 -> 54.43 (half up)
# P per unit (batch 1):
#   material  S 2 x 54.425 (unrounded) = 108.85; R1 3 x 1.10 = 3.3 x 5.50 (last receipt)
#             = 18.15                                                       -> 127.00
#   WC1       (0.2 + 0.6) / 1 / 0.80 = 1.0 h: labour 40.00, machine 10.00
#   outsourced 4.00
#   overhead  127.00 x 10 % + 50.00 x 20 % = 12.70 + 10.00 = 22.70
#   total     127 + 40 + 10 + 4 + 22.70 = 203.70
# T: material 1 x 5.50; overhead 0.55; total 6.05 (its stored standard: no change).
LATEST_PURCHASE = [
    ("S", D("7.75"), D("17"), D("21.25"), D(0), D("8.425"), D("54.43"), D("20.00")),
    ("P", D("127.00"), D("40"), D("10"), D("4"), D("22.70"), D("203.70"), D("100.00")),
    ("T", D("5.50"), D(0), D(0), D(0), D("0.55"), D("6.05"), D("6.05")),
]
# The same without surcharges (the scenario's percentages are ignored):
# S 7.75 + 17 + 21.25 = 46.00; P material 2 x 46.00 + 18.15 = 110.15, + 40 + 10 + 4 = 164.15;
# T 5.50.
LATEST_PURCHASE_NO_SURCHARGES = [
    ("S", D("7.75"), D("17"), D("21.25"), D(0), D(0), D("46.00"), D("20.00")),
    ("P", D("110.15"), D("40"), D("10"), D("4"), D(0), D("164.15"), D("100.00")),
    ("T", D("5.50"), D(0), D(0), D(0), D(0), D("5.50"), D("6.05")),
]


def test_latest_purchase_with_and_without_surcharges_by_hand(engine) -> None:
    with session_scope(engine) as s:
        before = s.exec(select(func.count()).select_from(ItemCostPrice)).one()
        entries = s.exec(select(func.count()).select_from(JournalEntry)).one()
        rows = preview(s, "LP")
        assert figures(rows) == LATEST_PURCHASE
        assert [(r.level, r.bom_version, r.cost_method) for r in rows] == [
            (1, "1", "standard"),
            (0, "1", "standard"),
            (0, "1", "average"),
        ]
        assert [r.difference for r in rows] == [D("34.43"), D("103.70"), D(0)]
        # Only what changed; a named item brings the made items below it.
        assert [r.item_code for r in preview(s, "LP", changed_only=True)] == ["S", "P"]
        assert [r.item_code for r in preview(s, "LP", items=["P"])] == ["S", "P"]
        assert [r.item_code for r in preview(s, "LP", items=["S"])] == ["S"]
        assert figures(preview(s, "LPN")) == LATEST_PURCHASE_NO_SURCHARGES
        # The preview wrote nothing.
        assert s.exec(select(func.count()).select_from(ItemCostPrice)).one() == before == 0
        assert s.exec(select(func.count()).select_from(JournalEntry)).one() == entries


# Standard cost basis, with surcharges:
# S material 2 x 2.80 + 0.625 x 1.00 + 2 x 0.40 = 5.60 + 0.625 + 0.80 = 7.025
#   overhead 0.7025 + 38.25 x 20 % = 0.7025 + 7.65 = 8.3525
#   total 7.025 + 17 + 21.25 + 8.3525 = 53.6275 -> 53.63
# P material 2 x 53.6275 = 107.255 + 3.3 x 5.00 = 16.50 -> 123.755
#   overhead 12.3755 + 10.00 = 22.3755; total 123.755 + 54 + 22.3755 = 200.1305 -> 200.13
#   (S rounded first would give 2 x 53.63: 200.136 -> 200.14: the roll-up is unrounded)
# T 5.00 + 0.50 = 5.50.
STANDARD = [
    ("S", D("7.025"), D("17"), D("21.25"), D(0), D("8.3525"), D("53.63"), D("54.43")),
    ("P", D("123.755"), D("40"), D("10"), D("4"), D("22.3755"), D("200.13"), D("203.70")),
    ("T", D("5.00"), D(0), D(0), D(0), D("0.50"), D("5.50"), D("6.05")),
]


def standard_of(s: Session, code: str) -> tuple[str, Decimal, Decimal]:
    item = s.exec(select(Item).where(Item.code == code)).one()
    valuation = s.exec(select(StockValuation).where(StockValuation.item_id == item.id)).one()
    return item.cost_method, item.standard_cost, valuation.value


def test_apply_revalues_the_standard_cost_items_and_leaves_average_ones(engine) -> None:
    # An analyst may look, not apply; a refusal writes nothing.
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        apply_cost_prices(
            session=s, user=user(s, "analyst"), division="HOLD", scenario="LP", on="2025-04-01"
        )
    # Before the last stock movement of S: the stock core refuses, nothing is kept.
    with pytest.raises(DomainError), session_scope(engine) as s:
        apply_cost_prices(
            session=s, user=user(s, "accountant"), division="HOLD", scenario="LP", on="2025-03-01"
        )
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(ItemCostPrice)).one() == 0
        assert standard_of(s, "S") == ("standard", D("20.00"), D("200.00"))

    with session_scope(engine) as s:
        applied = apply_cost_prices(
            session=s, user=user(s, "accountant"), division="HOLD", scenario="LP", on="2025-04-01"
        )
        assert figures(applied) == LATEST_PURCHASE
        by_code = {r.item_code: r for r in applied}
        # S: 10 on hand x (54.43 - 20.00) = 344.30; P: 3 x (203.70 - 100.00) = 311.10.
        assert amounts(s, by_code["S"].entry_id) == {"3000": D("344.30"), "7100": D("-344.30")}
        assert amounts(s, by_code["P"].entry_id) == {"3000": D("311.10"), "7100": D("-311.10")}
        assert by_code["T"].entry_id is None
        assert standard_of(s, "S") == ("standard", D("54.43"), D("544.30"))
        assert standard_of(s, "P") == ("standard", D("203.70"), D("611.10"))
        assert standard_of(s, "T") == ("average", D("6.05"), D("35.00"))
        stored = {
            s.get(Item, c.item_id).code: c  # type: ignore[union-attr]
            for c in s.exec(select(ItemCostPrice)).all()
        }
        assert (
            stored["S"].material,
            stored["S"].overhead,
            stored["S"].cost_price,
            str(stored["S"].applied_on),
        ) == (D("7.75"), D("8.425"), D("54.43"), "2025-04-01")
        assert stored["T"].cost_price == D("6.05") and stored["T"].applied_on is None
        # Applied: nothing left to change in this scenario.
        assert preview(s, "LP", changed_only=True) == []

    with session_scope(engine) as s:
        assert figures(preview(s, "STD")) == STANDARD
        applied = apply_cost_prices(
            session=s, user=user(s, "admin"), division="HOLD", scenario="STD", on="2025-04-02"
        )
        by_code = {r.item_code: r for r in applied}
        # S: 10 x (53.63 - 54.43) = -8.00; P: 3 x (200.13 - 203.70) = -10.71.
        assert amounts(s, by_code["S"].entry_id) == {"3000": D("-8.00"), "7100": D("8.00")}
        assert amounts(s, by_code["P"].entry_id) == {"3000": D("-10.71"), "7100": D("10.71")}
        # T's cost price differs (5.50 against 6.05), but it is valued at average: untouched.
        assert by_code["T"].changed and by_code["T"].entry_id is None
        assert standard_of(s, "T") == ("average", D("6.05"), D("35.00"))
        assert (
            s.exec(
                select(func.count())
                .select_from(StockMovement)
                .join(Item)
                .where(Item.code == "T", StockMovement.movement_type == "revaluation")
            ).one()
            == 0
        )
        assert standard_of(s, "P") == ("standard", D("200.13"), D("600.39"))
        # One row per scenario and item.
        assert s.exec(select(func.count()).select_from(ItemCostPrice)).one() == 6
        # The stock movements still add up to the stock account.
        assert stock_value(s) == balance(s, "3000")
