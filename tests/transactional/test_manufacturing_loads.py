"""The manufacturing importers (docs/manufacturing.md §7) on SQLite and PostgreSQL: for
each kind a dry run lists the changes and writes nothing, a load makes them, a second load
of the same file changes nothing, a bad row anywhere refuses the whole file naming the row,
and the rights hold. The master-data files are the committed examples of
docs/examples/manufacturing, read as the command line reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from ingestion.manufacturing.files import READERS
from ingestion.table_files import read_path
from tests.conftest import database_with
from tests.transactional.company import user
from tests.transactional.test_purchasing_flow import balance, stock_value
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance.models import JournalEntry
from transactional.manufacturing import master_data_load as mdl
from transactional.manufacturing.models import (
    BillOfMaterials,
    BomLine,
    BomOperation,
    ItemPlanning,
    SalesPlan,
    WorkCentre,
)
from transactional.manufacturing.opening_stock_load import (
    OpeningStockRow,
    StockDifference,
    load_opening_stock,
)
from transactional.organisation.models import Division
from transactional.stock.models import StockMovement
from transactional.stock.movements import on_hand
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "manufacturing"
OPENING = date(2025, 1, 1)


def example(kind: str) -> list:
    return read_path(EXAMPLES / f"{kind}.csv", READERS[kind])


def count(s: Session, model: type) -> int:
    return s.exec(select(func.count()).select_from(model)).one()


def item_id(s: Session, code: str) -> int:
    found = s.exec(
        select(Item)
        .join(Division, col(Division.id) == Item.division_id)
        .where(Item.code == code, Division.code == "HOLD")
    ).one()
    assert found.id is not None
    return found.id


# --- opening stock --------------------------------------------------------------------------


@pytest.fixture
def stock_engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        admin = user(s, "admin")
        for code in ("MAIN", "WH2"):
            wi.create_warehouse(session=s, user=admin, division="HOLD", code=code, name=code)
        wi.create_item(
            session=s, user=admin, division="HOLD", code="TUBE-AL", name="Tube", unit="m"
        )
        wi.create_item(session=s, user=admin, division="HOLD", code="WHEEL-26", name="Wheel")
        wi.create_item(
            session=s,
            user=admin,
            division="HOLD",
            code="FRAME-100",
            name="Frame",
            cost_method="standard",
            standard_cost="120.00",
        )
        wi.create_item(
            session=s, user=admin, division="HOLD", code="PAINT", name="Paint", tracking="lot"
        )
    yield eng
    eng.dispose()


def rows(*lines: tuple[int, str, str, str, str | None, str]) -> list[OpeningStockRow]:
    return [
        OpeningStockRow(n, item, wh, D(qty), D(cost) if cost is not None else None, lot)
        for n, item, wh, qty, cost, lot in lines
    ]


def test_opening_stock_posts_the_difference_once(stock_engine) -> None:
    with session_scope(stock_engine) as s:
        clerk = user(s, "clerk")
        entries = count(s, JournalEntry)
        dry = load_opening_stock(
            session=s,
            user=clerk,
            division="HOLD",
            rows=example("opening-stock"),
            on=OPENING,
            dry_run=True,
        )
        # Hand-worked: 500 m x 7.80 = 3,900.00; 120 x 24.50 = 2,940.00; 15 x standard 120.00.
        assert dry.differences == [
            StockDifference(2, "TUBE-AL", "MAIN", "", D(0), D(500), D(500), "add", D("3900.00")),
            StockDifference(3, "WHEEL-26", "MAIN", "", D(0), D(120), D(120), "add", D("2940.00")),
            StockDifference(4, "FRAME-100", "MAIN", "", D(0), D(15), D(15), "add", D("1800.00")),
        ]
        assert dry.document_number is None and dry.entry_number is None
        assert count(s, StockMovement) == 0 and count(s, JournalEntry) == entries

    with session_scope(stock_engine) as s:
        loaded = load_opening_stock(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            rows=example("opening-stock"),
            on=OPENING,
        )
        assert loaded.document_number == "OS2025-00001" and loaded.entry_number
        assert [d.value for d in loaded.differences] == [D("3900.00"), D("2940.00"), D("1800.00")]
    with session_scope(stock_engine) as s:
        assert balance(s, "3000") == D("8640.00") == stock_value(s)
        assert balance(s, "0900") == D("-8640.00")
        assert on_hand(s, item_id(s, "TUBE-AL")) == D(500)
        assert count(s, JournalEntry) == entries + 1
        again = load_opening_stock(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            rows=example("opening-stock"),
            on=OPENING,
        )
        assert [d.action for d in again.differences] == ["unchanged"] * 3
        assert again.document_number is None and count(s, JournalEntry) == entries + 1

    # A corrected file posts only the correction: 50 m out at the average 7.80 = 390.00,
    # 5 frames in at standard; the rest is left as it is.
    with session_scope(stock_engine) as s:
        corrected = load_opening_stock(
            session=s,
            user=user(s, "clerk"),
            division="HOLD",
            rows=rows(
                (2, "TUBE-AL", "MAIN", "450", "9.99", ""), (3, "FRAME-100", "MAIN", "20", None, "")
            ),
            on=OPENING,
        )
        assert [(d.action, d.difference, d.value) for d in corrected.differences] == [
            ("remove", D(-50), D("-390.00")),
            ("add", D(5), D("600.00")),
        ]
    with session_scope(stock_engine) as s:
        assert balance(s, "3000") == D("8850.00") == stock_value(s) == -balance(s, "0900")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            (4, "FRAME-100", "NOPE", "1", None, ""),
            "Row 4: warehouse NOPE does not exist in division HOLD.",
        ),
        (
            (4, "GHOST", "MAIN", "1", None, ""),
            "Row 4, column item: item GHOST does not exist; load it with the items file first.",
        ),
        (
            (4, "WHEEL-26", "WH2", "3", None, ""),
            "Row 4: item WHEEL-26 is valued at moving average; give the unit_cost of the stock "
            "this row adds.",
        ),
        (
            (4, "PAINT", "MAIN", "3", "2", ""),
            "Row 4: item PAINT is tracked by lot; give one row per lot (column lot).",
        ),
        (
            (4, "FRAME-100", "MAIN", "-1", None, ""),
            "Row 4, column quantity: -1 cannot be negative.",
        ),
        (
            (4, "TUBE-AL", "MAIN", "3", "1", ""),
            "Row 4: item TUBE-AL in warehouse MAIN is already on row 2.",
        ),
    ],
)
def test_a_bad_opening_stock_row_refuses_the_file(stock_engine, bad, message: str) -> None:
    with session_scope(stock_engine) as s:
        with pytest.raises(ValidationError) as refused:
            load_opening_stock(
                session=s,
                user=user(s, "admin"),
                division="HOLD",
                rows=rows(
                    (2, "TUBE-AL", "MAIN", "10", "7.80", ""),
                    (3, "PAINT", "MAIN", "2", "3", "L1"),
                    bad,
                ),
                on=OPENING,
            )
        assert str(refused.value) == message
        assert count(s, StockMovement) == 0


def test_opening_stock_needs_manage_stock_and_an_open_period(stock_engine) -> None:
    good = rows((2, "TUBE-AL", "MAIN", "10", "7.80", ""))
    with session_scope(stock_engine) as s:
        with pytest.raises(PermissionDenied):
            load_opening_stock(
                session=s, user=user(s, "analyst"), division="HOLD", rows=good, on=OPENING
            )
        with pytest.raises(PermissionDenied):  # a clerk of another division
            load_opening_stock(
                session=s, user=user(s, "clerk_us"), division="HOLD", rows=good, on=OPENING
            )
        with pytest.raises(Exception, match="2024"):  # 2024 is closed
            load_opening_stock(
                session=s, user=user(s, "admin"), division="HOLD", rows=good, on=date(2024, 6, 30)
            )
        assert count(s, StockMovement) == 0


# --- master data ----------------------------------------------------------------------------

ORDER = ("work-centres", "items", "boms", "routings", "sales-plan")
LOADERS: dict[str, Callable[..., Any]] = {
    "work-centres": mdl.load_work_centres,
    "items": mdl.load_items,
    "boms": mdl.load_boms,
    "routings": mdl.load_routings,
    "sales-plan": mdl.load_sales_plan,
}
TABLES = {
    "work-centres": (WorkCentre,),
    "items": (Item, ItemPlanning),
    "boms": (BillOfMaterials, BomLine),
    "routings": (BomOperation,),
    "sales-plan": (SalesPlan,),
}
# The rows each example file makes.
CREATED = {
    "work-centres": (3,),
    "items": (6, 6),
    "boms": (3, 5),
    "routings": (3,),
    "sales-plan": (3,),
}


def load(s: Session, kind: str, rows: list, username: str = "admin", dry_run: bool = False):
    return LOADERS[kind](
        session=s, user=user(s, username), division="HOLD", rows=rows, dry_run=dry_run
    )


def counts(s: Session, kind: str) -> tuple[int, ...]:
    return tuple(count(s, model) for model in TABLES[kind])


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def load_examples(engine, upto: str) -> None:
    for kind in ORDER[: ORDER.index(upto) + 1]:
        with session_scope(engine) as s:
            load(s, kind, example(kind))


def _load_every_example(url: str) -> None:
    eng = make_engine(url)
    load_examples(eng, ORDER[-1])
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh database with every example file loaded (once per engine and session,
    copied for each test), on each engine in turn."""
    with database_with(request, tmp_path, _load_every_example) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


