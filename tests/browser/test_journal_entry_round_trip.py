"""A clerk posts a journal entry in the browser, refreshes, and the Finance page shows it.

Real parts only: a generated company in SQLite, the dagster refresh, a Streamlit server,
Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import settled_text, visit
from tests.browser.streamlit_page import (
    choose,
    enter_date,
    keyed,
    labelled,
    only,
    outcome,
    type_cells,
)

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]

AMOUNT = Decimal("4321.09")


def net_result(page, app_url: str) -> Decimal:
    """Net result (HOLD, 2026 through October) as the Finance page shows it."""
    visit(page, app_url, "")
    page.get_by_text("Net result").first.wait_for()
    # Nothing chosen means every division: check HOLD alone took before reading.
    only(page, keyed(page, "filter_divisions"), "HOLD", re.compile(r"^HOLD "))
    # Typed to filter: under the navigation the list shows only its first periods.
    choose(page, labelled(page, "Through period"), "10 (", re.compile(r"^10 "))
    only(page, keyed(page, "filter_divisions"), "HOLD", re.compile(r"^HOLD "))
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Net result").first
    previous = settled_text(page, card.locator('[data-testid="stMetricValue"]'))
    assert page.get_by_text("HOLD").first.is_visible()
    return Decimal(str(previous).replace(",", "").strip())


def test_posted_entry_shows_on_finance_page_after_refresh(page, app_url: str, stack_env) -> None:
    before = net_result(page, app_url)

    visit(page, app_url, "journal_entry")
    page.get_by_role("button", name="Post entry").wait_for()
    enter_date(page, "Entry date", date(2026, 10, 15))
    page.get_by_role("textbox", name="Description").fill("Browser test: October rent")
    # Columns as the grid's accessible table counts them: 0 is the row marker.
    account, debit, credit = 1, 3, 4
    type_cells(
        page,
        [
            (0, account, "4300"),
            (0, debit, str(AMOUNT)),
            (1, account, "1100"),
            (1, credit, str(AMOUNT)),
        ],
    )
    page.get_by_role("button", name="Check totals").click()
    page.get_by_text(f"Debit {AMOUNT:,.2f}").wait_for()

    page.get_by_role("button", name="Post entry").click()
    notice = page.get_by_text(re.compile(r"Posted .*MEM2026-\d{6}"))
    refusal = outcome(page, notice)
    assert refusal is None, f"entry refused: {refusal}"
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
