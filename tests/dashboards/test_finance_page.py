"""The Finance page, driven like a manager would, checked against the marts it reads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from dashboards.queries import ledger
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse
from tests.dashboards.apptest_helpers import open_page, report_frame
from tests.dashboards.conftest import Company

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

PAGE = "app_pages/finance.py"


def _scalar(wh: PublishedWarehouse, sql: str, params: list[object]) -> float:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        row = con.execute(sql, params).fetchone()
    finally:
        con.close()
    assert row is not None
    return float(row[0] or 0)


# How English writes the demo's currencies before an amount (CLDR: "€1,234.50").
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _money(value: float, currency: str | None = None) -> str:
    """How the page writes an amount in English (KPI cards leave the currency to the
    caption): ``-€1,234.50``."""
    number = round(value, 2) + 0.0
    sign = "-" if number < 0 else ""
    return f"{sign}{_SYMBOLS[currency] if currency else ''}{abs(number):,.2f}"


def _with_currency(shown: str, currency: str) -> str:
    """A KPI card's amount (no currency) as the drill-down writes it: ``-€16,264.52``."""
    sign, digits = ("-", shown[1:]) if shown.startswith("-") else ("", shown)
    return f"{sign}{_SYMBOLS[currency]}{digits}"


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _filters(at: AppTest) -> tuple[int, int]:
    return int(at.selectbox(key="filter_year").value), int(at.selectbox(key="filter_period").value)


def _divisions(wh: PublishedWarehouse) -> dict[str, tuple[int, str]]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        rows = con.execute(
            "select division_code, division_id, currency_code from dim_divisions"
        ).fetchall()
    finally:
        con.close()
    return {code: (int(i), cur) for code, i, cur in rows}


def _group_currency(wh: PublishedWarehouse) -> str:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        row = con.execute("select currency_code from dim_divisions where is_group_top").fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def _revenue(wh: PublishedWarehouse, ids: list[int], year: int, period: int, column: str) -> float:
    return _scalar(
        wh,
        f"select sum({column}) from mart_profit_and_loss where pl_section = 'Revenue' "
        "and fiscal_year = ? and period_number <= ? and list_contains(?, division_id)",
        [year, period, ids],
    )


def test_page_opens_on_the_published_version(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE)
    assert at.title[0].value == "Finance"
    assert any(insights.version in c.value for c in at.sidebar.caption)
    assert [m.label for m in at.metric] == [
        "Revenue",
        "Gross margin",
        "Net result",
        "Cash",
        "Receivables",
        "Payables",
        "Overdue receivables",
    ]


def test_revenue_kpi_equals_the_marts_revenue(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE)
    year, period = _filters(at)
    divisions = _divisions(insights)
    ids = [i for i, _ in divisions.values()]
    currencies = {cur for _, cur in divisions.values()}
    if len(currencies) > 1:
        currency, column = _group_currency(insights), "amount_group"
        assert any("group currency" in c.value for c in at.caption)
    else:
        currency, column = currencies.pop(), "amount"
    assert any(f"Amounts in {currency}" in c.value for c in at.caption)
    assert _metric(at, "Revenue") == _money(_revenue(insights, ids, year, period, column))
    revenue_last_year = _revenue(insights, ids, year - 1, period, column)
    delta = next(m for m in at.metric if m.label == "Revenue").delta
    if revenue_last_year:
        this_year = _revenue(insights, ids, year, period, column)
        assert delta == f"{round(this_year - revenue_last_year, 2) + 0.0:+,.2f}"


def test_one_division_shows_its_own_currency(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE)
    divisions = _divisions(insights)
    code, (division_id, currency) = sorted(divisions.items(), key=lambda d: d[1][1] != "EUR")[-1]
    at.multiselect(key="filter_divisions").set_value([division_id]).run()
    year, period = _filters(at)
    assert any(f"Amounts in {currency}, the divisions' own currency" in c.value for c in at.caption)
    expected = _revenue(insights, [division_id], year, period, "amount")
    assert _metric(at, "Revenue") == _money(expected), code
    # An earlier period shows the revenue to date of that period.
    at.selectbox(key="filter_period").set_value(1).run()
    assert _metric(at, "Revenue") == _money(_revenue(insights, [division_id], year, 1, "amount"))


def test_drilldown_total_equals_the_figure(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE)
    drill = at.selectbox(key="drill_figure")
    revenue_key = next(k for k in drill.options if "Revenue" in k)
    assert revenue_key == "P&L section · Revenue"
    drill.set_value("pl_section:Revenue:").run()
    assert not at.exception
    figure = next(m for m in at.metric if m.label.startswith("Figure"))
    total = next(m for m in at.metric if m.label.startswith("Total of"))
    currency = figure.label.split("(")[1].rstrip(")")
    assert figure.value == total.value == _with_currency(_metric(at, "Revenue"), currency)
    difference = next(m for m in at.metric if m.label.startswith("Difference"))
    assert difference.value == _money(0.0, currency)
    lines = at.dataframe[-1].value  # the drill-down table closes the page
    n_lines = int(total.label.split()[2].replace(",", ""))
    assert len(lines) == min(n_lines, ledger.LINES_PER_PAGE) > 0
    assert {"document_number", "entry_date", "description", "relation_name", "amount"} <= set(
        lines.columns
    )
    assert not at.error