@pytest.mark.parametrize("kind", ORDER)
def test_dry_run_load_and_second_load_of_each_example(engine, kind: str) -> None:
    if kind != ORDER[0]:
        load_examples(engine, ORDER[ORDER.index(kind) - 1])
    with session_scope(engine) as s:
        before = counts(s, kind)
        dry = load(s, kind, example(kind), dry_run=True)
        assert dry and {c.action for c in dry} == {"create"}
        assert counts(s, kind) == before
    with session_scope(engine) as s:
        assert counts(s, kind) == before  # nothing left over once committed either
        loaded = load(s, kind, example(kind))
        assert loaded == dry  # the dry run said exactly what the load did
    with session_scope(engine) as s:
        made = counts(s, kind)
        assert tuple(m - b for m, b in zip(made, before, strict=True)) == CREATED[kind]
        again = load(s, kind, example(kind))
        assert {c.action for c in again} == {"unchanged"}
        assert counts(s, kind) == made


def test_the_examples_load_as_written(loaded) -> None:
    engine = loaded
    with session_scope(engine) as s:
        weld = s.exec(select(WorkCentre).where(WorkCentre.code == "ROBOT")).one()
        assert (weld.name, weld.labour_rate, weld.machine_rate) == ("Welding robot", 35, 60)
        assert (weld.efficiency_pct, weld.hours_per_week) == (90, 120)
        frame = s.get(Item, item_id(s, "FRAME-100"))
        assert frame is not None
        assert (frame.cost_method, frame.standard_cost, frame.unit) == ("standard", 120, "pcs")
        plan = s.get(ItemPlanning, item_id(s, "TUBE-AL"))
        assert plan is not None
        assert (plan.supply, plan.lead_time_days, plan.minimum_quantity) == ("buy", 10, 50)
        assert (plan.order_multiple, plan.safety_stock) == (25, 100)
        assert plan.supplier_id is None  # the example leaves it open: no supplier exists yet
        assert s.get(ItemPlanning, item_id(s, "WHEEL-SET")).supply == "phantom"  # type: ignore[union-attr]
        bom = s.exec(
            select(BillOfMaterials).where(BillOfMaterials.item_id == item_id(s, "FRAME-100"))
        ).one()
        assert (bom.version, bom.batch_quantity, bom.valid_from, bom.is_default) == (
            "V1",
            10,
            date(2026, 1, 1),
            True,
        )
        lines = s.exec(
            select(BomLine).where(BomLine.bom_id == bom.id).order_by(col(BomLine.line_number))
        ).all()
        assert [(li.component_id, li.quantity, li.scrap_pct) for li in lines] == [
            (item_id(s, "TUBE-AL"), D("42.5"), 5),
            (item_id(s, "PAINT-RED"), 3, 2),
        ]
        ops = s.exec(
            select(BomOperation)
            .where(BomOperation.bom_id == bom.id)
            .order_by(col(BomOperation.sequence))
        ).all()
        assert [(o.sequence, o.setup_hours, o.run_hours, o.description) for o in ops] == [
            (10, D("1.5"), 8, "Weld the frame"),
            (20, D("0.5"), 2, "Powder-coat"),
        ]
        plans = s.exec(select(SalesPlan).order_by(col(SalesPlan.period_start))).all()
        assert [(p.period_start, p.quantity, p.period_days) for p in plans] == [
            (date(2026, 1, 5), 40, 7),
            (date(2026, 1, 12), 45, 7),
            (date(2026, 2, 1), 180, 28),
        ]


