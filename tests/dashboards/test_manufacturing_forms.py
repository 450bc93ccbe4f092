"""The manufacturing forms, driven as a production clerk would, against the test company
(tests/transactional/company.py) with a small manufacturing set-up built through the
services: each form writes through its service, and bad input shows the message under
its field and writes nothing.

HOLD (EUR): warehouse MAIN; TABLE (made, standard 30.00) from 4 LEG per table (bought at
2.50; 50 received), sawn on SAW (labour 40.00, machine 10.00 an hour; 1 h setup + 2 h run
per batch of 1).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from dashboards.language import use_locale
from tests.dashboards.apptest_helpers import (
    count,
    fill_grid,
    input_above,
    report_frame,
    sign_in,
    the_error,
)
from tests.dashboards.conftest import APP
from tests.transactional.manufacturing_company import add_bom, add_saw, buy
from transactional.database import make_engine, session_scope
from transactional.manufacturing import item_planning
from transactional.manufacturing import production_orders as po
from transactional.manufacturing.boms import BomLineDraft, OperationDraft
from transactional.manufacturing.models import (
    MrpAdvice,
    ProductionOrder,
    ProductionTransaction,
)
from transactional.organisation import users
from transactional.organisation.models import User
from transactional.purchasing.orders import PurchaseLineDraft
from transactional.sales import orders as sales_orders
from transactional.sales.models import SalesOrderLine

ORDER = "app_pages/forms/production_order.py"
ISSUE = "app_pages/forms/material_issue.py"
HOURS = "app_pages/forms/production_hours.py"
COMPLETION = "app_pages/forms/production_completion.py"
MRP = "app_pages/forms/mrp_run.py"
PASSWORD = "clerk-test-password"
TODAY = "2025-03-10"  # inside the test company's open year


def _user(s: Session, username: str) -> User:
    return s.exec(select(User).where(User.username == username)).one()


@pytest.fixture
def ledger(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    target = tmp_path / "erp.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("ERP_TODAY", TODAY)
    engine = make_engine(url)
    with session_scope(engine) as s:
        admin = _user(s, "admin")
        for name in ("clerk", "manager", "accountant"):
            users.set_password(session=s, user=admin, username=name, password=PASSWORD)
        from transactional.wholesale import items as wi

        wi.create_warehouse(session=s, user=admin, division="HOLD", code="MAIN", name="Main")
        wi.create_item(
            session=s,
            user=admin,
            division="HOLD",
            code="TABLE",
            name="Table",
            cost_method="standard",
            standard_cost="30.00",
            sales_price="90.00",
        )
        wi.create_item(
            session=s, user=admin, division="HOLD", code="LEG", name="Leg", purchase_price="2.50"
        )
        item_planning.set_item_planning(
            session=s, user=admin, division="HOLD", item="TABLE", supply="make"
        )
        item_planning.set_item_planning(
            session=s,
            user=admin,
            division="HOLD",
            item="LEG",
            supply="buy",
            supplier="S1",
            lead_time_days=5,
        )
        add_saw(s, admin, machine_rate="10.00")
        add_bom(
            s,
            admin,
            "TABLE",
            [BomLineDraft("LEG", "4")],
            [OperationDraft(10, work_centre="SAW", setup_hours="1", run_hours="2")],
        )
        buy(s, admin, [PurchaseLineDraft("LEG", "50", "2.50")])
    yield engine
    engine.dispose()


def _open(page: str, username: str = "clerk") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    sign_in(at, username, PASSWORD)
    assert at.session_state["signed_in_user_id"] is not None, [e.value for e in at.error]
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _key(at: AppTest, prefix: str) -> str:
    """The key of the widget whose key starts with ``prefix`` (they carry a generation)."""
    return next(str(k) for k in at.session_state.filtered_state if str(k).startswith(prefix))


def _order(engine: Engine, *, release: bool = False, quantity: str = "10") -> int:
    with session_scope(engine) as s:
        admin = _user(s, "admin")
        order = po.create_production_order(
            session=s,
            user=admin,
            division="HOLD",
            item="TABLE",
            quantity=quantity,
            start_date="2025-03-10",
            due_date="2025-03-14",
            warehouse="MAIN",
        )
        if release:
            po.release_production_order(session=s, user=admin, order=order.id or 0, on=TODAY)
        return order.id or 0


def _orders(engine: Engine) -> list[ProductionOrder]:
    with session_scope(engine) as s:
        rows = s.exec(select(ProductionOrder).order_by(col(ProductionOrder.id))).all()
        for r in rows:
            s.expunge(r)
        return list(rows)


def _wip(engine: Engine, order_id: int) -> Decimal:
    with session_scope(engine) as s:
        return Decimal(
            s.exec(
                select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
                    ProductionTransaction.order_id == order_id
                )
            ).one()
        )


def test_a_production_order_is_created_by_hand_and_released(ledger: Engine) -> None:
    at = _open(ORDER)
    assert at.title[0].value == "Production order"
    at.selectbox(key="production_order_item_0").set_value("TABLE")
    at.text_input(key="production_order_quantity_0").input("10")
    at.date_input(key="production_order_due_0").set_value(date(2025, 3, 14))
    _click(at, "Create order")
    assert not at.error, [e.value for e in at.error]
    (order,) = _orders(ledger)
    assert (order.number, order.status, order.quantity) == ("MO-2025-00001", "planned", 10)
    assert (order.start_date, order.due_date) == (date(2025, 3, 10), date(2025, 3, 14))
    # A planned order posts nothing: the clerk is told it was created.
    assert any("Created production order **MO-2025-00001**" in s.value for s in at.success)
    # Release it in the same page; the pick list shows the due date as the user reads dates.
    box = at.selectbox(key="production_release_order_0")
    assert box.options == ["MO-2025-00001 · TABLE Table · 10 · Mar 14, 2025"], box.options
    box.set_value(order.id)
    _click(at, "Release")
    assert not at.error, [e.value for e in at.error]
    (order,) = _orders(ledger)
    assert order.status == "released" and order.released_on == date(2025, 3, 10)
    assert any("Released production order **MO-2025-00001**" in s.value for s in at.success)
    # Per table: 4 legs at 2.50; (1 h setup + 10 x 2 h run) / 10 = 2.1 h at 40.00 and 10.00.
    assert (order.standard_material, order.standard_labour, order.standard_machine) == (
        10,
        84,
        21,
    )


def test_a_bad_quantity_is_refused_under_its_field_and_nothing_is_written(
    ledger: Engine,
) -> None:
    at = _open(ORDER)
    at.selectbox(key="production_order_item_0").set_value("TABLE")
    at.text_input(key="production_order_quantity_0").input("0")
    _click(at, "Create order")
    assert len(at.error) == 1, [e.value for e in at.error]
    assert "Quantity" in at.error[0].value or "quantity" in at.error[0].value
    assert count(str(ledger.url), "production_order") == 0
    # No item picked: refused too.
    at = _open(ORDER)
    at.text_input(key="production_order_quantity_0").input("5")
    _click(at, "Create order")
    assert at.error and count(str(ledger.url), "production_order") == 0


def test_an_order_is_made_for_a_sales_order_lines_open_quantity(ledger: Engine) -> None:
    with session_scope(ledger) as s:
        clerk = _user(s, "clerk")
        result = sales_orders.create_order(
            session=s,
            user=clerk,
            draft=sales_orders.SalesOrderDraft(
                division="HOLD",
                customer="C1",
                warehouse="MAIN",
                order_date="2025-03-05",
                requested_date="2025-03-20",
                lines=[sales_orders.SalesLineDraft(item="TABLE", quantity="6")],
            ),
        )
        number = result.order.order_number
        line_id = s.exec(
            select(SalesOrderLine.id).where(SalesOrderLine.order_id == result.order.id)
        ).one()
    at = _open(ORDER)
    at.radio(key="production_order_how_0").set_value("sales").run()
    line = at.selectbox(key="production_order_sales_line_0")
    assert len(line.options) == 1 and str(number) in line.options[0]
    assert line.options[0].endswith("· C1 · TABLE 6 · Mar 20, 2025"), line.options[0]
    line.set_value(line_id)
    _click(at, "Create order")
    assert not at.error, [e.value for e in at.error]
    (order,) = _orders(ledger)
    assert order.quantity == 6 and order.due_date == date(2025, 3, 20)
    assert order.sales_order_line_id is not None


def test_materials_are_issued_and_a_return_of_more_than_issued_writes_nothing(
    ledger: Engine,
) -> None:
    order_id = _order(ledger, release=True)
    at = _open(ISSUE)
    at.selectbox(key="material_issue_order_0").set_value(order_id).run()
    fill_grid(at, f"material_issue_lines_0_{order_id}", [{"quantity": "42"}])
    _click(at, "Post")
    assert not at.error, [e.value for e in at.error]
    assert _wip(ledger, order_id) == Decimal("105.00")  # 42 legs at 2.50
    assert any("material issue" in s.value for s in at.success)
    # Return 50 of the 42 issued: refused, nothing written.
    before = count(str(ledger.url), "production_transaction")
    at.selectbox(key="material_issue_order_1").set_value(order_id).run()
    at.radio(key="material_issue_direction_1").set_value("return")
    fill_grid(at, f"material_issue_lines_1_{order_id}", [{"quantity": "50"}])
    _click(at, "Post")
    assert at.error, "a return of more than issued is refused"
    assert count(str(ledger.url), "production_transaction") == before
    assert _wip(ledger, order_id) == Decimal("105.00")


def test_hours_are_booked_and_bad_hours_write_nothing(ledger: Engine) -> None:
    order_id = _order(ledger, release=True)
    at = _open(HOURS)
    at.selectbox(key="production_hours_order_0").set_value(order_id).run()
    fill_grid(at, f"production_hours_lines_0_{order_id}", [{"labour_hours": "x"}])
    _click(at, "Book")
    assert at.error and _wip(ledger, order_id) == 0
    generation = at.session_state["production_hours_generation"]
    fill_grid(
        at,
        f"production_hours_lines_{generation}_{order_id}",
        [{"labour_hours": "3", "machine_hours": "2"}],
    )
    _click(at, "Book")
    assert not at.error, [e.value for e in at.error]
    assert _wip(ledger, order_id) == Decimal("140.00")  # 3 x 40.00 + 2 x 10.00


def test_an_order_is_completed_and_closed_leaving_no_wip(ledger: Engine) -> None:
    order_id = _order(ledger, release=True, quantity="2")
    from transactional.manufacturing import production_postings as pp

    with session_scope(ledger) as s:
        clerk = _user(s, "clerk")
        material = po.order_materials(s, order_id)[0]
        pp.issue_materials(
            session=s,
            user=clerk,
            order=order_id,
            lines=[pp.MaterialIssue(material.id or 0, "9")],  # one leg lost
            on=TODAY,
        )
    at = _open(COMPLETION)
    at.selectbox(key="production_completion_order_0").set_value(order_id)
    at.text_input(key="production_completion_quantity_0").input("3")
    _click(at, "Complete")
    assert at.error, "more than ordered is refused"
    assert _orders(ledger)[0].quantity_completed == 0
    at.selectbox(key="production_completion_order_0").set_value(order_id)
    at.text_input(key="production_completion_quantity_0").input("2")
    at.checkbox(key="production_completion_close_0").check()
    _click(at, "Complete")
    assert not at.error, [e.value for e in at.error]
    (order,) = _orders(ledger)
    assert order.status == "closed" and order.quantity_completed == 2
    assert _wip(ledger, order_id) == 0


def test_mrp_runs_and_its_advice_becomes_orders(ledger: Engine) -> None:
    with session_scope(ledger) as s:
        clerk = _user(s, "clerk")
        sales_orders.create_order(
            session=s,
            user=clerk,
            draft=sales_orders.SalesOrderDraft(
                division="HOLD",
                customer="C1",
                warehouse="MAIN",
                order_date="2025-03-05",
                requested_date="2025-04-21",
                lines=[sales_orders.SalesLineDraft(item="TABLE", quantity="20")],
            ),
        )
    at = _open(MRP)
    _click(at, "Run MRP")
    assert not at.error, [e.value for e in at.error]
    with session_scope(ledger) as s:
        advice = s.exec(select(MrpAdvice).order_by(col(MrpAdvice.id))).all()
        actions = sorted((a.action, a.quantity) for a in advice)
    # 20 tables to make; 80 legs needed, 50 on hand: 30 to buy.
    assert actions == [("buy", 30), ("make", 20)]
    box = at.multiselect(key="mrp_convert_advice_0")
    assert len(box.options) == 2
    box.set_value([a.id for a in advice if a.action == "make"])
    _click(at, "Convert to orders")
    assert not at.error, [e.value for e in at.error]
    (order,) = _orders(ledger)
    assert order.quantity == 20 and order.status == "planned"
    with session_scope(ledger) as s:
        statuses = sorted(a.status for a in s.exec(select(MrpAdvice)).all())
    assert statuses == ["converted", "open"]


def test_a_manager_has_no_manufacturing_forms(ledger: Engine) -> None:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    sign_in(at, "manager", PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ORDER)


IMPORT = "app_pages/forms/manufacturing_import.py"


def test_an_import_is_checked_first_then_loaded_once(ledger: Engine) -> None:
    from transactional.manufacturing.models import WorkCentre

    content = b"code;name;labour_rate;hours_per_week\nPAINT;Paint shop;30.00;20\nSAW;Saw;40.00;40\n"
    at = _open(IMPORT, "accountant")
    at.selectbox(key="manufacturing_import_kind").set_value("work-centres").run()
    at.file_uploader[0].set_value(("centres.csv", content, "text/csv")).run()
    at.button(key="manufacturing_import_check").click().run()
    assert not at.error, [e.value for e in at.error]
    preview = report_frame(at, "manufacturing_import_changes")
    assert preview[["record", "action"]].values.tolist()[0] == ["PAINT", "create"]
    assert count(str(ledger.url), "work_centre") == 1  # the dry run wrote nothing
    at.button(key="manufacturing_import_load").click().run()
    assert not at.error, [e.value for e in at.error]
    with session_scope(ledger) as s:
        paint = s.exec(select(WorkCentre).where(WorkCentre.code == "PAINT")).one()
        assert (paint.labour_rate, paint.hours_per_week) == (30, 20)
    # The same file again: nothing left to change.
    at.file_uploader[0].set_value(("centres.csv", content, "text/csv")).run()
    at.button(key="manufacturing_import_check").click().run()
    assert any("changes nothing" in i.value for i in at.info)


def test_a_bad_import_row_is_named_and_nothing_is_loaded(ledger: Engine) -> None:
    content = b"code;name;labour_rate\nPAINT;Paint shop;30.00\n;No code;10\n"
    at = _open(IMPORT, "accountant")
    at.selectbox(key="manufacturing_import_kind").set_value("work-centres").run()
    at.file_uploader[0].set_value(("centres.csv", content, "text/csv")).run()
    at.button(key="manufacturing_import_check").click().run()
    assert len(at.error) == 1 and "3" in at.error[0].value, [e.value for e in at.error]
    assert "manufacturing_import_load" not in {b.key for b in at.button}
    assert count(str(ledger.url), "work_centre") == 1


# --- editing a planned order's materials and operations --------------------------------------

EDIT_MATERIALS = "production_order_edit_materials"
EDIT_OPERATIONS = "production_order_edit_operations"


def _edit_grid(
    at: AppTest,
    key: str,
    edited: dict[int, dict[str, Any]] | None = None,
    added: list[dict[str, Any]] | None = None,
) -> None:
    """Change rows of the data editor ``key`` and add rows after them (before the next run)."""
    at.session_state[key] = {
        "edited_rows": edited or {},
        "added_rows": added or [],
        "deleted_rows": [],
    }


def _lines(engine: Engine, order_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The order's materials (line, item, quantity, scrap %) and operations (sequence,
    work centre, hours, supplier, price, description), with codes for ids."""
    from transactional.manufacturing.models import WorkCentre
    from transactional.relations.models import Relation
    from transactional.wholesale.models import Item

    with session_scope(engine) as s:
        items = {i.id: i.code for i in s.exec(select(Item)).all()}
        centres = {w.id: w.code for w in s.exec(select(WorkCentre)).all()}
        relations = {r.id: r.code for r in s.exec(select(Relation)).all()}
        materials = [
            (m.line_number, items[m.item_id], m.quantity, m.scrap_pct)
            for m in po.order_materials(s, order_id)
        ]
        operations = [
            (
                o.sequence,
                centres.get(o.work_centre_id),
                o.planned_hours,
                relations.get(o.supplier_id),
                o.outsourced_price,
                o.description,
            )
            for o in po.order_operations(s, order_id)
        ]
        return materials, operations


