"""The Manufacturing page per role, against the contract warehouse's manufacturing marts
(contract_manufacturing.py: UK manufactures, HOLD does not), with every figure worked out
by hand there.

The ledger holds the two divisions (ids 1 and 2, as in the warehouse) and the users; the
what-if and the MRP conversion that write back are tested in
test_manufacturing_forms.py against a ledger built through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboards.warehouse import PublishedWarehouse
from tests.dashboards import contract_manufacturing as contract
from tests.dashboards.apptest_helpers import (
    count,
    empty_ledger,
    open_page,
    password_of,
    report_frame,
)
from tests.dashboards.test_downloads import walk, workbooks  # noqa: F401 - a fixture

PAGE = "app_pages/manufacturing.py"
# Demo user names (their passwords are known to the helpers): role and divisions.
USERS = {
    "accountant": ("accountant", ["HOLD", "UK"]),
    "manager": ("manager", ["HOLD", "UK"]),
    "analyst": ("analyst", ["HOLD", "UK"]),
    "accountant_be": ("accountant", ["HOLD", "UK"]),  # reads French (Belgium)
    "clerk1": ("clerk", ["HOLD", "UK"]),  # reads Dutch
    "clerk9": ("clerk", ["UK"]),  # the production clerk
    "clerk2": ("clerk", ["HOLD"]),  # no manufacturing division
}
LOCALES = {"accountant_be": "fr_BE", "clerk1": "nl_NL"}


@pytest.fixture(scope="session")
def manufacturing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("manufacturing_wh")
    contract.publish(path)
    return path


@pytest.fixture
def manufacturing_wh(manufacturing_dir: Path) -> PublishedWarehouse:
    target = (manufacturing_dir / "published" / "CURRENT").read_text().strip()
    return PublishedWarehouse(manufacturing_dir / "published" / target)


@pytest.fixture
def page_env(monkeypatch: pytest.MonkeyPatch, manufacturing_dir: Path, tmp_path: Path) -> str:
    """The contract warehouse with manufacturing, and a ledger of its divisions and users."""
    from transactional.database import make_engine, session_scope
    from transactional.organisation import services as org
    from transactional.organisation import users
    from transactional.organisation.models import User

    url = empty_ledger(monkeypatch, tmp_path)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(manufacturing_dir))
    with session_scope(make_engine(url)) as s:
        admin = s.exec(select(User).where(User.username == "admin")).one()
        for code, name in (("EUR", "Euro"), ("GBP", "Pound sterling")):
            org.create_currency(session=s, user=admin, code=code, name=name)
        org.create_division(
            session=s, user=admin, code="HOLD", name="Holding", currency="EUR", country="NL"
        )
        org.create_division(
            session=s,
            user=admin,
            code="UK",
            name="UK Ltd",
            currency="GBP",
            country="GB",
            parent="HOLD",
            ownership_pct=Decimal(80),
        )
        for name, (role, divisions) in USERS.items():
            org.create_user(
                session=s,
                user=admin,
                username=name,
                full_name=name,
                role=role,
                divisions=divisions,
            )
            users.set_password(session=s, user=admin, username=name, password=password_of(name))
            if name in LOCALES:
                users.set_locale(session=s, user=admin, username=name, locale=LOCALES[name])
    return url


def _metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


@pytest.mark.parametrize("username", ["admin", "accountant", "manager", "analyst", "clerk9"])
def test_each_role_reads_the_kpis_against_last_year(page_env: str, username: str) -> None:
    at = open_page(PAGE, user=username)
    assert at.title[0].value == "Manufacturing"
    assert not at.error, [e.value for e in at.error]
    # The books reach 25 December 2025: the page opens on 2025 through December.
    assert at.sidebar.selectbox(key="filter_period").value == 12
    assert [t.label for t in at.tabs] == [
        "Cost variances",
        "Material loss",
        "Lead times",
        "Work in progress",
        "Capacity",
        "MRP advice",
    ]
    assert any("from January through December 2025" in c.value for c in at.caption)
    # contract_manufacturing's docstring: 2025 through December against 2024.
    assert _metrics(at) == {
        "Output value": ("1,560.00", "+780.00"),
        "Cost variance": ("70.00", "+80.00"),
        "Material loss %": ("5.6\u00a0%", "+7.8 pt"),
        "On-time completion %": ("50.0\u00a0%", "-50.0 pt"),
        "Work in progress": ("300.00", "+300.00"),
    }


def test_a_user_without_a_manufacturing_division_sees_none_of_it(
    page_env: str, manufacturing_wh: PublishedWarehouse
) -> None:
    at = open_page(PAGE, user="clerk2")  # HOLD only
    assert not at.exception, [e.message for e in at.exception]
    assert [i.value for i in at.info] == [
        "None of your divisions manufactures: the warehouse holds no work centres or "
        "production orders for them."
    ]
    assert not at.metric and not at.dataframe and not at.tabs
    # The published connection of that scope holds no manufacturing row at all.
    scoped = replace(manufacturing_wh, divisions=frozenset({1}))
    for mart in contract.COLUMNS:
        assert int(scoped.query(f"select count(*) as n from {mart}").n[0]) == 0, mart
    whole = replace(manufacturing_wh, divisions=frozenset({2}))
    assert int(whole.query("select count(*) as n from mart_mrp_advice").n[0]) == 2


def test_a_user_who_picked_only_other_divisions_is_told_which_manufactures(
    page_env: str,
) -> None:
    at = open_page(PAGE, user="accountant")  # sees HOLD and UK; UK manufactures
    at.sidebar.multiselect(key="filter_divisions").set_value([1]).run()  # HOLD only
    assert not at.exception, [e.message for e in at.exception]
    assert [i.value for i in at.info] == [
        "None of the divisions picked in the sidebar manufactures. Pick UK in the sidebar to "
        "see its production."
    ]
    assert not at.metric and not at.tabs


def test_the_sidebar_period_filters_every_figure(page_env: str) -> None:
    at = open_page(PAGE, user="accountant")
    at.sidebar.selectbox(key="filter_period").set_value(3).run()
    assert not at.exception, [e.message for e in at.exception]
    # Through March 2025 against through March 2024: MO-2025-00001 against MO-2024-00001.
    metrics = _metrics(at)
    assert metrics["Output value"] == ("780.00", "+0.00")
    assert metrics["Cost variance"] == ("70.00", "+80.00")
    assert metrics["On-time completion %"] == ("0.0\u00a0%", "-100.0 pt")
    assert metrics["Work in progress"] == ("0.00", "+0.00")
    variances = report_frame(at, "mfg_variances")
    assert variances["orders"].tolist() == [1, 1, 1, 1, 1]
    assert variances.set_index("cost_type")["variance"].to_dict() == {
        "material": 50.0,
        "labour": 20.0,
        "machine": 0.0,
        "outsourced": 0.0,
        "overhead": 0.0,
    }
    wip = report_frame(at, "mfg_wip_position")
    assert wip["wip_transactions"].tolist() == [0.0, 800.0, 0.0]  # January to March
    assert (wip["difference"] == 0).all()


def test_a_variance_drills_down_to_its_orders_and_their_movements(page_env: str) -> None:
    at = open_page(PAGE, user="accountant")
    at.selectbox(key="mfg_variance_drill_cost_type").set_value("material").run()
    orders = report_frame(at, "mfg_variance_orders")
    assert orders[["order_number", "variance"]].values.tolist() == [
        ["MO-2025-00001", 50.0],
        ["MO-2025-00002", 0.0],
    ]
    assert "order_id" not in orders.columns
    assert not at.error, [e.value for e in at.error]
    at.selectbox(key="mfg_order_drill_variance").set_value(contract.ORDER_2025_1).run()
    moves = report_frame(at, "mfg_order_transactions_variance")
    assert moves["value"].tolist() == [500, 200, 100, 50, -780, -50, -20]
    assert moves["kind"].tolist()[:2] == ["material issue", "labour hours"]
    assert round(float(moves["value"].sum()), 2) == 0  # closed: nothing left on WIP
    # By item, the other way in: the product's whole variance.
    at.radio(key="mfg_variance_by").set_value("item").run()
    at.selectbox(key="mfg_variance_drill_item").set_value(contract.P1).run()
    assert report_frame(at, "mfg_variance_orders")["variance"].sum() == 70


def test_material_loss_and_lead_times_with_their_drill_downs(page_env: str) -> None:
    at = open_page(PAGE, user="analyst")
    loss = report_frame(at, "mfg_material_loss")
    assert loss[["component_code", "loss_quantity", "loss_value"]].values.tolist() == [
        ["C1", 5.0, 50.0]
    ]
    at.selectbox(key="mfg_loss_drill").set_value(contract.C1).run()
    behind = report_frame(at, "mfg_loss_orders")
    assert behind[["order_number", "loss_value"]].values.tolist() == [
        ["MO-2025-00001", 50.0],
        ["MO-2025-00002", 0.0],
    ]
    lead = report_frame(at, "mfg_lead_times")
    assert lead[["order_number", "days_late"]].values.tolist() == [
        ["MO-2025-00001", 4],
        ["MO-2025-00002", -5],
    ]
    assert any("2 orders completed, 1 of them late." in m.value for m in at.markdown)


def test_mrp_advice_drills_down_to_the_sales_order(page_env: str) -> None:
    at = open_page(PAGE, user="manager")
    advice = report_frame(at, "mfg_mrp_advice")
    assert advice[["item_code", "action", "quantity", "is_late"]].values.tolist() == [
        ["C1", "buy", 40.0, "yes"],
        ["P1", "make", 20.0, ""],
    ]
    at.selectbox(key="mfg_advice_drill").set_value(contract.ADVICE_BUY).run()
    pegs = report_frame(at, "mfg_mrp_pegging")
    assert pegs[["demand_type", "sales_order_number", "customer_name"]].values.tolist() == [
        ["planned order", "SO-2025-0007", "Customer One"]
    ]
    # A manager reads the advice but may not turn it into orders.
    assert any(
        "1 advice is late: its order date is before the run's start." in c.value for c in at.caption
    )
    assert not at.main.multiselect and "mfg_convert_button" not in {b.key for b in at.button}


def test_the_capacity_what_if_changes_the_load_without_writing(page_env: str) -> None:
    at = open_page(PAGE, user="clerk9")
    load = report_frame(at, "mfg_capacity_load")
    assert load["load_hours"].tolist() == [10.0, 25.0, 15.0]
    assert load["available_hours"].tolist() == [40.0, 40.0, 40.0]
    assert "whatif_hours" not in load.columns
    # Move the planned order MO-2026-00001 a week later.
    at.session_state[f"mfg_whatif_0_{contract.WC1}"] = {
        "edited_rows": {1: {"shift_weeks": 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    load = report_frame(at, "mfg_capacity_load")
    weeks = [w.date() if hasattr(w, "date") else w for w in load["week_start"]]
    assert weeks == [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    assert load["whatif_hours"].tolist() == [10.0, 10.0, 15.0, 15.0]
    assert load["load_hours"].fillna(0).tolist() == [10.0, 25.0, 15.0, 0.0]
    assert count(page_env, "production_order") == 0  # nothing saved
    assert any(b.key == "mfg_save_plan" for b in at.button)


def test_every_table_downloads_with_the_filters_in_its_header(
    page_env: str,
    workbooks: dict[str, tuple[str, Callable[[], Any]]],  # noqa: F811
) -> None:
    at = open_page(PAGE, user="accountant")
    buttons: dict[str, Any] = {}
    walk(at, buttons)
    keys = {b.key for b in buttons.values()}
    assert {
        "mfg_variances_xlsx",
        "mfg_variance_orders_xlsx",
        "mfg_order_transactions_variance_xlsx",
        "mfg_order_transactions_lead_xlsx",
        "mfg_material_loss_xlsx",
        "mfg_loss_orders_xlsx",
        "mfg_lead_times_xlsx",
        "mfg_wip_position_xlsx",
        "mfg_capacity_load_xlsx",
        "mfg_mrp_advice_xlsx",
        "mfg_mrp_pegging_xlsx",
    } <= keys, sorted(keys)
    for element_id, button in buttons.items():
        file_name, build = workbooks[element_id]
        assert file_name.endswith(".xlsx")
        sheet = load_workbook(BytesIO(build())).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        header = {r[0]: r[1] for r in rows[1 : rows.index((None,) * len(rows[0]))]}
        assert header["Divisions"] == "UK", (button.key, header)
        # The capacity sheet holds hours: no currency.
        assert header.get("Currency") == (
            None if button.key == "mfg_capacity_load_xlsx" else "GBP"
        ), header
        assert header["Fiscal year"] == "2025", header
        assert header["Through period"] == "December 2025", header
        if button.key == "mfg_variances_xlsx":
            assert header["By"] == "Cost type", header
        if button.key == "mfg_capacity_load_xlsx":
            assert header["Work centre"] == "WC1 · Assembly", header
        if button.key == "mfg_mrp_pegging_xlsx":
            assert header["Advice"].startswith("buy 40 C1"), header


def test_french_and_dutch_readers_read_the_page_in_their_language(page_env: str) -> None:
    at = open_page(PAGE, user="accountant_be")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Fabrication"
    metrics = _metrics(at)
    assert metrics["Valeur de la production"][0] == "1\u202f560,00"
    assert [t.label for t in at.tabs][0] == "Écarts de coût"
    at = open_page(PAGE, user="clerk1")
    assert at.title[0].value == "Productie"
    assert _metrics(at)["Productiewaarde"][0] == "1.560,00"
    assert report_frame(at, "mfg_variances")["cost_type"].tolist()[0] == "materiaal"


def test_the_seeded_marts_have_the_contracts_columns_and_types() -> None:
    """The hand-worked marts are shaped as the dbt contracts (enforced) say, so the page
    reads the published warehouse as it reads these."""
    import yaml  # type: ignore[import-untyped]

    root = Path(__file__).resolve().parents[2]
    spec = yaml.safe_load(
        (root / "models/models/marts/manufacturing/_manufacturing__models.yml").read_text()
    )
    contracts = {
        m["name"]: [(c["name"], c["data_type"].lower()) for c in m["columns"]]
        for m in spec["models"]
    }
    assert contracts.keys() >= contract.COLUMNS.keys()

    def same(kind: str) -> str:
        return {"string": "varchar"}.get(kind, kind).replace(" ", "")

    for mart, columns in contract.COLUMNS.items():
        assert [(n, same(t)) for n, t in contracts[mart]] == [(n, same(t)) for n, t in columns], (
            mart
        )


def _uk_orders(url: str) -> None:
    """Production orders 1-5 in UK's ledger, as the warehouse numbers them: the what-if
    saves onto orders 4 (released) and 5 (planned)."""
    from transactional.database import make_engine, session_scope
    from transactional.manufacturing import boms, item_planning, work_centres
    from transactional.manufacturing import production_orders as po
    from transactional.manufacturing.boms import BomLineDraft, OperationDraft
    from transactional.organisation.models import User
    from transactional.wholesale import items as wi

    engine = make_engine(url)
    with session_scope(engine) as s:
        admin = s.exec(select(User).where(User.username == "admin")).one()
        wi.create_warehouse(session=s, user=admin, division="UK", code="MAIN", name="Main")
        for code in ("P1", "C1"):
            wi.create_item(session=s, user=admin, division="UK", code=code, name=code)
        item_planning.set_item_planning(
            session=s, user=admin, division="UK", item="P1", supply="make"
        )
        work_centres.create_work_centre(
            session=s, user=admin, division="UK", code="WC1", name="Assembly"
        )
        boms.create_bom(
            session=s,
            user=admin,
            division="UK",
            item="P1",
            version="1",
            valid_from="2024-01-01",
            is_default=True,
            lines=[BomLineDraft("C1", "4")],
            operations=[OperationDraft(10, work_centre="WC1", setup_hours="2", run_hours="2.8")],
        )
        for n in range(5):
            order = po.create_production_order(
                session=s,
                user=admin,
                division="UK",
                item="P1",
                quantity="10",
                start_date=date(2026, 1, 5) if n == 4 else date(2025, 12, 29),
                due_date=date(2026, 1, 16) if n == 4 else date(2026, 1, 9),
                warehouse="MAIN",
            )
            assert order.id == n + 1
        po.release_production_order(session=s, user=admin, order=4, on=date(2025, 11, 10))
    engine.dispose()


def _order_row(url: str, order_id: int) -> tuple[Any, ...]:
    from transactional.database import make_engine, session_scope
    from transactional.manufacturing.models import ProductionOrder

    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            order = s.get(ProductionOrder, order_id)
            assert order is not None
            return (str(order.start_date), str(order.due_date), order.quantity)
    finally:
        engine.dispose()


def test_saving_the_what_if_writes_the_new_dates_and_quantities(page_env: str) -> None:
    _uk_orders(page_env)
    before = _order_row(page_env, contract.ORDER_OPEN)
    at = open_page(PAGE, user="clerk9")
    at.session_state[f"mfg_whatif_0_{contract.WC1}"] = {
        "edited_rows": {0: {"new_quantity": 20.0}, 1: {"shift_weeks": 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert report_frame(at, "mfg_capacity_load")["whatif_hours"].tolist() == [
        20.0,
        20.0,
        15.0,
        15.0,
    ]
    assert _order_row(page_env, contract.ORDER_OPEN) == before  # not saved yet
    at.button(key="mfg_save_plan").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("2 orders" in s.value for s in at.success)
    assert _order_row(page_env, contract.ORDER_PLANNED) == ("2026-01-12", "2026-01-23", 10)
    assert _order_row(page_env, contract.ORDER_OPEN) == ("2025-12-29", "2026-01-09", 20)
    # A fresh what-if grid after saving (the load shows the plan after the next refresh).
    assert at.session_state["mfg_whatif_generation"] == 1


def test_a_reader_may_not_save_a_plan(page_env: str) -> None:
    at = open_page(PAGE, user="analyst")
    at.session_state[f"mfg_whatif_0_{contract.WC1}"] = {
        "edited_rows": {1: {"shift_weeks": 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert "mfg_save_plan" not in {b.key for b in at.button}
    assert any("Saving a plan needs" in c.value for c in at.caption)


def test_converting_advice_from_the_page_goes_through_the_service(page_env: str) -> None:
    """The warehouse's advice 1 is not in this ledger (no MRP ran here): the service's
    refusal is shown and nothing is written."""
    at = open_page(PAGE, user="clerk9")
    at.multiselect(key="mfg_convert").set_value([contract.ADVICE_BUY]).run()
    at.button(key="mfg_convert_button").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == ["MRP advice 1 does not exist."]
    assert count(page_env, "purchase_order") == 0
    assert count(page_env, "production_order") == 0


@pytest.mark.pipeline
def test_the_demo_manufacturer_reads_its_production_on_the_page(app_env: Any) -> None:
    """The real pipeline's marts of the demo's MF01, as its production clerk sees them:
    every figure there, WIP agreeing with the ledger, no refusal on any tab."""
    at = open_page(PAGE, user="clerk9")
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="mfg_division").options == ["MF01 · Noordwind Productie B.V. (EUR)"]
    metrics = _metrics(at)
    assert set(metrics) == {
        "Output value",
        "Cost variance",
        "Material loss %",
        "On-time completion %",
        "Work in progress",
    }
    assert metrics["Output value"][0] not in ("0.00", "–")
    assert any("agrees with the WIP account" in s.value for s in at.success)
    variances = report_frame(at, "mfg_variances")
    assert set(variances["cost_type"]) <= {
        "material",
        "labour",
        "machine",
        "outsourced",
        "overhead",
    }
    # What the cost types' rows add up to is what the orders behind them add up to.
    at.selectbox(key="mfg_variance_drill_cost_type").set_value("material").run()
    assert not at.error, [e.value for e in at.error]


@pytest.mark.pipeline
def test_the_demo_manufacturers_dutch_manager_reads_it_in_dutch(app_env: Any) -> None:
    at = open_page(PAGE, user="manager_nl")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Productie"
    assert at.selectbox(key="mfg_division").options == ["MF01 · Noordwind Productie B.V. (EUR)"]
    assert set(_metrics(at)) == {
        "Productiewaarde",
        "Kostenafwijking",
        "Materiaalverlies %",
        "Op tijd gereed %",
        "Onderhanden werk",
    }
