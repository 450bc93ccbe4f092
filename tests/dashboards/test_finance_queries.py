"""The Finance queries against a contract-shaped warehouse with known numbers."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards.queries import finance, ledger
from dashboards.selection import Selection, build_selection, default_period
from dashboards.warehouse import PublishedWarehouse
from tests.dashboards import contract_warehouse
from tests.dashboards.conftest import DemoStack
from transactional import clock

ALL = Selection((1, 2), 2025, 6, "EUR", True)
HOLD = Selection((1,), 2025, 6, "EUR", False)
UK = Selection((2,), 2025, 6, "GBP", False)


def _scalar(wh: PublishedWarehouse, sql: str) -> float:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    assert row is not None
    return float(row[0] or 0)


def _kpi(wh: PublishedWarehouse, sel: Selection, key: str, column: str = "this_year") -> float:
    rows = finance.kpis(wh, sel).set_index("kpi")
    return float(rows.loc[key, column])


def test_selection_shows_own_currency_for_one_currency_else_group() -> None:
    divisions = pd.DataFrame(
        [(1, "EUR", True), (2, "GBP", False), (3, "EUR", False)],
        columns=["division_id", "currency_code", "is_group_top"],
    )
    assert build_selection(divisions, [2], 2025, 3) == Selection((2,), 2025, 3, "GBP", False)
    assert build_selection(divisions, [3, 1], 2025, 3).in_group_currency is False
    everything = build_selection(divisions, [], 2025, 3)
    assert everything == Selection((1, 2, 3), 2025, 3, "EUR", True)
    assert everything.pl_amount == "amount_group" and everything.suffix == "group"
    assert "group currency" in everything.currency_note


def test_default_period_is_the_one_holding_today(contract_wh: PublishedWarehouse) -> None:
    periods = finance.fiscal_periods(contract_wh)
    assert finance.last_posting_date(contract_wh) == date(2025, 12, 25)  # the fixture's last
    assert default_period(periods, date(2025, 6, 15), date(2025, 12, 25)) == (2025, 6)
    assert default_period(periods, date(2030, 1, 1), None) == (2025, 12)
    assert default_period(periods, date(2000, 1, 1), None) == (2025, 12)


def _months(first_year: int, last_year: int) -> pd.DataFrame:
    """Calendar-month periods, as dim_periods holds them for the demo's fiscal years."""
    return pd.DataFrame(
        [
            (year, month, f"{year}-{month:02d}", date(year, month, 1))
            for year in range(first_year, last_year + 1)
            for month in range(1, 13)
        ],
        columns=["fiscal_year", "period_number", "period_key", "period_start"],
    )


def test_default_period_is_the_last_posting_period_when_the_books_stop_before_today() -> None:
    # The demo's periods run to 2026-12, its books to 2026-10-31: opening on December (or
    # the last period) would show an empty month. Years later it still opens on October.
    periods = _months(2024, 2026)
    assert default_period(periods, date(2026, 12, 6), date(2026, 10, 31)) == (2026, 10)
    assert default_period(periods, date(2031, 3, 1), date(2026, 10, 31)) == (2026, 10)
    # Books posted ahead of today (a dated invoice): today's period, not the future one.
    assert default_period(periods, date(2025, 3, 14), date(2026, 10, 31)) == (2025, 3)
    # An empty ledger: today's period.
    assert default_period(periods, date(2025, 3, 14), None) == (2025, 3)


def test_a_figure_without_lines_in_the_selection_reconciles_to_zero(
    contract_wh: PublishedWarehouse,
) -> None:
    # No ledger line of any division lies in 2019: the revenue figure and its lines are 0.
    for sel in (Selection((1, 2), 2019, 6, "EUR", True), Selection((2,), 2019, 6, "GBP", False)):
        figure = ledger.Figure("pl_section", "Revenue", "P&L section · Revenue")
        check = ledger.reconciliation(contract_wh, sel, figure)
        assert check.to_dict("records") == [
            {
                "amount_currency": sel.currency,
                "figure": 0,
                "lines_total": 0,
                "lines": 0,
                "difference": 0,
            }
        ]
        assert ledger.ledger_lines(contract_wh, sel, figure).empty


