"""A clerk posts a journal entry in the browser, refreshes, and the Finance page shows it.

Real parts only: a generated company in SQLite, the dagster refresh, a Streamlit server,
Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import settled_text, visit

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]

AMOUNT = Decimal("4321.09")
ROW_HEIGHT = 35  # glide-data-grid rows and header in Streamlit's data editor


def net_result(page, app_url: str) -> Decimal:
    """Net result (HOLD, 2026 through October) as the Finance page shows it."""
    visit(page, app_url, "")
    page.get_by_text("Net result").first.wait_for()
    divisions = page.get_by_role("combobox").first
    divisions.click()
    page.keyboard.type("HOLD")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    period = page.get_by_label("Through period")
    period.click()
    # Typed to filter: under the navigation the list shows only its first periods.
    page.keyboard.type("10 (")
    page.get_by_role("option", name=re.compile(r"^10 ")).click()
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Net result").first
    previous = settled_text(page, card.locator('[data-testid="stMetricValue"]'))
    assert page.get_by_text("HOLD").first.is_visible()
    return Decimal(str(previous).replace(",", "").strip())


def test_posted_entry_shows_on_finance_page_after_refresh(page, app_url: str, stack_env) -> None:
    before = net_result(page, app_url)

    visit(page, app_url, "journal_entry")
    page.get_by_role("button", name="Post entry").wait_for()
    # The date input is three spin buttons (year, month, day).
    for part, value in (("year", "2026"), ("month", "10"), ("day", "15")):
        spin = page.get_by_role("spinbutton", name=f"{part}, Entry date")
        spin.click()
        spin.type(value)
    page.get_by_role("textbox", name="Description").fill("Browser test: October rent")

    grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    assert grid is not None

    def enter_cell(row: int, column_offset: float, value: str) -> None:
        # The grid is a canvas: select the cell, open its editor, type, commit.
        page.mouse.click(grid["x"] + column_offset, grid["y"] + ROW_HEIGHT * (row + 1.5))
        page.wait_for_timeout(300)
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)
        page.keyboard.type(value, delay=30)
        page.wait_for_timeout(400)
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)

    # Column centres at the fixture's 1400 px viewport: account, debit, credit.
    account, debit, credit = 234, 583, 661
    # The first click only gives the canvas the focus.
    page.mouse.click(grid["x"] + account, grid["y"] + ROW_HEIGHT * 1.5)
    page.wait_for_timeout(500)
    enter_cell(0, account, "4300")
    enter_cell(0, debit, str(AMOUNT))
    enter_cell(1, account, "1100")
    enter_cell(1, credit, str(AMOUNT))
    page.get_by_role("button", name="Check totals").click()
    page.get_by_text(f"Debit {AMOUNT:,.2f}").wait_for()

    page.get_by_role("button", name="Post entry").click()
    notice = page.get_by_text(re.compile(r"Posted .*MEM2026-\d{6}"))
    notice.wait_for(timeout=30_000)
    number = re.search(r"MEM2026-\d{6}", notice.inner_text()).group(0)

    engine = create_engine(stack_env["ERP_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.code, l.amount_base FROM journal_line l "
                "JOIN journal_entry e ON e.id = l.entry_id JOIN account a ON a.id = l.account_id "
                "JOIN division d ON d.id = e.division_id "
                # Numbers are per division's journal: NL01's MEM has its own MEM2026-...
                "WHERE e.document_number = :n AND d.code = 'HOLD' ORDER BY l.line_number"
            ),
            {"n": number},
        ).all()
    engine.dispose()
    # SQLite keeps money as integer ten-thousandths.
    assert [(code, Decimal(v) / 10000) for code, v in rows] == [("4300", AMOUNT), ("1100", -AMOUNT)]

    page.get_by_role("button", name="Refresh warehouse now").click()
    page.get_by_text("Warehouse refreshed").wait_for(timeout=240_000)

    after = net_result(page, app_url)
    assert before - after == AMOUNT, (before, after)
