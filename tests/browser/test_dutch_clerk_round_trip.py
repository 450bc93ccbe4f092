"""Issue 14's walk in Chromium: a Dutch-speaking clerk scoped to NL01 signs in, reads
Dutch labels and Dutch numbers, posts a journal entry typed as ``1.234,50``, refreshes
and sees it on the Finance page; signs out; the US01 manager signs in and sees no NL01.

Real parts only: the generated demo company, the dagster refresh, a Streamlit server,
Debian's Chromium with a Dutch browser locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboards.language import translations
from tests.browser.conftest import browser_page, settled_text, sign_in
from tests.browser.streamlit_page import choose, idle, labelled, outcome, type_cells

pytestmark = [pytest.mark.browser, pytest.mark.pipeline]

TYPED = "1.234,50"  # as a Dutch clerk types it
AMOUNT = Decimal("1234.50")
# A Dutch amount on a card: 1.234.567,89 (the card's label names the currency).
DUTCH_AMOUNT = re.compile(r"^-?\d{1,3}(?:\.\d{3})*,\d{2}(?:\s€)?$")


def nl(message: str) -> str:
    """The Dutch text of ``message`` in the app's catalog; fails when there is none."""
    dutch = translations("nl").gettext(message)
    assert dutch != message, f"no Dutch for {message!r}"
    return dutch


@pytest.fixture
def dutch_page(app_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """A browser whose language is Dutch (what the sign-in form starts in)."""
    with browser_page(request, tmp_path, locale="nl-NL") as page:
        yield page


def card_value(page, title: str) -> str:  # type: ignore[no-untyped-def]
    card = page.locator('[data-testid="stMetric"]').filter(has_text=title).first
    card.wait_for()
    return settled_text(page, card.locator('[data-testid="stMetricValue"]'))


def dutch_decimal(shown: str) -> Decimal:
    return Decimal(shown.replace("€", "").replace(".", "").replace(",", ".").strip())


def net_result_through_november(page) -> Decimal:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=nl("Finance")).click()
    # Typed to filter: under the navigation the list shows only its first periods.
    choose(page, labelled(page, nl("Through period")), "11 (", re.compile(r"^11 "))
    shown = card_value(page, nl("Net result"))
    assert DUTCH_AMOUNT.match(shown), shown
    return dutch_decimal(shown)


def test_dutch_clerk_posts_in_dutch_and_the_us_manager_sees_no_nl01(
    dutch_page, app_url: str, stack_env: dict[str, str]
) -> None:
    page = dutch_page
    page.goto(app_url)
    # The sign-in form speaks the browser's language before anyone has signed in.
    page.get_by_text(nl("User name")).first.wait_for()
    sign_in(page, "clerk1")
    # clerk1 reads Dutch: the navigation, the page, the sidebar.
    page.get_by_role("link", name=nl("Journal entry")).wait_for()
    assert page.get_by_role("button", name=nl("Sign out")).is_visible()
    before = net_result_through_november(page)
    assert "US01" not in page.locator("body").inner_text()

    page.get_by_role("link", name=nl("Journal entry")).click()
    page.get_by_role("button", name=nl("Post entry")).wait_for()
    # The entry date stays today's (the frozen ERP_TODAY, 2026-11-23): period 11.
    page.get_by_role("textbox", name=nl("Description")).first.fill("Browsertest: huur oktober")

    # Columns as the grid's accessible table counts them: 0 is the row marker.
    account, debit, credit = 1, 3, 4
    lines = [(0, account, "4300"), (0, debit, TYPED), (1, account, "1100"), (1, credit, TYPED)]
    type_cells(page, lines)
    page.get_by_role("button", name=nl("Check totals")).click()
    idle(page)
    # The running total reads the typed Dutch amount and shows it the Dutch way.
    assert re.search(r"1\.234,50.*1\.234,50.*0,00", page.locator("body").inner_text(), re.S)

    notice = page.get_by_text(re.compile(r"MEM2026-\d{6}")).first
    page.get_by_role("button", name=nl("Post entry")).click()
    refusal = outcome(page, notice)
    assert refusal is None, f"entry refused: {refusal}"
    number = re.search(r"MEM2026-\d{6}", notice.inner_text()).group(0)  # type: ignore[union-attr]
    engine = create_engine(stack_env["ERP_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.code, l.amount_base, e.entry_date FROM journal_line l "
                "JOIN journal_entry e ON e.id = l.entry_id JOIN account a ON a.id = l.account_id "
                "JOIN division d ON d.id = e.division_id "
                "WHERE e.document_number = :n AND d.code = 'NL01' ORDER BY l.line_number"
            ),
            {"n": number},
        ).all()
    engine.dispose()
    # SQLite keeps money as integer ten-thousandths: 1.234,50 was read as 1234.50.
    assert [(code, Decimal(v) / 10000) for code, v, _ in rows] == [
        ("4300", AMOUNT),
        ("1100", -AMOUNT),
    ]
    assert {str(day)[:10] for *_, day in rows} == {stack_env["ERP_TODAY"]}

    page.get_by_role("button", name=nl("Refresh warehouse now")).click()
    done = nl("Warehouse refreshed: now reading `{version}`.").split("{")[0].strip("` ")
    # The whole opening of the message: its first words are also the spinner's.
    page.get_by_text(re.compile(re.escape(done))).first.wait_for(timeout=300_000)
    after = net_result_through_november(page)
    assert before - after == AMOUNT, (before, after)

    page.get_by_role("button", name=nl("Sign out")).click()
    page.locator('input[type="password"]').wait_for()
    sign_in(page, "manager_us")
    page.get_by_text("Net result").first.wait_for()  # manager_us reads English
    idle(page)
    shown = page.locator("body").inner_text()
    assert "NL01" not in shown and "UK01" not in shown
    page.get_by_role("combobox").first.click()  # the division picker: US01 only
    options = page.get_by_role("option").all_inner_texts()
    assert options and all(o.startswith("US01") for o in options), options
