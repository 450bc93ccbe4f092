"""The entry script: every page routes and renders; nothing heavy is imported at start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dashboards.apptest_helpers import open_page, password_of, sign_in, the_error
from tests.dashboards.conftest import APP, Company
from transactional.database import make_engine, session_scope
from transactional.migrate import upgrade
from transactional.organisation.users import ensure_admin_password

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

PAGES = {
    "app_pages/finance.py": "Finance",
    "app_pages/forms/journal_entry.py": "Journal entry",
    "app_pages/forms/sales_invoice.py": "Sales invoice",
    "app_pages/forms/purchase_invoice.py": "Purchase invoice",
    "app_pages/forms/payment.py": "Payment",
    "app_pages/budgets.py": "Budgets",
    "app_pages/alerts.py": "Alerts",
    "app_pages/whatif.py": "What-if",
    "app_pages/wholesale.py": "Wholesale",
}


def test_the_app_opens_on_finance_with_the_shared_sidebar(app_env: Company) -> None:
    at = open_page()
    assert at.title[0].value == "Finance"
    assert {w.key for w in at.sidebar.selectbox} == {"filter_year", "filter_period", "locale"}
    assert [w.key for w in at.sidebar.multiselect] == ["filter_divisions"]


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(app_env: Company, page: str) -> None:
    at = open_page(page)
    assert at.title[0].value == PAGES[page]
    # The shared sidebar comes with every page, with who is signed in.
    assert at.sidebar.button(key="sign_out")
    assert not at.error


def test_dashboards_do_not_load_dagster_or_dbt(app_env: Company, tmp_path: Path) -> None:
    """Run every page in a fresh interpreter and list the heavy modules it imported."""
    script = tmp_path / "imports.py"
    script.write_text(
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=90).run()\n"
        f"for page in {list(PAGES)!r}:\n"
        "    at.switch_page(page).run()\n"
        "    assert not at.exception, [e.message for e in at.exception]\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "heavy = sorted(loaded & {'dagster', 'dbt', 'great_expectations'})\n"
        "print(json.dumps(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=APP.parents[1],
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_fresh_machine_is_told_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No ledger tables: signing in says to run `erp db upgrade`. Then, with the first
    admin made as `erp db upgrade` makes it and nothing published: every page says
    which command to run."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    at = open_page(user=None)
    sign_in(at, "admin")
    assert "signed_in_user_id" not in at.session_state
    assert "erp db upgrade" in the_error(at).value

    upgrade(url)
    with session_scope(make_engine(url)) as session:
        ensure_admin_password(session=session, password=password_of("admin"))
    at = open_page()
    sidebar = " ".join(w.value for w in at.sidebar.warning)
    assert "erp refresh" in sidebar
    for page, title in PAGES.items():
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title
        assert not at.error, page
        assert any("erp " in m.value for m in [*at.main.warning, *at.main.info]), page