@pytest.mark.parametrize("sel", [ALL, HOLD, UK], ids=["group", "HOLD", "UK"])
def test_revenue_kpi_is_the_marts_revenue(contract_wh: PublishedWarehouse, sel: Selection) -> None:
    divisions = ",".join(str(d) for d in sel.division_ids)
    for year, column in ((2025, "this_year"), (2024, "last_year")):
        expected = _scalar(
            contract_wh,
            f"select sum({sel.pl_amount}) from mart_profit_and_loss "
            f"where pl_section = 'Revenue' and fiscal_year = {year} and period_number <= 6 "
            f"and division_id in ({divisions})",
        )
        assert _kpi(contract_wh, sel, "revenue", column) == pytest.approx(expected)
    assert _kpi(contract_wh, sel, "revenue", "change") == pytest.approx(
        _kpi(contract_wh, sel, "revenue") - _kpi(contract_wh, sel, "revenue", "last_year")
    )


def test_kpis_known_values_for_the_holding(contract_wh: PublishedWarehouse) -> None:
    # Fixture: HOLD sells 1000 + 10 * month (+100 in 2025), services 250.50 each quarter,
    # cost of sales 40 % of goods, rent 300 a month.
    goods_2025 = sum(1100 + 10 * m for m in range(1, 7))
    revenue = goods_2025 + 2 * 250.50
    assert _kpi(contract_wh, HOLD, "revenue") == pytest.approx(revenue)
    assert _kpi(contract_wh, HOLD, "gross_margin") == pytest.approx(revenue - 0.4 * goods_2025)
    assert _kpi(contract_wh, HOLD, "net_result") == pytest.approx(
        revenue - 0.4 * goods_2025 - 6 * 300
    )
    rows = finance.kpis(contract_wh, HOLD)
    assert list(rows["kpi"]) == [key for key, _ in finance.KPIS]
    # Positions at the end of June: receivables equal the services not yet received.
    assert _kpi(contract_wh, HOLD, "receivables") == pytest.approx(
        _scalar(
            contract_wh,
            "select open_amount_base from mart_open_items_by_period where division_id = 1 "
            "and fiscal_year = 2025 and period_number = 6 and item_type = 'receivable'",
        )
    )
    assert _kpi(contract_wh, HOLD, "cash") == pytest.approx(
        finance.cash_position(contract_wh, HOLD)["balance"].iloc[-1]
    )


def test_no_previous_year_gives_no_comparison(contract_wh: PublishedWarehouse) -> None:
    first_year = Selection((1,), 2024, 6, "EUR", False)
    rows = finance.kpis(contract_wh, first_year)
    assert rows["last_year"].isna().all()
    assert rows["change"].isna().all()


def test_pnl_tables_agree_and_keep_report_order(contract_wh: PublishedWarehouse) -> None:
    accounts = finance.pnl_by_account(contract_wh, ALL)
    sections = finance.pnl_by_section(contract_wh, ALL)
    assert list(sections["pl_section"]) == ["Revenue", "Cost of sales", "Operating expenses"]
    by_section = accounts.groupby("pl_section")["this_year"].sum()
    for row in sections.itertuples():
        assert by_section[row.pl_section] == pytest.approx(row.this_year)
    assert sections["this_year"].sum() == pytest.approx(_kpi(contract_wh, ALL, "net_result"))
    months = finance.pnl_by_month(contract_wh, ALL)
    assert set(months[months.fiscal_year == 2025]["period_number"]) == set(range(1, 7))
    assert set(months[months.fiscal_year == 2024]["period_number"]) == set(range(1, 13))
    assert months[months.fiscal_year == 2025]["revenue"].sum() == pytest.approx(
        _kpi(contract_wh, ALL, "revenue")
    )


@pytest.mark.parametrize("sel", [ALL, HOLD, UK], ids=["group", "HOLD", "UK"])
def test_balance_sheet_balances_and_has_result_lines(
    contract_wh: PublishedWarehouse, sel: Selection
) -> None:
    bs = finance.balance_sheet(contract_wh, sel)
    sides = bs.groupby("side")["this_year"].sum()
    assert sides["assets"] == pytest.approx(sides["equity_and_liabilities"])
    assert {"CYR", "RE"} <= set(bs["line_code"])
    cyr = bs.set_index("line_code").loc["CYR", "this_year"]
    if not sel.in_group_currency:
        assert cyr == pytest.approx(_kpi(contract_wh, sel, "net_result"))