def rows_of(kind: str, text: str) -> list:
    return READERS[kind](text.encode(), f"{kind}.csv")


def test_changed_files_update_what_changed_and_say_so(loaded) -> None:
    engine = loaded
    with session_scope(engine) as s:
        changed = load(
            s,
            "work-centres",
            rows_of(
                "work-centres", "code;name;labour_rate\nROBOT;Welding robot;37,50\nNEW;New cell;\n"
            ),
        )
        assert [(c.row, c.key, c.action, c.detail) for c in changed] == [
            (2, "ROBOT", "update", "labour_rate 35 -> 37.5"),
            (3, "NEW", "create", ""),
        ]
        items = mdl.load_items(
            session=s,
            user=user(s, "admin"),
            division="HOLD",
            rows=rows_of(
                "items",
                "code;name;supply;standard_cost;lead_time_days;supplier\n"
                "FRAME-100;Welded frame;make;125,00;4;\n"
                "TUBE-AL;Alu tube;buy;;;\n",
            ),
            on=date(2025, 6, 30),
        )
        assert [(c.key, c.action, c.detail) for c in items] == [
            ("FRAME-100", "update", "standard_cost 120 -> 125; lead_time_days 3 -> 4"),
            ("TUBE-AL", "update", "name Aluminium tube 1 m -> Alu tube"),
        ]
        bom = load(
            s,
            "boms",
            rows_of(
                "boms", "item;version;component;quantity;scrap_pct\nFRAME-100;V1;TUBE-AL;40;5\n"
            ),
        )
        assert [(c.key, c.action, c.detail) for c in bom] == [
            ("FRAME-100 V1", "update", "components -PAINT-RED, TUBE-AL quantity 42.5 -> 40"),
        ]
        routing = load(
            s,
            "routings",
            rows_of(
                "routings",
                "item;version;sequence;work_centre;setup_hours;run_hours;supplier;outsourced_price\n"
                "FRAME-100;V1;10;ROBOT;1,5;8;;\n"
                "FRAME-100;V1;30;;;;S1;4,25\n",
            ),
        )
        assert [(c.key, c.action, c.detail) for c in routing] == [
            ("FRAME-100 V1 10", "update", "description Weld the frame -> (none)"),
            ("FRAME-100 V1 30", "create", "outsourced to S1 at 4.25"),
            ("FRAME-100 V1 20", "remove", "COAT setup 0.5 h, run 2 h"),
        ]
        plan = load(
            s,
            "sales-plan",
            rows_of("sales-plan", "item;period_start;quantity\nBIKE-100;2026-01-05;44\n"),
        )
        assert [(c.key, c.action, c.detail) for c in plan] == [
            ("BIKE-100 2026-01-05", "update", "quantity 40 -> 44"),
        ]
    with session_scope(engine) as s:
        frame = s.get(Item, item_id(s, "FRAME-100"))
        assert frame is not None and frame.standard_cost == 125
        ops = s.exec(select(BomOperation.sequence).order_by(col(BomOperation.sequence))).all()
        assert list(ops) == [10, 10, 30]  # BIKE-100's 10, FRAME-100's 10 and 30
        assert s.exec(select(func.count()).select_from(BomLine)).one() == 4


