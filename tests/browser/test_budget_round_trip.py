"""A manager builds a what-if scenario in the browser, saves it as a budget version,
refreshes, and finds it in Finance → Budget vs actual.

Real parts only: the generated company (SQLite), the dagster refresh, a Streamlit server,
Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import settled_text, visit
from tests.browser.streamlit_page import choose, idle, labelled, only

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]

NAME = "Browser what-if"
_AMOUNT = r"(-?[\d,]+\.\d{2})"


def _money(shown: str) -> Decimal:
    return Decimal(shown.replace(",", ""))


def _only_division(page, code: str) -> None:  # type: ignore[no-untyped-def]
    """Sidebar: show one division (the multiselect starts empty: all divisions)."""
    only(page, labelled(page, "Divisions", "stMultiSelect"), code, re.compile(rf"^{code} "))


def _saved(db_url: str) -> tuple[str, str, Decimal, int]:
    """The saved version's division, status, its lines' total (ledger sign) and count."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            division, status, origin, total, lines = conn.execute(
                text(
                    "SELECT d.code, v.status, v.origin, sum(l.amount), count(l.id) "
                    "FROM budget_version v JOIN division d ON d.id = v.division_id "
                    "JOIN budget_line l ON l.version_id = v.id WHERE v.name = :n "
                    "GROUP BY d.code, v.status, v.origin"
                ),
                {"n": NAME},
            ).one()
    finally:
        engine.dispose()
    assert origin == "what_if"
    # SQLite keeps money as ten-thousandths.
    return str(division), str(status), Decimal(total) / 10000, int(lines)


def test_what_if_saved_in_the_browser_shows_in_budget_vs_actual(
    page, app_url: str, stack_env
) -> None:
    # 1. The What-if page for NL01: sales price +10 %, then save as a budget version.
    visit(page, app_url, "whatif", user="manager")
    save = page.get_by_role("button", name="Save as budget version")
    save.wait_for()
    _only_division(page, "NL01")
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Net result").first
    before = settled_text(page, card.locator('[data-testid="stMetricValue"]'))
    price = page.get_by_role("spinbutton", name="Sales price (%)")
    after = before
    # A rerun still drawing the page (the division just picked) can swallow what is typed
    # into an input it then redraws: type again until the scenario follows.
    for _ in range(3):
        price.fill("10")
        price.press("Enter")
        idle(page)
        after = settled_text(page, card.locator('[data-testid="stMetricValue"]'))
        if after != before:
            break
    assert after != before, "the scenario did not follow the driver"
    scenario_result = _money(re.search(_AMOUNT, after).group(1))  # type: ignore[union-attr]

    name = page.get_by_role("textbox", name="Version name")
    name.fill(NAME)
    name.press("Tab")
    save.click()
    page.get_by_text(re.compile(r"Saved 1 draft budget version")).wait_for(timeout=30_000)
    division, status, total, lines = _saved(stack_env["ERP_DATABASE_URL"])
    assert (division, status) == ("NL01", "draft") and lines > 0
    # The lines are the scenario's P&L per month, rounded to cents line by line.
    assert abs(-total - scenario_result) <= Decimal("0.01") * lines

    # 2. Refresh the warehouse from the page.
    page.get_by_role("button", name="Refresh warehouse now").click()
    page.get_by_text("Warehouse refreshed").wait_for(timeout=240_000)

    # 3. Finance → Budget vs actual, the whole year of NL01, the saved version.
    visit(page, app_url)  # Finance is the app's default page: its URL is the root
    page.get_by_role("tab", name="Budget vs actual").wait_for()
    _only_division(page, "NL01")
    # Typed to filter: the list opens in the sidebar's little room left under the
    # navigation and shows only its first periods.
    choose(page, labelled(page, "Through period"), "12 (", re.compile(r"^12 "))
    page.get_by_role("tab", name="Budget vs actual").click()
    choose(page, labelled(page, "Budget version"), NAME)
    totals = page.locator("p", has_text=re.compile(r"Net result, year to date through period 12"))
    shown = settled_text(page, totals.first)
    # English amounts (CLDR): the euro sign first, the minus before it ("-€1,234.50").
    found = re.search(r"budget (-?)€([\d,]+\.\d{2})", shown)
    assert found is not None, shown
    budget = _money(found.group(1) + found.group(2))
    # P&L sign on the page: the net result budget is minus the lines' ledger-sign total.
    assert budget == -total, (shown, total)