# What _order copies for 10 tables: 4 legs each; (1 h setup + 10 x 2 h run) on the saw.
COPIED = (
    [(1, "LEG", Decimal(40), Decimal(0))],
    [(10, "SAW", Decimal(21), None, Decimal(0), "")],
)


def _add_screw(engine: Engine) -> None:
    from transactional.wholesale import items as wi

    with session_scope(engine) as s:
        wi.create_item(
            session=s,
            user=_user(s, "admin"),
            division="HOLD",
            code="SCREW",
            name="Screw",
            purchase_price="0.10",
        )


def _open_edit(engine: Engine, order_id: int, username: str = "clerk") -> AppTest:
    at = _open(ORDER, username)
    at.selectbox(key="production_order_edit_order_0").set_value(order_id).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_planned_orders_materials_and_operations_are_edited_in_the_users_format(
    ledger: Engine,
) -> None:
    order_id = _order(ledger)
    _add_screw(ledger)
    assert _lines(ledger, order_id) == COPIED
    # The clerk writes numbers the Dutch way: 42,5 and 7,50.
    with session_scope(ledger) as s:
        users.set_locale(session=s, user=_user(s, "admin"), username="clerk", locale="nl_NL")
    # AppTest words the widgets' options in the test's own locale: Dutch, as the page.
    with use_locale("nl_NL"):
        at = _open_edit(ledger, order_id)
        _edit_grid(
            at,
            f"{EDIT_MATERIALS}_0_{order_id}",
            edited={0: {"quantity": "42,5", "scrap_pct": "5"}},
            added=[{"item": "SCREW", "quantity": "80"}],
        )
        paint = {
            "sequence": 20,
            "supplier": "S1",
            "outsourced_price": "7,50",
            "description": "Paint",
        }
        _edit_grid(
            at,
            f"{EDIT_OPERATIONS}_0_{order_id}",
            edited={0: {"description": "Saw legs"}},
            added=[paint],
        )
        _click(at, "Regels opslaan")  # "Save lines" in Dutch
    assert not at.error, [e.value for e in at.error]
    assert _lines(ledger, order_id) == (
        [
            (1, "LEG", Decimal("42.5"), Decimal(5)),
            (2, "SCREW", Decimal(80), Decimal(0)),
        ],
        [
            # The saw's 21 hours came back unchanged from the cell that showed them.
            (10, "SAW", Decimal(21), None, Decimal(0), "Saw legs"),
            (20, None, Decimal(0), "S1", Decimal("7.50"), "Paint"),
        ],
    )
    assert any("MO-2025-00001" in s.value for s in at.success)
    # The form starts afresh: the order is picked again to edit it further.
    assert at.selectbox(key="production_order_edit_order_1").value is None


