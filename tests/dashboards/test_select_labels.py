"""A select box shows the label of the value the page holds, after the year or a status
changed under it (issue 13: "Through period" read "12 (2026-12)" while 2025 was shown;
Budget vs actual's version kept last year's name; Approval lost its version on Submit).

Streamlit sends a select box's label to the browser only with a value it sets (proto
``set_value``); otherwise the browser keeps showing, and sends back, the label it had.
``browser_label`` follows that rule, so these tests see what a browser would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import act_as, open_page, the_error
from tests.dashboards.conftest import Company

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

FINANCE = "app_pages/finance.py"
BUDGETS = "app_pages/budgets.py"


def shown(at: AppTest, key: str) -> str:
    """The label of the value the page holds (what the browser should show)."""
    box = at.selectbox(key=key)
    assert box.index is not None
    return str(box.options[box.index])


def browser_label(at: AppTest, key: str, before: str) -> str:
    """The label the browser shows after this run, having shown ``before``."""
    proto = at.selectbox(key=key).proto
    return str(proto.raw_value) if proto.set_value and proto.HasField("raw_value") else before


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_through_period_follows_the_year(app_env: Company) -> None:
    at = open_page(FINANCE)
    year = int(at.selectbox(key="filter_year").value)  # type: ignore[arg-type]
    period = int(at.selectbox(key="filter_period").value)  # type: ignore[arg-type]
    before = shown(at, "filter_period")
    assert before == f"{period:02d} ({year}-{period:02d})"
    at.selectbox(key="filter_year").set_value(year - 1).run()
    _ok(at)
    assert at.selectbox(key="filter_period").value == period  # the period is kept
    after = browser_label(at, "filter_period", before)
    assert after == shown(at, "filter_period") == f"{period:02d} ({year - 1}-{period:02d})"
    # And back: the label follows again, and stays put on a run that changes nothing.
    at.selectbox(key="filter_year").set_value(year).run()
    again = browser_label(at, "filter_period", after)
    assert again == before
    at.run()
    assert browser_label(at, "filter_period", again) == before


def test_budget_version_label_follows_the_year(app_env: Company) -> None:
    at = open_page(FINANCE)
    year = int(at.selectbox(key="filter_year").value)  # type: ignore[arg-type]
    before = shown(at, "bva_version")
    assert f"Budget {year}" in before
    at.selectbox(key="filter_year").set_value(year - 1).run()
    _ok(at)
    after = browser_label(at, "bva_version", before)
    assert after == shown(at, "bva_version")
    assert f"Budget {year - 1}" in after and f"Budget {year}" not in after


def _version_id(url: str, division: str, name: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return int(
                con.execute(
                    text(
                        "select v.id from budget_version v join division d "
                        "on d.id = v.division_id where d.code = :d and v.name = :n"
                    ),
                    {"d": division, "n": name},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_approval_keeps_its_version_through_submit_refusal_and_approval(
    app_env: Company,
) -> None:
    company = app_env
    at = open_page(BUDGETS, user=company.user("accountant"))
    version = _version_id(company.url, "HOLD", "Budget 2026 positive")
    at.selectbox(key="budget_version_pick").set_value(version).run()
    label = shown(at, "budget_version_pick")

    at.button(key="budget_submit").click().run()
    _ok(at)
    # What the browser shows and sends back on the next click still names the version.
    label = browser_label(at, "budget_version_pick", label)
    assert label == shown(at, "budget_version_pick")
    assert "Submitted" in at.success[0].value
    assert any("status **submitted**" in m.value for m in at.markdown)

    # The accountant may not approve: said under the buttons, the panel stays.
    at.button(key="budget_approve").click().run()
    assert "may not approve" in the_error(at).value
    label = browser_label(at, "budget_version_pick", label)
    assert label == shown(at, "budget_version_pick")
    assert not at.button(key="budget_approve").disabled

    act_as(at, company.user("manager"))
    at.button(key="budget_approve").click().run()
    _ok(at)
    assert browser_label(at, "budget_version_pick", label) == shown(at, "budget_version_pick")
    assert "Approved" in at.success[0].value
    assert any("status **approved**" in m.value for m in at.markdown)
    assert any("approved by manager" in m.value for m in at.markdown)


def test_abc_window_label_follows_the_year(app_env: Company) -> None:
    """The ABC tab's "Over" radio names the year and period in its labels; a plain radio
    left the browser on last year's label, which no option matched (none shown picked)."""
    at = open_page("app_pages/wholesale.py")
    _ok(at)
    year = int(at.selectbox(key="filter_year").value)  # type: ignore[arg-type]
    radio = at.radio(key="abc_window")
    before = str(radio.proto.options[radio.index])  # type: ignore[index]
    assert str(year) in before
    at.selectbox(key="filter_year").set_value(year - 1).run()
    _ok(at)
    proto = at.radio(key="abc_window").proto
    # Sent again with the new label, so the browser shows the same window for last year.
    assert proto.set_value and proto.HasField("raw_value")
    assert str(proto.raw_value) == str(proto.options[at.radio(key="abc_window").index])
    assert str(year - 1) in str(proto.raw_value) and str(proto.raw_value) != before