BAD = [
    (
        "work-centres",
        "code;name;efficiency_pct\nA1;Cell A;100\nA2;Cell B;95\nA3;Cell C;0\n",
        "Row 4, column efficiency_pct: 0 must be above zero.",
    ),
    (
        "work-centres",
        "code;name\nA1;Cell A\nA2;Cell B\nA1;Cell C\n",
        "Row 4: work centre A1 is already on row 2; give each once.",
    ),
    (
        "items",
        "code;name;supply\nX1;One;buy\nX2;Two;make\nX3;Three;made\n",
        "Row 4, column supply: 'made' is not one of: buy, make, phantom.",
    ),
    (
        "items",
        "code;name;supply;standard_cost\nX1;One;buy;1\nX2;Two;make;2\nX3;Three;make;2,345\n",
        "Row 4, column standard_cost: 2.345 has more decimals than EUR has (2); amounts are "
        "not rounded.",
    ),
    (
        "items",
        "code;name;supply;cost_method\nX1;One;buy;\nX2;Two;make;\nX3;Three;make;standard\n",
        "Row 4: item X3 is valued at standard cost and needs a standard cost above zero "
        "(column standard_cost).",
    ),
    (
        "items",
        "code;name;supply;supplier\nX1;One;buy;S1\nX2;Two;make;\nX3;Three;buy;C1\n",
        "Row 4, column supplier: relation C1 is not a supplier.",
    ),
    (
        "boms",
        "item;version;component;quantity;valid_from\nWHEEL-SET;V1;WHEEL-26;2;\n"
        "FRAME-100;V2;TUBE-AL;40;2026-03-01\nFRAME-100;V2;BIKE-100;1;\n",
        # BIKE-100's stored version V1 holds FRAME-100.
        "Row 4: component BIKE-100 contains FRAME-100 itself: FRAME-100 → BIKE-100 → FRAME-100.",
    ),
    (
        "boms",
        "item;version;component;quantity;batch_quantity;valid_from\n"
        "BIKE-100;V2;FRAME-100;1;1;2026-03-01\nBIKE-100;V2;WHEEL-SET;1;;\n"
        "BIKE-100;V2;WHEEL-26;1;2;\n",
        "Row 4, column batch_quantity: 2 differs from row 2 (1) for version V2 of item "
        "BIKE-100; give it once or the same on each row.",
    ),
    (
        "boms",
        "item;version;component;quantity;valid_from\nBIKE-100;V2;FRAME-100;1;2026-03-01\n"
        "FRAME-100;V2;TUBE-AL;40;2026-03-01\nTUBE-AL;V1;PAINT-RED;1;2026-03-01\n",
        # The BOM service's own refusal, met in the rehearsal of a dry run too.
        "Row 4: Item TUBE-AL is bought; set its supply to make or phantom before giving it a "
        "bill of materials.",
    ),
    (
        "boms",
        "item;version;component;quantity\nBIKE-100;V2;FRAME-100;1\n",
        "Row 2: version V2 of item BIKE-100 is new; give its valid_from (the first day it may "
        "be used).",
    ),
    (
        "routings",
        "item;version;sequence;work_centre;run_hours\nBIKE-100;V1;10;LINE;1\n"
        "FRAME-100;V1;10;ROBOT;2\nFRAME-100;V1;20;GRIND;1\n",
        "Row 4, column work_centre: work centre GRIND does not exist; load it with the "
        "work-centres file first.",
    ),
    (
        "routings",
        "item;version;sequence;work_centre;run_hours;supplier\nBIKE-100;V1;10;LINE;1;\n"
        "FRAME-100;V1;10;ROBOT;2;\nFRAME-100;V1;20;COAT;1;S1\n",
        "Row 4: give a work_centre, or a supplier for an outsourced step (not both).",
    ),
    (
        "sales-plan",
        "item;period_start;quantity\nBIKE-100;2026-03-02;5\nBIKE-100;2026-03-09;5\n"
        "WHEEL-SET;2026-03-02;5\n",
        "Row 4: item WHEEL-SET is a phantom; it is never sold, so it has no sales plan.",
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "message"), BAD, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD)]
)
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "load"])
def test_a_bad_row_anywhere_refuses_the_whole_file(
    loaded, kind: str, text: str, message: str, dry_run: bool
) -> None:
    engine = loaded
    with session_scope(engine) as s:
        before = counts(s, kind)
        with pytest.raises(ValidationError) as refused:
            load(s, kind, rows_of(kind, text), dry_run=dry_run)
        assert str(refused.value) == message
        assert counts(s, kind) == before


