"""Manufacturing master data (docs/manufacturing.md §1) on SQLite and PostgreSQL: BOM
cycles refused with their path, the version valid on a date, phantoms exploded into
their parent, bad input refused naming the line and writing nothing, rights; migration
0012 on a database whose standard chart predates it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, select

from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.transactional.company import user
from tests.transactional.test_standard_cost import amounts
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance.lookups import Lookups
from transactional.manufacturing import boms, cost_scenarios, item_planning, work_centres
from transactional.manufacturing.bom_explosion import (
    ComponentNeed,
    OperationNeed,
    bom_for,
    explode,
    low_level_codes,
)
from transactional.manufacturing.boms import BomLineDraft as L
from transactional.manufacturing.boms import OperationDraft as Op
from transactional.manufacturing.models import (
    BillOfMaterials,
    BomLine,
    BomOperation,
    CostScenario,
    ItemPlanning,
    WorkCentre,
)
from transactional.migrate import upgrade
from transactional.organisation import rights
from transactional.stock.movements import Movement, post_stock
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

D = Decimal
SUPPLY = {"A": "make", "B": "make", "C": "make", "K": "phantom"}


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        for code in ("A", "B", "C", "K", "R1", "R2", "R4"):
            wi.create_item(session=s, user=admin, division="HOLD", code=code, name=code)
            item_planning.set_item_planning(
                session=s, user=admin, division="HOLD", item=code, supply=SUPPLY.get(code, "buy")
            )
        work_centres.create_work_centre(
            session=s,
            user=admin,
            division="HOLD",
            code="WC1",
            name="Assembly",
            labour_rate="40.00",
            machine_rate="10",
            efficiency_pct="80",
        )
    yield eng
    eng.dispose()


def ids(s: Session) -> dict[str, int]:
    return {i.code: i.id or 0 for i in s.exec(select(Item)).all()}


def bom(s: Session, item: str, version: str, start: str, lines, ops=(), **kw) -> BillOfMaterials:
    return boms.create_bom(
        session=s,
        user=user(s, "accountant"),
        division="HOLD",
        item=item,
        version=version,
        valid_from=start,
        lines=list(lines),
        operations=list(ops),
        **kw,
    )


def counts(engine) -> tuple[int, ...]:
    with session_scope(engine) as s:
        return tuple(
            s.exec(select(func.count()).select_from(m)).one()
            for m in (BillOfMaterials, BomLine, BomOperation, WorkCentre, ItemPlanning)
        )


def test_a_cycle_is_refused_with_its_path_through_any_version(engine) -> None:
    with session_scope(engine) as s:
        bom(s, "A", "1", "2025-01-01", [L("B", "1")])
        bom(s, "B", "1", "2025-01-01", [L("R1", "2")])
        # The cycle runs through C's second version, not valid yet and not the default.
        bom(s, "B", "2", "2025-06-01", [L("C", "1")])
        bom(s, "C", "1", "2025-01-01", [L("R2", "1")])
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        boms.replace_bom_lines(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            item="C",
            version="1",
            lines=[L("R2", "1"), L("A", "1")],
        )
    assert err.value.field == "lines.2.component"
    assert err.value.message == "Line 2: component A contains C itself: C → A → B → C."
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        bom(s, "C", "2", "2025-02-01", [L("C", "1")])
    assert err.value.message == "Line 1: item C cannot be a component of itself."
    assert counts(engine) == before
    # Without the cycle the same replacement goes through.
    with session_scope(engine) as s:
        boms.replace_bom_lines(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            item="C",
            version="1",
            lines=[L("R2", "3"), L("R4", "1")],
        )
        c1 = bom_for(s, ids(s)["C"], date(2025, 3, 1))
        assert c1 is not None
        lines = s.exec(select(BomLine).where(BomLine.bom_id == c1.id)).all()
        assert [(ln.line_number, ln.quantity) for ln in lines] == [(1, D(3)), (2, D(1))]
        # Low-level codes: A 0, B 1, C 2 (through B's version 2), R1 2, R2 and R4 3.
        codes = low_level_codes(s, c1.division_id)
        i = ids(s)
        assert {code: codes[i[code]] for code in ("A", "B", "C", "R1", "R2", "R4")} == {
            "A": 0,
            "B": 1,
            "C": 2,
            "R1": 2,
            "R2": 3,
            "R4": 3,
        }


def test_the_version_valid_on_a_date_and_one_default_per_item(engine) -> None:
    with session_scope(engine) as s:
        # The first version is the default whatever is asked.
        v1 = bom(s, "A", "v1", "2025-01-01", [L("R1", "1")], valid_to="2025-12-31")
        v2 = bom(s, "A", "v2", "2025-06-01", [L("R1", "2")])
        v3 = bom(s, "A", "v3", "2026-01-01", [L("R1", "3")])
        assert (v1.is_default, v2.is_default, v3.is_default) == (True, False, False)
        a = ids(s)["A"]

        def valid(day: str) -> str | None:
            found = bom_for(s, a, date.fromisoformat(day))
            return found.version if found else None

        assert valid("2024-12-31") is None
        assert valid("2025-03-01") == "v1"
        assert valid("2025-07-01") == "v1"  # the default, while it is valid
        assert valid("2025-12-31") == "v1"  # valid_to is the last valid day
        assert valid("2026-02-01") == "v3"  # default expired: the latest start
        assert bom_for(s, a, date(2020, 1, 1), version="v2") is v2  # named: any date
        assert bom_for(s, a, date(2025, 1, 1), version="v9") is None
        boms.set_default_bom(
            session=s, user=user(s, "accountant"), division="HOLD", item="A", version="v2"
        )
        defaults = s.exec(
            select(BillOfMaterials.version).where(
                BillOfMaterials.item_id == a,
                BillOfMaterials.is_default == True,  # noqa: E712
            )
        ).all()
        assert defaults == ["v2"]
        assert valid("2025-03-01") == "v1"  # v2 not valid yet
        assert valid("2025-07-01") == "v2"
        assert valid("2026-02-01") == "v2"
        # Making a new version the default takes it from v2.
        v4 = bom(s, "A", "v4", "2027-01-01", [L("R1", "4")], is_default=True)
        assert v4.is_default and not v2.is_default
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        bom(s, "A", "v5", "2025-06-01", [L("R1", "1")])
    assert err.value.field == "valid_from"
    assert err.value.message == (
        "Version v2 of item A also starts on 2025-06-01; versions of one item start on "
        "different days."
    )
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        bom(s, "A", "v1", "2028-01-01", [L("R1", "1")])
    assert err.value.message == "Item A already has a bill of materials version v1."
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        bom(s, "R1", "1", "2025-01-01", [L("R2", "1")])
    assert err.value.field == "item"
    assert counts(engine) == before


def test_a_phantom_is_replaced_by_its_components_and_operations(engine) -> None:
    with session_scope(engine) as s:
        s1 = "S1"
        # K (phantom, batch 1): 3 R4 per unit; a step on WC1 of 0.5 h setup + 0.2 h run.
        bom(s, "K", "1", "2025-01-01", [L("R4", "3")], [Op(10, "WC1", "0.5", "0.2")])
        # A, for a batch of 2: 2 B, 1 K with 10 % scrap, 4 R1; assembly and a supplier's step.
        a = bom(
            s,
            "A",
            "1",
            "2025-01-01",
            [L("B", "2"), L("K", "1", "10"), L("R1", "4")],
            [Op(10, "WC1", "1", "3"), Op(20, supplier=s1, outsourced_price="2.50")],
            batch_quantity="2",
        )
        i = ids(s)
        wc1 = s.exec(select(WorkCentre)).one().id
        supplier_id = s.exec(
            select(BomOperation.supplier_id).where(BomOperation.sequence == 20)
        ).one()
        components, operations = explode(s, a, date(2025, 3, 1))
    # Per ONE unit of A: B 2/2 = 1; R1 4/2 = 2; K 1/2 x 1.10 = 0.55 per unit of A, so
    # R4 0.55 x 3 = 1.65, through K. K's step: setup 0.5/1 x 0.55 = 0.275 h, run 0.2 x 0.55
    # = 0.11 h per unit of A, numbered after A's own steps (20 + 10 = 30).
    assert [(c.item_id, c.quantity_per_unit, c.scrap_pct, c.via_phantom) for c in components] == [
        (i["B"], D("1"), D(0), None),
        (i["R1"], D("2"), D(0), None),
        (i["R4"], D("1.65"), D(0), i["K"]),
    ]
    assert all(isinstance(c, ComponentNeed) for c in components)
    got = [
        (
            o.sequence,
            o.work_centre_id,
            o.setup_hours,
            o.setup_hours_per_unit,
            o.run_hours_per_unit,
            o.supplier_id,
            o.outsourced_price_per_unit,
            o.via_phantom,
        )
        for o in operations
    ]
    assert got == [
        (10, wc1, D("1"), D("0.5"), D("1.5"), None, D(0), None),
        (20, None, D(0), D(0), D(0), supplier_id, D("2.50"), None),
        (30, wc1, D("0.5"), D("0.275"), D("0.11"), None, D(0), i["K"]),
    ]
    assert all(isinstance(o, OperationNeed) for o in operations)


def test_bad_lines_and_operations_are_named_and_nothing_is_written(engine) -> None:
    before = counts(engine)
    cases = [
        ([L("R1", "0")], [], "lines.1.quantity", "Line 1: Quantity must be above zero."),
        ([L("R1", "1"), L("R2", "1", "150")], [], "lines.2.scrap_pct",
         "Line 2: Scrap must be between 0 and 100."),
        ([L("R1", "0.123456789")], [], "lines.1.quantity",
         "Line 1: Quantity has more than 8 decimals."),
        ([L("NOPE", "1")], [], "lines.1.component", "Item NOPE does not exist in division HOLD."),
        ([L("R1", "1")], [Op(10, "WC1", "-1")], "operations.1.setup_hours",
         "Operation 10: Setup hours cannot be negative."),
        ([L("R1", "1")], [Op(10, "WC1", "1", supplier="S1")], "operations.1.work_centre",
         "Operation 10: give a work centre, or a supplier for an outsourced step (not both)."),
        ([L("R1", "1")], [Op(10, supplier="S1", outsourced_price="1.234")],
         "operations.1.outsourced_price",
         "Operation 10: Outsourced price: 1.234 has more decimals than EUR allows (2)."),
        ([L("R1", "1")], [Op(10, "WC1"), Op(10, "WC1")], "operations.2.sequence",
         "Operation 10 appears twice; each step has its own sequence."),
        ([L("R1", "1")], [Op(10, supplier="C1")], "operations.1.supplier",
         "Acme BV (C1) is not a supplier."),
        ([], [], "lines", "A bill of materials needs at least one component."),
    ]  # fmt: skip
    for lines, ops, field, message in cases:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            bom(s, "A", "1", "2025-01-01", lines, ops)
        assert (err.value.field, err.value.message) == (field, message)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        bom(s, "A", "1", "2025-01-01", [L("R1", "1")], batch_quantity="0")
    assert err.value.field == "batch_quantity"
    for kwargs, field in (
        ({"efficiency_pct": "0"}, "efficiency_pct"),
        ({"labour_rate": "-1"}, "labour_rate"),
        ({"machine_rate": "10.001"}, "machine_rate"),
    ):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            work_centres.create_work_centre(
                session=s, user=user(s, "admin"), division="HOLD", code="WC9", name="x", **kwargs
            )
        assert err.value.field == field
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        item_planning.set_item_planning(
            session=s, user=user(s, "admin"), division="HOLD", item="R1", supply="steal"
        )
    assert err.value.field == "supply"
    assert counts(engine) == before


def test_rights_maintaining_items_and_manufacturing(engine) -> None:
    before = counts(engine)
    for who in ("clerk", "manager", "analyst"):
        with pytest.raises(PermissionDenied), session_scope(engine) as s:
            boms.create_bom(
                session=s,
                user=user(s, who),
                division="HOLD",
                item="A",
                version="1",
                valid_from="2025-01-01",
                lines=[L("R1", "1")],
                operations=[],
            )
        with pytest.raises(PermissionDenied), session_scope(engine) as s:
            cost_scenarios.create_cost_scenario(
                session=s, user=user(s, who), division="HOLD", code="X", name="X"
            )
    # An accountant of HOLD only may not maintain another division's work centres.
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        work_centres.create_work_centre(
            session=s, user=user(s, "clerk_us"), division="US01", code="W", name="W"
        )
    assert counts(engine) == before
    with session_scope(engine) as s:
        assert [rights.can(s, user(s, w), "manufacture") for w in USERS_ORDER] == [
            True,
            True,
            False,
            False,
            True,
        ]
        first = cost_scenarios.create_cost_scenario(
            session=s, user=user(s, "accountant"), division="HOLD", code="LP", name="LP",
            is_default=True,
        )  # fmt: skip
        second = cost_scenarios.create_cost_scenario(
            session=s, user=user(s, "accountant"), division="HOLD", code="STD", name="Std",
            price_basis="standard", is_default=True,
        )  # fmt: skip
        assert (first.is_default, second.is_default) == (False, True)
        assert cost_scenarios.default_cost_scenario(s, second.division_id) is second
        assert s.exec(select(func.count()).select_from(CostScenario)).one() == 2


USERS_ORDER = ("clerk", "accountant", "manager", "analyst", "admin")


# --- migration 0012 on a database made before it ---------------------------------------------


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_migration_0012_adds_the_manufacturing_accounts_and_keeps_stock_movements(
    engine_name: str, tmp_path: Path
) -> None:
    if engine_name == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        name = create_pg_database()
        url = pg_url(name)
    try:
        upgrade(url, "0011")
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with eng.begin() as conn:
            conn.execute(
                text("INSERT INTO currency (code, name, decimals) VALUES ('EUR', 'Euro', 2)")
            )
            conn.execute(
                text(
                    "INSERT INTO division (code, name, currency_code, country, "
                    "ownership_pct, is_active) VALUES ('HOLD', 'Holding', 'EUR', 'NL', 100, true)"
                )
            )
            for code, role in (("3000", "inventory"), ("7000", "cost_of_sales")):
                conn.execute(
                    text(
                        "INSERT INTO account (division_id, code, name, account_type, "
                        "account_class, reporting_category, is_control, is_active, posting_role) "
                        "VALUES (NULL, :code, :code, 'balance_sheet', 'asset', 'x', false, true, "
                        ":role)"
                    ),
                    {"code": code, "role": role},
                )
            conn.execute(
                text(
                    "INSERT INTO group_account (code, name, account_type, account_class, "
                    "rate_type, eliminate_intercompany, sort_order, is_active) VALUES "
                    "('G200', 'Inventories', 'balance_sheet', 'asset', 'closing', false, 1, true),"
                    "('G600', 'Cost of sales', 'profit_loss', 'cost_of_sales', 'average', true, 2,"
                    " true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO app_user (username, full_name, role, is_active, password_hash) "
                    "VALUES ('admin', 'Admin', 'admin', true, '')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO warehouse (division_id, code, name, is_active) "
                    "VALUES (1, 'MAIN', 'Main', true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO item (division_id, code, name, unit, tracking, "
                    "allow_negative_stock, cost_method, standard_cost, sales_price, "
                    "purchase_price, is_active) VALUES (1, 'X', 'X', 'pcs', 'none', false, "
                    "'average', 0, 0, 0, true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO stock_movement (division_id, item_id, warehouse_id, "
                    "movement_date, movement_type, quantity, unit_cost, value, source_type, "
                    "document_number, created_by, created_at) VALUES (1, 1, 1, '2025-01-02', "
                    "'receipt', 5, 2, 10, '', 'GR1', 1, '2025-01-02 10:00:00+00')"
                )
            )
        eng.dispose()
        upgrade(url)
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with eng.begin() as conn:
            accounts = {
                code: (role, category, group)
                for code, role, category, group in conn.execute(
                    text(
                        "SELECT a.code, a.posting_role, a.reporting_category, g.code "
                        "FROM account a LEFT JOIN group_account_map m ON m.account_id = a.id "
                        "LEFT JOIN group_account g ON g.id = m.group_account_id"
                    )
                )
            }
            kept = conn.execute(
                text("SELECT document_number, movement_type FROM stock_movement")
            ).all()
            conn.execute(
                text(
                    "INSERT INTO stock_movement (division_id, item_id, warehouse_id, "
                    "movement_date, movement_type, quantity, unit_cost, value, source_type, "
                    "document_number, created_by, created_at) VALUES (1, 1, 1, '2025-01-03', "
                    "'production_issue', -1, 2, -2, '', 'PO1', 1, '2025-01-03 10:00:00+00')"
                )
            )
        eng.dispose()
    finally:
        if name is not None:
            drop_pg_database(name)
    assert kept == [("GR1", "receipt")]
    assert accounts == {
        "3000": ("inventory", "x", None),
        "7000": ("cost_of_sales", "x", None),
        # G310 does not exist in this group chart: 0900 stays unmapped.
        "0900": ("opening_balance", "opening_balances", None),
        "3100": ("work_in_progress", "work_in_progress", "G200"),
        "7200": ("absorbed_labour", "cost_of_sales", "G600"),
        "7210": ("absorbed_machine", "cost_of_sales", "G600"),
        "7220": ("absorbed_overhead", "cost_of_sales", "G600"),
        "7250": ("variance_material", "cost_of_sales", "G600"),
        "7260": ("variance_labour", "cost_of_sales", "G600"),
        "7270": ("variance_machine", "cost_of_sales", "G600"),
    }


# --- the stock core takes production movements ------------------------------------------------


def test_production_movements_in_the_stock_core(engine) -> None:
    """An issue goes out at average cost; a receipt of a standard-cost product is stocked
    at standard while WIP sees the given value (the gap to 7100); an average-cost
    product comes in at the given value; a return comes back at the given value."""
    with session_scope(engine) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        wi.create_item(
            session=s,
            user=admin,
            division="HOLD",
            code="STDP",
            name="Standard product",
            cost_method="standard",
            standard_cost="10.00",
        )
        lookups = Lookups(s)
        div = lookups.division("HOLD")
        wh = wi.find_warehouse(s, div, "MAIN", field="warehouse")
        wip = lookups.account_for_role(div, "work_in_progress")
        assert wip.code == "3100"
        item = {i.code: i for i in s.exec(select(Item)).all()}

        def post(*moves: tuple[str, str, str, str | None]):
            return post_stock(
                session=s,
                user=user(s, "clerk"),
                lookups=lookups,
                division=div,
                on=date(2025, 3, 1),
                action="manufacture",
                document_number="PO-1",
                description="Production",
                movements=[
                    Movement(
                        item=item[code],
                        warehouse=wh,
                        movement_type=kind,
                        quantity=D(qty),
                        counter_account_id=wip.id or 0,
                        unit_cost=D(cost) if cost is not None else None,
                    )
                    for kind, code, qty, cost in moves
                ],
                entry_source_type="production_order",
            )

        # 4 R1 come in at 2.50 (an average-cost item), then 1 goes out to production.
        post(("production_receipt", "R1", "4", "2.50"))
        entry, rows = post(("production_issue", "R1", "1", None))
        assert [(r.movement_type, r.quantity, r.value) for r in rows] == [
            ("production_issue", D(-1), D("-2.50"))
        ]
        assert amounts(s, entry.id if entry else None) == {"3000": D("-2.50"), "3100": D("2.50")}
        entry, rows = post(("production_return", "R1", "1", "2.50"))
        assert amounts(s, entry.id if entry else None) == {"3000": D("2.50"), "3100": D("-2.50")}
        # 3 STDP completed at an order value of 10.40 each: stock 30.00 at standard, WIP
        # credited 31.20, the 1.20 to stock differences.
        entry, rows = post(("production_receipt", "STDP", "3", "10.40"))
        assert rows[0].value == D("30.00")
        assert amounts(s, entry.id if entry else None) == {
            "3000": D("30.00"),
            "3100": D("-31.20"),
            "7100": D("1.20"),
        }