def test_drilldown_pages_through_all_lines(
    insights: PublishedWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure on more lines than a page shows them a page at a time, all of them."""
    at = open_page(PAGE)
    at.selectbox(key="drill_figure").set_value("pl_section:Revenue:").run()
    total = next(m for m in at.metric if m.label.startswith("Total of"))
    n_lines = int(total.label.split()[2].replace(",", ""))
    # Pages small enough that the demo's revenue fills three or four of them.
    per = n_lines // 3
    assert per > 1, "the demo should hold some revenue lines"
    monkeypatch.setattr(ledger, "LINES_PER_PAGE", per)
    at.run()
    pages = -(-n_lines // per)
    page = at.number_input(key="drill_lines_page")
    assert page.max == pages and page.value == 1
    seen = []
    for number in range(1, pages + 1):
        page.set_value(number).run()
        assert not at.exception and not at.error
        shown = report_frame(at, "drill_lines")
        assert len(shown) == (per if number < pages else n_lines - per * (pages - 1))
        assert any(f"Lines {per * (number - 1) + 1:,} to" in c.value for c in at.caption)
        seen.append(shown)
    every = pd.concat(seen, ignore_index=True)
    # Each line once, oldest first, and together they make the figure.
    assert len(every) == n_lines
    assert list(every["entry_date"]) == sorted(every["entry_date"])
    figure = next(m for m in at.metric if m.label.startswith("Figure"))
    currency = figure.label.split("(")[1].rstrip(")")
    assert _money(float(every["amount"].sum()), currency) == figure.value


def test_balance_sheet_result_line_drills_to_the_pl(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE)
    first = min(i for i, _ in _divisions(insights).values())
    at.multiselect(key="filter_divisions").set_value([first]).run()
    drill = at.selectbox(key="drill_figure")
    assert any("CYR" in label for label in drill.options)
    drill.set_value("bs_line:CYR:").run()
    assert not at.exception and not at.error
    bs = at.dataframe(key="balance_sheet").value
    cyr_amount = float(bs[bs["line_code"] == "CYR"]["this_year"].sum())
    figure = next(m for m in at.metric if m.label.startswith("Figure"))
    total = next(m for m in at.metric if m.label.startswith("Total of"))
    currency = figure.label.split("(")[1].rstrip(")")
    assert figure.value == total.value == _money(cyr_amount, currency)
    assert _with_currency(_metric(at, "Net result"), currency) == figure.value


def test_every_table_has_an_excel_download_under_it(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE)
    at.selectbox(key="drill_figure").set_value("pl_section:Revenue:").run()
    nodes = [n for n in at.main if getattr(n, "type", None) in ("dataframe", "download_button")]
    tables = [i for i, n in enumerate(nodes) if n.type == "dataframe"]
    assert len(tables) >= 8
    for i in tables:
        assert nodes[i + 1].type == "download_button", nodes[i].key
        assert nodes[i + 1].label == "Download as Excel"


def test_page_says_how_to_publish_when_nothing_is_published(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app_env: object
) -> None:
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "empty"))
    at = open_page(PAGE)
    assert not at.metric
    assert any("erp refresh" in i.value for i in at.info)
    assert any("erp refresh" in w.value for w in at.sidebar.warning)
    # The forms do not need the warehouse.
    at.switch_page("app_pages/forms/journal_entry.py").run()
    assert not at.exception and at.title[0].value == "Journal entry"


def test_long_open_invoice_lists_show_the_most_overdue(
    insights: PublishedWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards.queries import finance

    con = insights.connection()
    try:
        overdue = [
            doc
            for (doc,) in con.execute(
                "select document_number from mart_receivables_ageing "
                "order by days_overdue desc, document_number"
            ).fetchall()
        ]
    finally:
        con.close()
    assert len(overdue) > 3
    monkeypatch.setattr(finance, "OPEN_INVOICES_SHOWN", 3)
    at = open_page(PAGE)
    shown = report_frame(at, "receivables_open_invoices")
    assert list(shown["document_number"]) == overdue[:3]
    assert any(
        f"The 3 most overdue of {len(overdue):,} open invoices" in c.value for c in at.caption
    )
    # What the download runs: every open invoice, in the same order.
    everything = Selection(
        tuple(i for i, _ in _divisions(insights).values()), 2026, 12, "EUR", True
    )
    listed = finance.open_invoices(insights, everything, "receivables", limit=None)
    assert list(listed["document_number"]) == overdue


def test_the_page_opens_on_the_last_month_with_postings(insights: PublishedWarehouse) -> None:
    # The suite's today is 2026-11-23 (tests/conftest.py) and the demo's books end on
    # 2026-10-31: October, not November's or December's empty month.
    at = open_page(PAGE)
    assert _filters(at) == (2026, 10)


def test_a_picked_ledger_line_shows_its_entrys_audit_rows(
    insights: PublishedWarehouse, app_env: Company
) -> None:
    at = open_page(PAGE)  # the admin may read the audit trail
    at.selectbox(key="drill_figure").set_value("pl_section:Revenue:").run()
    line = report_frame(at, "drill_lines").iloc[0]
    at.session_state["drill_lines"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    engine = create_engine(app_env.url)
    with engine.connect() as con:
        entry_id = con.execute(
            text(
                "select e.id from journal_entry e join division d on d.id = e.division_id "
                "where e.document_number = :n and d.code = :d"
            ),
            {"n": line["document_number"], "d": line["division_code"]},
        ).scalar_one()
    engine.dispose()
    assert f"**Audit trail of entry {entry_id}**" in [m.value for m in at.markdown]
    audit = report_frame(at, "drill_lines_audit")
    # Who posted the entry and its lines: the rows of that entry only.
    assert len(audit) > 0
    assert set(audit["table_name"]) <= {"journal_entry", "journal_line"}
    assert set(audit["record_key"]) == {str(entry_id)}


def test_a_manager_picks_no_line_for_the_audit(insights: PublishedWarehouse) -> None:
    at = open_page(PAGE, user="manager")  # no right to the audit trail
    at.selectbox(key="drill_figure").set_value("pl_section:Revenue:").run()
    at.session_state["drill_lines"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not any("Audit trail of entry" in m.value for m in at.markdown)