@pytest.mark.parametrize(
    ("materials", "operations", "grid", "message"),
    [
        pytest.param(
            {"added": [{"item": "NOPE", "quantity": "1"}]},
            {},
            EDIT_MATERIALS,
            "Line 2: Item NOPE does not exist in division HOLD.",
            id="unknown item",
        ),
        pytest.param(
            # The first row emptied is skipped: the refusal names the grid's row 2.
            {
                "edited": {0: {"item": None, "quantity": None, "scrap_pct": None}},
                "added": [{"item": "LEG", "quantity": "-1"}],
            },
            {},
            EDIT_MATERIALS,
            "Line 2: quantity must be above zero.",
            id="negative quantity",
        ),
        pytest.param(
            # The materials are fine, but they are not saved without the operations.
            {"edited": {0: {"quantity": "44"}}},
            {"added": [{"sequence": 20, "work_centre": "NOPE", "planned_hours": "1"}]},
            EDIT_OPERATIONS,
            "Work centre NOPE does not exist in division HOLD.",
            id="unknown work centre",
        ),
        pytest.param(
            {},
            {
                "edited": {0: {"sequence": None, "work_centre": None, "planned_hours": None}},
                "added": [
                    {
                        "sequence": 20,
                        "supplier": "S1",
                        "planned_hours": "3",
                        "outsourced_price": "2",
                    }
                ],
            },
            EDIT_OPERATIONS,
            "Operation 2: an outsourced step has a price, not hours on a work centre.",
            id="hours on an outsourced step",
        ),
    ],
)
def test_a_bad_line_is_named_under_its_grid_and_nothing_is_saved(
    ledger: Engine,
    materials: dict[str, Any],
    operations: dict[str, Any],
    grid: str,
    message: str,
) -> None:
    order_id = _order(ledger)
    at = _open_edit(ledger, order_id)
    _edit_grid(at, f"{EDIT_MATERIALS}_0_{order_id}", **materials)
    _edit_grid(at, f"{EDIT_OPERATIONS}_0_{order_id}", **operations)
    _click(at, "Save lines")
    error = the_error(at)
    assert error.value == message
    # Right under the grid it concerns.
    assert input_above(at, error).type == "dataframe"
    assert _grid_above(at, error) == grid
    assert _lines(ledger, order_id) == COPIED
    assert not at.success


def _grid_above(at: AppTest, element: object) -> str:
    """Which of the two grids (materials first, operations second) the element is under."""
    nodes = list(at.main)
    index = next(i for i, node in enumerate(nodes) if node is element)
    grids = [
        i for i, node in enumerate(nodes[:index]) if getattr(node, "type", None) == "dataframe"
    ]
    return (EDIT_MATERIALS, EDIT_OPERATIONS)[len(grids) - 1]


def test_a_released_order_is_not_offered_for_editing(ledger: Engine) -> None:
    _order(ledger, release=True)
    at = _open(ORDER)
    assert "production_order_edit_order_0" not in {b.key for b in at.selectbox}
    assert any("No planned production order to edit." in i.value for i in at.info)
    # Next to a planned one, only the planned one is offered.
    _order(ledger)
    at = _open(ORDER)
    box = at.selectbox(key="production_order_edit_order_0")
    assert box.options == ["MO-2025-00002 · TABLE Table · 10 · Mar 14, 2025"], box.options
