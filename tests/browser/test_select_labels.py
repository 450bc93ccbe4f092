"""In the browser: select boxes show what the page holds after the year or a status changed
under them, and the approval panel keeps its version (issue 13, 3.5 and 3.7).

These failed in Chromium while AppTest passed: Streamlit sends a select box's label only
with a value it sets, and the browser sends back the label it shows.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import sign_in, visit
from tests.browser.streamlit_page import choose, idle, labelled

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]


def _shown(page, label: str) -> str:
    """The text a select box shows: the value of its combobox input."""
    return str(page.get_by_role("combobox", name=label, exact=True).input_value())


def test_through_period_and_budget_version_follow_the_year(page, app_url: str) -> None:
    visit(page, app_url)
    page.get_by_role("tab", name="Budget vs actual").click()
    idle(page)
    period = _shown(page, "Through period")
    year = int(period.split("(")[1][:4])
    assert f"Budget {year}" in _shown(page, "Budget version")
    choose(page, labelled(page, "Fiscal year"), str(year - 1))
    idle(page)
    assert _shown(page, "Through period") == period.replace(f"({year}-", f"({year - 1}-")
    page.get_by_role("tab", name="Budget vs actual").click()
    idle(page)
    version = _shown(page, "Budget version")
    assert f"Budget {year - 1}" in version and f"Budget {year}" not in version


def test_approval_panel_keeps_its_version(page, app_url: str) -> None:
    visit(page, app_url, "budgets", user="accountant")
    page.get_by_role("heading", name="Approval").wait_for()
    choose(page, labelled(page, "Budget version"), "NL01 2026 · Budget 2026 negative")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text(re.compile(r"Submitted: budget")).wait_for()
    # Refused: said under the buttons, the version stays picked.
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("An accountant may not approve").wait_for()
    assert "Budget 2026 negative" in _shown(page, "Budget version")
    # The manager approves it, in a session of their own.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "manager")
    page.get_by_role("link", name="Budgets").click()
    page.get_by_role("heading", name="Approval").wait_for()
    choose(page, labelled(page, "Budget version"), "NL01 2026 · Budget 2026 negative")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text(re.compile(r"Approved: budget")).wait_for()
    assert page.get_by_text("approved by manager").is_visible()
