"""Lot expiry dates in the clerk forms: the goods-receipt grid takes the date as the user
writes one, the stock count lists it in the user's language, a refusal names both dates
in it, and the production completion takes the product lot's date.

The form tests are real AppTests: the goods receipt and stock count against a copy of the
demo ledger with a Dutch clerk, the completion against the manufacturing forms' ledger;
items, orders and stock are built through the services and the database is read
afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, create_engine, select
from streamlit.testing.v1 import AppTest

from dashboards.amounts import format_day
from dashboards.forms.wholesale_forms import typed_day
from dashboards.language import _, error_text, use_locale
from tests.dashboards import test_manufacturing_forms as mf
from tests.dashboards.apptest_helpers import count, fill_grid, open_page, the_error
from tests.dashboards.conftest import Company

# The manufacturing forms' ledger (SQLite, no warehouse), as fixture mf_ledger.
from tests.dashboards.test_manufacturing_forms import ledger as mf_ledger  # noqa: F401
from tests.transactional.manufacturing_company import add_bom
from transactional.database import session_scope
from transactional.errors import ValidationError
from transactional.manufacturing import item_planning
from transactional.manufacturing import production_orders as po
from transactional.manufacturing import production_postings as pp
from transactional.manufacturing.boms import BomLineDraft
from transactional.organisation import users
from transactional.organisation.models import User
from transactional.purchasing import orders as purchase_orders
from transactional.stock.models import StockLot
from transactional.stock.movements import check_lot_expiry
from transactional.wholesale import items as wi
from transactional.wholesale.models import Item

COLD = "T-COLD"  # a warehouse of its own
PASTE = "T-PASTE"  # lot-tracked, bought at 4.00


def _conflict(item: Item, where: str) -> ValidationError:
    lot = StockLot(item_id=1, number="B-1", kind=item.tracking, expiry_date=date(2026, 12, 31))
    with pytest.raises(ValidationError) as refused:
        check_lot_expiry(item, lot, date(2026, 11, 30), where=where, field="lines.1")
    return refused.value


def test_a_refusal_names_both_dates_in_the_users_language() -> None:
    err = _conflict(Item(code=PASTE, tracking="lot"), "Line 2")
    assert str(err).startswith(  # logs and the command line: ISO dates
        "Line 2: lot B-1 of item T-PASTE expires on 2026-12-31, not on 2026-11-30"
    )
    with use_locale("nl_NL"):
        assert error_text(err).startswith(
            "Regel 2: partij B-1 van artikel T-PASTE vervalt op 31 dec 2026, niet op "
            "30 nov 2026: een partij heeft één vervaldatum. Geef 31 dec 2026 of geen datum"
        )
    with use_locale("fr_BE"):
        assert error_text(err).startswith(
            "Ligne 2\u00a0: le lot B-1 de l'article T-PASTE se périme le 31 déc. 2026, pas le "
            "30 nov. 2026"
        )
    # A file's row (opening stock) reads in the user's language too.
    serial = _conflict(Item(code="T-SCAN", tracking="serial"), "Row 4")
    with use_locale("nl_BE"):
        assert error_text(serial) == (
            "Rij 4: serienummer B-1 van artikel T-SCAN vervalt op 31 dec 2026, niet op "
            "30 nov 2026. Geef 31 dec 2026 of geen datum."
        )


@pytest.mark.parametrize(
    ("locale", "typed", "shown"),
    [
        ("nl_NL", "31-12-2026", "31 dec 2026"),
        ("fr_FR", "31/12/2026", "31 déc. 2026"),
        ("en", "2026-12-31", "Dec 31, 2026"),
    ],
)
def test_a_date_is_typed_and_shown_as_the_user_writes_and_reads_one(
    locale: str, typed: str, shown: str
) -> None:
    with use_locale(locale):
        assert typed_day(date(2026, 12, 31)) == typed
        assert format_day(date(2026, 12, 31)) == shown
        assert format_day(None) == ""


# --- the forms ------------------------------------------------------------------------------


@pytest.fixture
def engine(app_env: Company) -> Iterator[Engine]:
    eng = create_engine(app_env.url)
    yield eng
    eng.dispose()


@pytest.fixture
def paste_order(app_env: Company, engine: Engine) -> int:
    """An open purchase order of 30 PASTE into COLD; the clerk reads the app in Dutch."""
    c = app_env
    with session_scope(engine) as s:
        admin = s.get(User, c.user("admin"))
        clerk = s.get(User, c.user(c.clerk))
        assert admin is not None and clerk is not None
        wi.create_warehouse(session=s, user=admin, division=c.division, code=COLD, name="Cold")
        wi.create_item(
            session=s,
            user=admin,
            division=c.division,
            code=PASTE,
            name="Paste",
            tracking="lot",
            purchase_price="4.00",
        )
        users.set_locale(session=s, user=admin, username=clerk.username, locale="nl_NL")
        order = purchase_orders.create_purchase_order(
            session=s,
            user=clerk,
            draft=purchase_orders.PurchaseOrderDraft(
                division=c.division,
                supplier=c.supplier,
                warehouse=COLD,
                order_date=c.open_date,
                lines=[purchase_orders.PurchaseLineDraft(PASTE, "30", "4.00")],
            ),
        )
        return order.id or 0


def _receive(c: Company, order_id: int, row: dict[str, str]) -> AppTest:
    at = open_page("app_pages/forms/goods_receipt.py", user=c.user(c.clerk))
    # In Dutch here too: AppTest words the picked order with the page's format function,
    # in this process, and must find the Dutch label the page showed.
    with use_locale("nl_NL"):
        at.selectbox(key="goods_receipt_order").set_value(order_id).run()
        at.date_input(key="goods_receipt_date_0").set_value(c.open_date)
        assert "expiry_date" in at.data_editor[0].value.columns
        fill_grid(at, f"goods_receipt_lines_0_{order_id}", [row])
        next(b for b in at.button if b.label == _("Receive")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _expiry(engine: Engine, number: str = "B-1") -> date | None:
    with Session(engine) as s:
        lot = s.exec(
            select(StockLot)
            .join(Item, Item.id == StockLot.item_id)  # type: ignore[arg-type]
            .where(Item.code == PASTE, StockLot.number == number)
        ).one()
        return lot.expiry_date


@pytest.mark.pipeline
def test_a_receipt_records_the_typed_expiry_date_and_refuses_another(
    app_env: Company, paste_order: int, engine: Engine
) -> None:
    c = app_env
    at = _receive(c, paste_order, {"quantity": "10", "lot": "B-1", "expiry_date": "31-12-2026"})
    assert not at.error, [e.value for e in at.error]
    assert at.success and "GR" in at.success[0].value
    assert _expiry(engine) == date(2026, 12, 31)

    before = count(c.url, "goods_receipt"), count(c.url, "stock_movement")
    at = _receive(c, paste_order, {"quantity": "5", "lot": "B-1", "expiry_date": "30-11-2026"})
    error = the_error(at)
    assert "partij B-1 van artikel T-PASTE vervalt op 31 dec 2026, niet op 30 nov 2026" in (
        error.value
    ), error.value
    assert (count(c.url, "goods_receipt"), count(c.url, "stock_movement")) == before
    assert _expiry(engine) == date(2026, 12, 31)

    # The stock count lists the lot with its expiry date as a Dutch clerk types one, and a
    # row added for a lot found gives that lot's date.
    at = open_page("app_pages/forms/stock_count.py", user=c.user(c.clerk))
    division = at.selectbox(key="stock_count_division").value
    with use_locale("nl_NL"):
        at.selectbox(key=f"stock_count_warehouse_0_{division}").set_value(COLD).run()
        at.date_input(key="stock_count_date_0").set_value(c.open_date)
        assert not at.exception, [e.message for e in at.exception]
        grid = at.data_editor[0].value
        shown = zip(grid["item"], grid["lot"], grid["expiry_date"], grid["system"], strict=True)
        assert list(shown) == [(PASTE, "B-1", "31-12-2026", "10")]
        key = f"stock_count_lines_0_{division}_{COLD}"
        at.session_state[key] = {
            "edited_rows": {},
            "added_rows": [
                {"item": PASTE, "lot": "B-2", "expiry_date": "15-08-2027", "counted": "3"}
            ],
            "deleted_rows": [],
        }
        at.run()
        next(b for b in at.button if b.label == _("Post count")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert _expiry(engine, "B-2") == date(2027, 8, 15)


def test_a_completion_records_the_products_lot_and_expiry_date(
    mf_ledger: Engine,  # noqa: F811 - the fixture imported above
) -> None:
    """A released order of 2 PASTE (lot-tracked, made from 1 LEG) with its LEG issued,
    completed in the form under lot PB-1 expiring 2025-09-30."""
    with session_scope(mf_ledger) as s:
        admin = mf._user(s, "admin")
        wi.create_item(
            session=s, user=admin, division="HOLD", code=PASTE, name="Paste", tracking="lot"
        )
        item_planning.set_item_planning(
            session=s, user=admin, division="HOLD", item=PASTE, supply="make"
        )
        add_bom(s, admin, PASTE, [BomLineDraft("LEG", "1")])
        order = po.create_production_order(
            session=s,
            user=admin,
            division="HOLD",
            item=PASTE,
            quantity="2",
            start_date=mf.TODAY,
            due_date=mf.TODAY,
            warehouse="MAIN",
        )
        po.release_production_order(session=s, user=admin, order=order.id or 0, on=mf.TODAY)
        pp.issue_materials(
            session=s,
            user=admin,
            order=order.id or 0,
            lines=[pp.MaterialIssue("LEG", "2")],
            on=mf.TODAY,
        )
        order_id = order.id or 0
    at = mf._open(mf.COMPLETION)
    at.selectbox(key="production_completion_order_0").set_value(order_id)
    at.text_input(key="production_completion_quantity_0").input("2")
    at.text_input(key="production_completion_lot_0").input("PB-1")
    at.text_input(key="production_completion_expiry_0").input("30-09-2025")
    mf._click(at, "Complete")
    assert not at.error, [e.value for e in at.error]
    assert _expiry(mf_ledger, "PB-1") == date(2025, 9, 30)
