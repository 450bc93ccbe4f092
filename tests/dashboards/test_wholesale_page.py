"""The Wholesale page, driven like a manager would, against the contract warehouse.

The contract warehouse (contract_warehouse.py) holds the wholesale marts with known
numbers; the expected KPI values are computed here from its tables with plain SQL, and the
ABC classes are the hand-worked ones of test_abc.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.queries import wholesale as wholesale_queries
from dashboards.warehouse import PublishedWarehouse
from tests.dashboards.apptest_helpers import empty_ledger, open_page, report_frame

PAGE = "app_pages/wholesale.py"
HOLD = 1


@pytest.fixture
def wholesale_env(monkeypatch: pytest.MonkeyPatch, contract_dir: Path, tmp_path: Path) -> None:
    """Point the app at the contract warehouse; the ledger holds only the admin who signs
    in (the page reads no ledger)."""
    empty_ledger(monkeypatch, tmp_path)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(contract_dir))


def _scalar(wh: PublishedWarehouse, sql: str, params: list[object] | None = None) -> float:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        row = con.execute(sql, params or []).fetchone()
    finally:
        con.close()
    assert row is not None
    return float(row[0] or 0)


def _metric(at: AppTest, label: str) -> tuple[str, str]:
    metric = next(m for m in at.metric if m.label == label)
    return metric.value, metric.delta


def _money(value: float) -> str:
    return f"{round(value, 2) + 0.0:,.2f}"


def _signed(value: float) -> str:
    return f"{round(value, 2) + 0.0:+,.2f}"


def _hold_page() -> AppTest:
    at = open_page(PAGE)
    at.multiselect(key="filter_divisions").set_value([HOLD]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _class_counts(at: AppTest) -> dict[str, int]:
    summary = report_frame(at, "abc_summary")
    return dict(zip(summary["abc_class"], summary["count"], strict=True))


def test_page_renders_with_every_section(wholesale_env: None) -> None:
    at = open_page(PAGE)
    assert at.title[0].value == "Wholesale"
    assert [m.label for m in at.metric] == [
        "Revenue",
        "Margin %",
        "Stock value",
        "Stock turnover",
        "Open sales orders",
        "Back order lines",
        "Back order value",
    ]
    assert [t.label for t in at.tabs] == [
        "ABC analysis",
        "Stock",
        "Suppliers",
        "Sales vs last year",
    ]
    assert any("same months of 2024" in c.value for c in at.caption)
    assert not at.error
    for key in (
        "abc_summary",
        "abc_table",
        "stock_position",
        "supplier_performance",
        "sales_by_dimension",
    ):
        assert not report_frame(at, key).empty, key


def test_kpis_equal_the_contract_tables(
    wholesale_env: None, contract_wh: PublishedWarehouse
) -> None:
    at = _hold_page()
    assert at.selectbox(key="filter_year").value == 2025
    assert at.selectbox(key="filter_period").value == 12

    def sales(column: str, year: int) -> float:
        return _scalar(
            contract_wh,
            f"select sum({column}) from fct_sales_lines where division_id = ? and year = ?",
            [HOLD, year],
        )

    revenue, revenue_ly = sales("revenue_base", 2025), sales("revenue_base", 2024)
    assert (revenue, revenue_ly) == (970, 430)
    assert _metric(at, "Revenue") == (_money(revenue), _signed(revenue - revenue_ly))
    margin = 100 * sales("margin_base", 2025) / revenue
    margin_ly = 100 * sales("margin_base", 2024) / revenue_ly
    assert _metric(at, "Margin %") == (f"{margin:,.1f}\u00a0%", f"{margin - margin_ly:+,.1f} pt")

    def stock(year: int) -> float:
        return _scalar(
            contract_wh,
            "select stock_valuation_base from mart_stock_reconciliation "
            "where division_id = ? and year = ? and period = 12",
            [HOLD, year],
        )

    assert _metric(at, "Stock value") == (_money(stock(2025)), _signed(stock(2025) - stock(2024)))

    def turnover(year: int) -> float:
        average = _scalar(
            contract_wh,
            "select avg(stock_valuation_base) from mart_stock_reconciliation "
            "where division_id = ? and year = ?",
            [HOLD, year],
        )
        return sales("cost_base", year) / average

    assert _metric(at, "Stock turnover") == (
        f"{turnover(2025):,.2f}×",
        f"{turnover(2025) - turnover(2024):+,.2f}×",
    )

    # Open and back orders as they stood at 31 December (hand-worked from the order lines
    # and deliveries of contract_warehouse.py). 2025: SO2025-0001 6 open x 10 = 60 (4
    # delivered 28 Nov: back order), SO2025-0002 5 x 25 = 125 (requested 10 Jan 2026: not
    # yet a back order), SO2024-0001 8 x 5 = 40 (requested 15 Oct 2024: back order);
    # SO2025-0003 was fully delivered in July. 2024: only SO2024-0001, 40, a back order.
    assert _metric(at, "Open sales orders") == (_money(225), _signed(225 - 40))
    assert _metric(at, "Back order lines") == ("2", "+1")
    assert _metric(at, "Back order value") == (_money(100), _signed(100 - 40))


def test_open_orders_stand_at_the_end_of_the_selected_month(wholesale_env: None) -> None:
    at = _hold_page()
    at.selectbox(key="filter_period").set_value(6).run()
    assert not at.exception, [e.message for e in at.exception]
    # 30 June 2025: SO2025-0003 20 ordered, 12 delivered on 10 June: 8 open x 3 = 24, a
    # back order (its other 8 came on 2 July); SO2024-0001 40, a back order. 30 June
    # 2024: nothing ordered yet (the first order is of October 2024).
    assert _metric(at, "Open sales orders") == (_money(64), _signed(64))
    assert _metric(at, "Back order lines") == ("2", "+2")
    assert _metric(at, "Back order value") == (_money(64), _signed(64))
    assert any("as they stood at the end of that month" in c.value for c in at.caption)


def test_mixed_currencies_show_every_kpi_in_group_currency(
    wholesale_env: None, contract_wh: PublishedWarehouse
) -> None:
    at = open_page(PAGE)  # both divisions: EUR and GBP (1.15 EUR per GBP in the fixture)
    assert not at.exception, [e.message for e in at.exception]

    def sales(column: str, year: int) -> float:
        return _scalar(
            contract_wh, f"select sum({column}) from fct_sales_lines where year = ?", [year]
        )

    revenue, revenue_ly = sales("revenue_group", 2025), sales("revenue_group", 2024)
    assert _metric(at, "Revenue") == (_money(revenue), _signed(revenue - revenue_ly))
    margin = 100 * sales("margin_group", 2025) / revenue
    margin_ly = 100 * sales("margin_group", 2024) / revenue_ly
    assert _metric(at, "Margin %") == (f"{margin:,.1f}\u00a0%", f"{margin - margin_ly:+,.1f} pt")
    # Stock at 31 December: HOLD 1,000 + 10 x 12 = 1,120 EUR (2024: 920), UK 500 GBP x 1.15
    # = 575 EUR.
    assert _metric(at, "Stock value") == (_money(1695), _signed(1695 - 1495))
    # Cost of sales: HOLD 2025 570 (2024 258) EUR, UK 2025 370 (2024 250) GBP x 1.15;
    # average month-end stock: HOLD 1,065 (2024 865) + UK 575.
    assert (sales("cost_group", 2025), sales("cost_group", 2024)) == (995.5, 545.5)
    turnover, turnover_ly = 995.5 / (1065 + 575), 545.5 / (865 + 575)
    assert _metric(at, "Stock turnover") == (
        f"{turnover:,.2f}×",
        f"{turnover - turnover_ly:+,.2f}×",
    )
    # Open orders at 31 December 2025: HOLD 225 (back orders 100) + UK-SO2025-1 10 open x
    # GBP 10 x 1.15 = 115, a back order; 2024: HOLD 40, a back order.
    assert _metric(at, "Open sales orders") == (_money(340), _signed(340 - 40))
    assert _metric(at, "Back order lines") == ("3", "+2")
    assert _metric(at, "Back order value") == (_money(215), _signed(215 - 40))
    assert not any("own currency" in c.value for c in at.caption)
    assert any("rate of the month-end" in c.value for c in at.caption)


def test_changing_the_a_threshold_changes_the_classes(wholesale_env: None) -> None:
    at = _hold_page()
    assert at.selectbox(key="abc_division").value == HOLD
    assert at.radio(key="abc_window").value == "rolling_12m"  # through the sidebar's 2025-12
    # The hand-worked example of test_abc.py.
    assert _class_counts(at) == {"A": 3, "B": 2, "C": 3}
    at.number_input(key="abc_a").set_value(60).run()
    assert _class_counts(at) == {"A": 2, "B": 1, "C": 5}
    at.number_input(key="abc_a").set_value(85).run()
    assert _class_counts(at) == {"A": 5, "B": 1, "C": 2}
    table = report_frame(at, "abc_table")
    assert dict(zip(table["code"], table["abc_class"], strict=True))["I05"] == "A"
    # Showing one class filters the class table.
    at.radio(key="abc_show_class").set_value("B").run()
    assert list(report_frame(at, "abc_table")["code"]) == ["I06"]


def _abc_values(at: AppTest) -> dict[str, float]:
    table = report_frame(at, "abc_table")
    return dict(zip(table["code"], table["value"], strict=True))


def test_abc_follows_the_sidebar_year_and_period(wholesale_env: None) -> None:
    # The defect: the ABC tab kept its own months whatever year the sidebar showed.
    at = _hold_page()
    assert _abc_values(at)["I01"] == 400
    at.selectbox(key="filter_year").set_value(2024).run()
    assert not at.exception, [e.message for e in at.exception]
    # 2024 (test_abc.py): I01 300 A, I02 100 A, I08 30 B.
    assert _abc_values(at) == {"I01": 300, "I02": 100, "I08": 30}
    assert _class_counts(at) == {"A": 2, "B": 1, "C": 0}
    assert any("12 months through 2024-12" in c.value for c in at.caption)
    at.selectbox(key="abc_drill").set_value(1).run()  # I01: its 2024 invoice only
    assert list(report_frame(at, "abc_documents")["document_number"]) == ["VF2024-0001"]
    # Back to 2025, through period 3: the 12 months April 2024 - March 2025, then the
    # year to date January - March 2025.
    at.selectbox(key="filter_year").set_value(2025).run()
    at.selectbox(key="filter_period").set_value(3).run()
    assert _abc_values(at) == {"I02": 350, "I01": 200, "I08": 0}
    at.radio(key="abc_window").set_value("fiscal_ytd").run()
    assert _abc_values(at) == {"I02": 250, "I01": 200, "I08": -30}
    assert any("2025 to date through 2025-03" in c.value for c in at.caption)


def test_customers_and_quantity(wholesale_env: None) -> None:
    at = _hold_page()
    at.radio(key="abc_subject").set_value("customers").run()
    at.number_input(key="abc_a").set_value(50).run()
    table = report_frame(at, "abc_table")
    assert dict(zip(table["code"], table["abc_class"], strict=True)) == {
        "C1": "A",
        "C2": "B",
        "C3": "C",
    }
    at.radio(key="abc_subject").set_value("items").run()
    at.number_input(key="abc_a").set_value(80).run()
    at.radio(key="abc_measure").set_value("quantity").run()
    table = report_frame(at, "abc_table")
    assert list(table["code"][:3]) == ["I06", "I03", "I01"]
    assert _class_counts(at) == {"A": 3, "B": 2, "C": 3}


def test_drilldown_shows_the_documents_of_the_item(wholesale_env: None) -> None:
    at = _hold_page()
    at.selectbox(key="abc_drill").set_value(1).run()  # I01
    assert not at.exception and not at.error
    docs = report_frame(at, "abc_documents")
    assert list(docs["document_number"]) == ["VF2025-0001", "VF2025-0002"]
    assert list(docs["customer_code"]) == ["C1", "C2"]
    assert float(docs["revenue"].sum()) == 400
    assert {"invoice_date", "quantity", "margin"} <= set(docs.columns)
    assert _metric(at, "Total of 2 document lines (EUR)")[0] == "400.00"
    # A customer's documents.
    at.radio(key="abc_subject").set_value("customers").run()
    at.selectbox(key="abc_drill").set_value(5).run()  # C3
    docs = report_frame(at, "abc_documents")
    assert list(docs["document_number"]) == ["CN2025-0001", "VF2025-0004", "VF2025-0006"]
    assert float(docs["revenue"].sum()) == 210


def test_stock_suppliers_and_sales_sections(wholesale_env: None) -> None:
    at = _hold_page()
    stock = report_frame(at, "stock_position")
    assert len(stock) == 4 and float(stock["stock_value"].sum()) == 1120
    at.toggle(key="stock_dead_only").set_value(True).run()
    dead = report_frame(at, "stock_position")
    assert set(dead["item_code"]) == {"I02", "I07"} and dead["is_dead_stock"].all()
    # Last issues 30 (I01), 322 (I02) and 134 (I06) days before the as-of date; I07 never.
    at.number_input(key="stock_dead_days").set_value(100).run()
    assert set(report_frame(at, "stock_position")["item_code"]) == {"I02", "I06", "I07"}
    # I07 was never issued: it counts from its first movement, 305 days ago, so beyond
    # that it is no longer dead (a fresh receipt is not dead stock); I02 (322 days) is.
    at.number_input(key="stock_dead_days").set_value(310).run()
    dead = report_frame(at, "stock_position")
    assert dict(zip(dead["item_code"], dead["days_without_issue"], strict=True)) == {"I02": 322}
    at.number_input(key="stock_dead_days").set_value(180).run()
    suppliers = report_frame(at, "supplier_performance")
    s1 = suppliers[suppliers["supplier_code"] == "S1"].iloc[0]
    assert (s1["on_time_pct"], s1["on_time_pct_last_year"], s1["returns_pct"]) == (80, 100, 5)
    assert s1["avg_actual_lead_days"] - s1["avg_promised_lead_days"] == 1.5
    at.radio(key="sales_dimension").set_value("country").run()
    sales = report_frame(at, "sales_by_dimension")
    by_country = dict(zip(sales["country"], sales["this_year"], strict=True))
    assert by_country == {"NL": 500, "BE": 260, "DE": 210}
    # By customer the same revenue splits differently but adds up to the same total.
    at.radio(key="sales_dimension").set_value("customer_code").run()
    by_customer = report_frame(at, "sales_by_dimension")
    assert len(by_customer) > 1
    assert float(by_customer["this_year"].sum()) == sum(by_country.values())


def test_every_table_has_an_excel_download_under_it(wholesale_env: None) -> None:
    at = _hold_page()
    at.selectbox(key="abc_drill").set_value(1).run()
    nodes: list[Any] = [
        n for n in at.main if getattr(n, "type", None) in ("dataframe", "download_button")
    ]
    tables = [i for i, n in enumerate(nodes) if n.type == "dataframe"]
    assert len(tables) == 6
    for i in tables:
        assert nodes[i + 1].type == "download_button", nodes[i].key
        assert nodes[i + 1].label == "Download as Excel"


def test_thresholds_over_100_percent_are_refused(wholesale_env: None) -> None:
    at = _hold_page()
    at.number_input(key="abc_a").set_value(90).run()
    at.number_input(key="abc_b").set_value(20).run()
    assert any("more than 100" in e.value for e in at.error)
    assert not at.exception


def test_a_warehouse_without_the_wholesale_marts_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.dashboards import contract_warehouse

    published = contract_warehouse.publish(tmp_path / "old")
    con = duckdb.connect(str(published))
    try:
        con.execute("drop table mart_stock_position")
    finally:
        con.close()
    empty_ledger(monkeypatch, tmp_path)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "old"))
    at = open_page(PAGE)
    assert not at.metric
    assert any("mart_stock_position" in i.value and "erp refresh" in i.value for i in at.info)


def test_abc_opens_on_the_division_that_sells_most(
    wholesale_env: None, contract_wh: PublishedWarehouse
) -> None:
    at = open_page(PAGE)  # every division selected
    assert not at.exception, [e.message for e in at.exception]
    top = _scalar(
        contract_wh,
        "select division_id from mart_item_sales_monthly group by division_id "
        "order by sum(revenue_group) desc limit 1",
    )
    assert at.selectbox(key="abc_division").value == int(top)


def test_divisions_are_ranked_by_item_sales_in_group_currency(tmp_path: Path) -> None:
    # Division 2 sells most in the group currency though division 3 has the larger base
    # amount (a weak currency); division 1 sells nothing.
    path = tmp_path / "ranked.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create table mart_item_sales_monthly as select * from (values "
        "(2, 100.0, 120.0), (2, 50.0, 60.0), (3, 900.0, 90.0)) t(division_id, revenue_base, "
        "revenue_group)"
    )
    con.close()
    assert wholesale_queries.divisions_by_sales(PublishedWarehouse(path)) == [2, 3]
