"""A group accountant loads a non-ERP unit's trial balance in the browser, refreshes the
warehouse, and drills from the consolidated revenue down to that unit's ledger lines.

The unit, SC01 (GBP), joins the demo group through `erp consolidation load-structure`
(created with its fiscal years and general journal); its trial balance at the end of
October 2026 is uploaded on the Trial-balance upload page, checked (a dry run), loaded,
and the warehouse refreshed from the page. Real parts only: a generated company in
SQLite, the dagster refresh, a Streamlit server, Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import erp, settled_text, visit
from tests.browser.streamlit_page import choose, keyed

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]

UNIT = "SC01"
# Debit and credit per account, in pounds: the unit's first trial balance.
TRIAL_BALANCE = (
    "account,debit,credit,description\n"
    "1100,5000.00,,Bank\n"
    "0500,,3000.00,Share capital\n"
    "8000,,4321.09,Revenue\n"
    "4300,2321.09,,Rent\n"
)
REVENUE = "4,321.09"


@pytest.fixture(scope="module")
def unit(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SC01 in the group structure (wholly held by HOLD since 1 January 2026), and its
    trial-balance file."""
    folder = tmp_path_factory.mktemp("consolidation_files")
    structure = folder / "structure.csv"
    structure.write_text(
        "division,name,currency,country,parent,ownership_pct,valid_from\n"
        f"{UNIT},Noordwind Scotland Ltd,GBP,GB,HOLD,100,2026-01-01\n",
        encoding="utf-8",
    )
    erp(stack_env, "consolidation", "load-structure", str(structure))
    tb = folder / "sc01-2026-10.csv"
    tb.write_text(TRIAL_BALANCE, encoding="utf-8")
    return tb


def _pick(page, key: str, typed: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the option starting with ``typed`` in the select box ``key``."""
    choose(page, keyed(page, key), typed, re.compile(rf"^{re.escape(typed)}"))
    settled_text(page, page.locator('[data-testid="stMain"]'))


def test_a_loaded_trial_balance_is_drilled_from_consolidated_revenue(
    page, app_url: str, unit: Path
) -> None:
    visit(page, app_url, "trial_balance_upload")
    page.get_by_text("Trial-balance file").first.wait_for()
    _pick(page, "trial_balance_division", UNIT)
    period = page.get_by_label("Month (YYYY-MM)")
    period.fill("2026-10")
    period.press("Enter")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(unit))
    page.get_by_text(unit.name).first.wait_for()
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("What the load would post").wait_for(timeout=60_000)
    page.get_by_role("button", name="Load into the ledger").click()
    page.get_by_text(re.compile(r"Posted trial-balance entry")).wait_for(timeout=60_000)
    page.get_by_role("button", name="Refresh warehouse now").click()
    outcome = page.get_by_text(re.compile("Warehouse refreshed|The refresh failed")).first
    outcome.wait_for(timeout=420_000)
    assert "Warehouse refreshed" in outcome.inner_text(), outcome.inner_text()

    visit(page, app_url, "consolidation")
    page.get_by_text("Group revenue").first.wait_for()
    main = page.locator('[data-testid="stMain"]')
    assert UNIT in settled_text(page, page.get_by_text("Consolidated in EUR").first)
    _pick(page, "consolidation_drill_account", "G500")  # revenue, in the group column
    _pick(page, "consolidation_drill_division", UNIT)
    summary = main.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text=re.compile(rf"{UNIT}'s ledger lines")
    )
    text = settled_text(page, summary.first)
    # One line, in pounds, the file's revenue, matching SC01's translated revenue.
    assert "1 line" in text and f"-£{REVENUE} against -£{REVENUE}" in text, text
    assert "Difference" in main.inner_text()
    page.screenshot(path=str(unit.parent / "consolidation_drill.png"))