@pytest.mark.parametrize("sel", [ALL, HOLD, UK], ids=["group", "HOLD", "UK"])
def test_every_figure_reconciles_to_its_ledger_lines(
    contract_wh: PublishedWarehouse, sel: Selection
) -> None:
    figures = ledger.figures(
        finance.pnl_by_section(contract_wh, sel),
        finance.pnl_by_account(contract_wh, sel),
        finance.balance_sheet(contract_wh, sel),
    )
    statements = {f.statement for f in figures}
    assert statements == {"pl_section", "pl_account", "bs_line"}
    assert {"CYR", "RE"} <= {f.code for f in figures}
    for figure in figures:
        check = ledger.reconciliation(contract_wh, sel, figure)
        lines = ledger.ledger_lines(contract_wh, sel, figure)
        assert len(check), figure
        assert check["difference"].abs().max() < 0.005, (figure, check)
        assert check["lines"].sum() == len(lines), figure
        for row in check.itertuples():
            shown = lines[lines["amount_currency"] == row.amount_currency]["amount"].sum()
            assert shown == pytest.approx(row.figure, abs=0.005), figure


@pytest.mark.parametrize("per_page", [1, 4, 1000])
def test_ledger_lines_come_a_page_at_a_time(contract_wh: PublishedWarehouse, per_page: int) -> None:
    figure = next(
        f
        for f in ledger.figures(
            finance.pnl_by_section(contract_wh, ALL),
            finance.pnl_by_account(contract_wh, ALL),
            finance.balance_sheet(contract_wh, ALL),
        )
        if f.statement == "pl_section" and f.code == "Revenue"
    )
    every = ledger.ledger_lines(contract_wh, ALL, figure)
    pages = ledger.page_count(len(every), per_page)
    assert pages == -(-len(every) // per_page)
    paged = pd.concat(
        [
            ledger.ledger_lines(contract_wh, ALL, figure, page=n, per_page=per_page)
            for n in range(1, pages + 1)
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(paged, every)
    # Given the count, pages past the middle are read from the newest end: same lines.
    counted = pd.concat(
        [
            ledger.ledger_lines(
                contract_wh, ALL, figure, page=n, per_page=per_page, total=len(every)
            )
            for n in range(1, pages + 1)
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(counted, every)
    beyond = ledger.ledger_lines(contract_wh, ALL, figure, page=pages + 1, per_page=per_page)
    assert beyond.empty
    assert ledger.ledger_lines(
        contract_wh, ALL, figure, page=pages + 1, per_page=per_page, total=len(every)
    ).empty
    assert ledger.page_count(0) == 1


def test_drilldown_lines_carry_what_a_clerk_needs(contract_wh: PublishedWarehouse) -> None:
    accounts = finance.pnl_by_account(contract_wh, HOLD)
    rent = accounts[accounts["account_code"] == "4300"].iloc[0]
    figure = ledger.Figure("pl_account", "4300", "Rent", account_id=int(rent["account_id"]))
    lines = ledger.ledger_lines(contract_wh, HOLD, figure)
    assert len(lines) == 6
    assert set(lines["document_number"].str.slice(0, 6)) == {"IK2025"}
    assert (lines["relation_name"] == "Landlord BV").all()
    assert lines["amount"].sum() == pytest.approx(rent["this_year"]) == pytest.approx(-1800)
    assert list(lines["entry_date"]) == sorted(lines["entry_date"])
    for column in ("description", "debit_base", "credit_base", "journal_code", "division_code"):
        assert column in lines.columns


def test_ageing_lists_open_invoices_of_the_chosen_divisions(
    contract_wh: PublishedWarehouse,
) -> None:
    # The fixture's ageing is at the end of 2025: the selected period decides (issue 13).
    all_, hold, uk = (replace(s, period_through=12) for s in (ALL, HOLD, UK))
    assert finance.open_invoices(contract_wh, HOLD, "receivables").empty  # period 6
    hold_invoices = finance.open_invoices(contract_wh, hold, "receivables")
    assert list(hold_invoices["document_number"]) == ["VK2025-000090", "VK2025-000101"]
    buckets = finance.ageing_buckets(contract_wh, all_, "receivables")
    assert list(buckets["ageing_bucket"]) == ["Not due", "31-60", "90+"]
    # EUR and GBP divisions together: buckets in the group currency (GBP 300 at 1.15).
    assert set(buckets["currency"]) == {"EUR"}
    assert list(buckets["open_amount"]) == pytest.approx([1210.0, 500.0, 345.0])
    uk_buckets = finance.ageing_buckets(contract_wh, uk, "receivables")
    assert list(uk_buckets["currency"]) == ["GBP"]
    assert list(uk_buckets["open_amount"]) == pytest.approx([300.0])
    assert finance.open_invoices(contract_wh, uk, "payables").empty
    assert list(finance.open_invoices(contract_wh, hold, "payables")["document_number"]) == [
        "IK2025-000012"
    ]
    with pytest.raises(ValueError):
        finance.open_invoices(contract_wh, all_, "stock")


def test_one_connection_per_published_file_and_old_files_let_go(tmp_path: Path) -> None:
    """Queries share one read-only connection per file (opening costs ~25 ms a query),
    from many threads at once; reading a newer publication closes the older file's."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    older = PublishedWarehouse(contract_warehouse.publish(tmp_path / "older"))
    os.utime(older.path, (1_000_000_000, 1_000_000_000))  # published long ago
    expected = finance.kpis(older, ALL)
    # The app holds the file: DuckDB refuses a read-write open beside its read-only one.
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(older.path))
    newer = PublishedWarehouse(contract_warehouse.publish(tmp_path / "newer"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: finance.kpis(newer, ALL), range(16)))
    assert all(r.equals(expected) for r in results)
    # Reading the newer file let the older one go: nothing holds it any more.
    duckdb.connect(str(older.path)).close()


def test_pointer_names_the_published_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dashboards import warehouse

    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path))
    assert warehouse.current(None) is None
    published = contract_warehouse.publish(tmp_path)
    current = warehouse.current(None)
    assert current is not None and current.path == published
    assert current.version == published.name


@pytest.mark.pipeline
@pytest.mark.parametrize("division", [None, "HOLD", "US01"], ids=["group", "HOLD", "US01"])
def test_every_figure_of_the_real_marts_reconciles(
    demo_stack: DemoStack, division: str | None
) -> None:
    """The dashboards' reading of the marts built by dbt: figures trace to ledger lines."""
    wh = demo_stack.published
    divisions = finance.divisions(wh)
    chosen = (
        []
        if division is None
        else [int(divisions.loc[divisions["division_code"] == division, "division_id"].iloc[0])]
    )
    year, period = default_period(
        finance.fiscal_periods(wh), clock.today(), finance.last_posting_date(wh)
    )
    # The demo's books end on 2026-10-31 and the suite's today lies after it: October.
    assert (year, period) == (2026, 10)
    # December too: accounts with lines only in last December (stock differences) show
    # there with nothing this year, and must reconcile to zero, not to an empty frame.
    for through in (12, period):
        sel = build_selection(divisions, chosen, year, through)
        assert sel.in_group_currency is (division is None)
        figures = ledger.figures(
            finance.pnl_by_section(wh, sel),
            finance.pnl_by_account(wh, sel),
            finance.balance_sheet(wh, sel),
        )
        assert {"CYR", "RE", "Revenue"} <= {f.code for f in figures}
        for figure in figures:
            check = ledger.reconciliation(wh, sel, figure)
            assert len(check) >= 1, figure.label  # zero lines reconcile to a zero row
            difference = check["difference"].abs().max()
            assert difference < 0.005, (figure.label, check.to_dict("records"))
            if check["lines"].sum() == 0:
                assert (check["figure"] == 0).all() and (check["lines_total"] == 0).all()
    kpis = finance.kpis(wh, sel).set_index("kpi")
    sections = finance.pnl_by_section(wh, sel).set_index("pl_section")
    assert kpis.loc["revenue", "this_year"] == pytest.approx(sections.loc["Revenue", "this_year"])
    assert kpis.loc["net_result", "this_year"] == pytest.approx(sections["this_year"].sum())


@pytest.mark.pipeline
def test_the_marts_age_as_of_erp_today(demo_stack: DemoStack) -> None:
    """dbt's ageing date (no --as-of-date given) is the product's today, not the calendar's."""
    found = demo_stack.published.query(
        "select (select max(as_of_date) from mart_receivables_ageing) as receivables, "
        "(select max(as_of_date) from mart_payables_ageing) as payables"
    )
    assert pd.Timestamp(found["receivables"].iloc[0]).date() == clock.today()
    assert pd.Timestamp(found["payables"].iloc[0]).date() == clock.today()


def _ledger_open_receivables(ledger: Path, division_id: int, as_of: date) -> tuple[float, float]:
    """Open and overdue sales invoices on ``as_of`` straight from the transactional tables
    (base currency): invoiced on or before it, less allocations of payments dated on or
    before it; overdue when due before it. SQLite keeps money as 1/10,000 units."""
    con = sqlite3.connect(ledger)
    try:
        row = con.execute(
            """
            select sum(open), sum(case when due_date < :as_of then open else 0 end)
            from (
                select i.due_date, i.amount_base - coalesce((
                    select sum(a.amount_base) from payment_allocation a
                    join payment p on p.id = a.payment_id
                    where a.invoice_id = i.id and p.payment_date <= :as_of), 0) as open
                from invoice i
                where i.division_id = :division and i.invoice_type = 'sales'
                  and i.invoice_date <= :as_of
            )
            """,
            {"as_of": as_of.isoformat(), "division": division_id},
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return (row[0] or 0) / 10_000, (row[1] or 0) / 10_000


@pytest.mark.pipeline
def test_overdue_receivables_and_ageing_follow_the_selected_period_end(
    demo_stack: DemoStack,
) -> None:
    """Issue 13 (3.3): at a period end after the last posting the overdue card showed the
    total receivables, and the ageing was as of today whatever the period. Both now take
    the period end, capped at the last posting date (end of October 2026), and agree."""
    wh = demo_stack.published
    divisions = finance.divisions(wh)
    last = finance.last_posting_date(wh)
    assert last is not None and (last.year, last.month) == (2026, 10)
    nl01 = int(divisions.loc[divisions["division_code"] == "NL01", "division_id"].iloc[0])
    seen: dict[tuple[int, int], tuple[float, float]] = {}
    for (year, period), as_of in {
        (2025, 6): date(2025, 6, 30),
        (2026, 10): last,
        (2026, 12): last,  # December lies after the books' reach: capped
    }.items():
        sel = build_selection(divisions, [nl01], year, period)
        kpis = finance.kpis(wh, sel).set_index("kpi")["this_year"]
        buckets = finance.ageing_buckets(wh, sel, "receivables")
        invoices = finance.open_invoices(wh, sel, "receivables", limit=None)
        overdue_buckets = buckets.loc[buckets["ageing_bucket"] != "Not due", "open_amount"]
        # The KPI cards and the ageing tab agree ...
        assert kpis["receivables"] == pytest.approx(buckets["open_amount"].sum(), abs=0.005)
        assert kpis["overdue_receivables"] == pytest.approx(overdue_buckets.sum(), abs=0.005)
        assert {pd.Timestamp(d).date() for d in invoices["as_of_date"]} == {as_of}
        # ... with the ledger itself, computed independently on the as-of date ...
        total, overdue = _ledger_open_receivables(demo_stack.ledger, nl01, as_of)
        assert kpis["receivables"] == pytest.approx(total, abs=0.005)
        assert kpis["overdue_receivables"] == pytest.approx(overdue, abs=0.005)
        # ... and part of the receivables is not due yet, in the past and after the reach.
        assert 0 < kpis["overdue_receivables"] < kpis["receivables"]
        seen[year, period] = (kpis["receivables"], kpis["overdue_receivables"])
    assert seen[2026, 12] == seen[2026, 10]
