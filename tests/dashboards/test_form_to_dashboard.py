"""Property 3: an entry posted in a form shows on the Finance page after one refresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.dashboards.apptest_helpers import fill_grid, open_page
from tests.dashboards.conftest import Company, DemoStack


@pytest.mark.pipeline
def test_posted_entry_reaches_the_finance_page_after_refresh(
    app_env: Company, demo_stack: DemoStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # This test publishes: give it its own copy of the warehouse (build file included,
    # so the refresh loads incrementally as it would on a laptop).
    warehouse_dir = tmp_path / "warehouse"
    shutil.copytree(demo_stack.warehouse_dir, warehouse_dir)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(warehouse_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    before = demo_stack.published.version

    at = open_page("app_pages/forms/journal_entry.py", user=app_env.user(app_env.clerk))
    at.date_input(key="journal_entry_date_0").set_value(app_env.open_date)
    at.text_input(key="journal_entry_description_0").input("Form to dashboard")
    fill_grid(
        at,
        "journal_entry_lines_0",
        [
            {"account": app_env.expense_account, "debit": "1234.56"},
            {"account": app_env.bank_account, "credit": "1234.56"},
        ],
    )
    next(b for b in at.button if b.label == "Post entry").click().run()
    assert not at.error, [e.value for e in at.error]
    number = at.success[0].value.split("**")[1]

    next(b for b in at.button if b.label == "Refresh warehouse now").click().run(timeout=600)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Warehouse refreshed" in s.value for s in at.success)

    at.switch_page("app_pages/finance.py").run()
    caption = " ".join(c.value for c in at.sidebar.caption)
    # The refresh published a delta on the same full copy: the pair is a new version.
    assert f"`{before}`" not in caption and f"`{before}+delta-" in caption
    published = at.session_state["warehouse"]
    con = published.connection()
    try:
        division_id, account_id = con.execute(
            "select d.division_id, a.account_id from dim_divisions d, dim_accounts a "
            "where d.division_code = ? and a.account_code = ?",
            [app_env.division, app_env.expense_account],
        ).fetchone() or (None, None)
    finally:
        con.close()
    at.multiselect(key="filter_divisions").set_value([division_id]).run()
    at.selectbox(key="drill_figure").set_value(f"pl_account:{app_env.expense_account}:{account_id}")
    at.run()
    lines = at.dataframe[-1].value
    posted = lines[lines["document_number"] == number]
    assert list(posted["description"]) == ["Form to dashboard"]
    assert list(posted["amount"]) == [pytest.approx(-1234.56)]