@pytest.mark.parametrize(
    ("kind", "username", "allowed"),
    [
        ("work-centres", "accountant", True),
        ("work-centres", "clerk", False),
        ("items", "analyst", False),
        ("items", "manager", False),
        ("sales-plan", "clerk", True),
        ("sales-plan", "analyst", False),
        ("sales-plan", "clerk_us", False),  # not the clerk's division
    ],
)
def test_rights(engine, kind: str, username: str, allowed: bool) -> None:
    if kind == "sales-plan":
        load_examples(engine, "items")
    with session_scope(engine) as s:
        if allowed:
            assert load(s, kind, example(kind), username=username, dry_run=True)
        else:
            with pytest.raises(PermissionDenied):
                load(s, kind, example(kind), username=username, dry_run=True)


def test_a_changed_cost_method_revalues_the_stock_on_hand(engine) -> None:
    load_examples(engine, "items")
    with session_scope(engine) as s:
        admin = user(s, "admin")
        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        load_opening_stock(
            session=s, user=admin, division="HOLD", rows=example("opening-stock"), on=OPENING
        )
    with session_scope(engine) as s:
        changes = mdl.load_items(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            rows=rows_of(
                "items",
                "code;name;supply;cost_method;standard_cost\nTUBE-AL;Tube;buy;standard;8,00\n",
            ),
            on=date(2025, 6, 30),
        )
        assert [(c.action, c.detail) for c in changes] == [
            (
                "update",
                "name Aluminium tube 1 m -> Tube; cost_method average -> standard; "
                "standard_cost 0 -> 8",
            ),
        ]
    with session_scope(engine) as s:
        # 500 m on hand at 7.80 revalued to 8.00: 100.00 more stock, against 7100.
        assert balance(s, "3000") == D("8640.00") + D("100.00") == stock_value(s)
        assert balance(s, "7100") == D("-100.00")
        tube = s.get(Item, item_id(s, "TUBE-AL"))
        assert tube is not None and (tube.cost_method, tube.standard_cost) == ("standard", 8)


def test_a_services_refusal_of_a_row_reads_in_the_users_language(loaded) -> None:
    """The row is the loader's words, the reason the BOM service's: both translated."""
    from dashboards.language import error_text, use_locale

    engine = loaded
    text = "item;version;component;quantity;valid_from\nTUBE-AL;V1;PAINT-RED;1;2026-03-01\n"
    with session_scope(engine) as s, pytest.raises(ValidationError) as refused:
        load(s, "boms", rows_of("boms", text), dry_run=True)
    with use_locale("fr_FR"):
        assert error_text(refused.value) == (
            "Ligne 2 : L'article TUBE-AL est acheté ; indiquez-le comme fabriqué ou fantôme "
            "avant de lui donner une nomenclature."
        )
