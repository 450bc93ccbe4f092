"""The sign-in form in front of every page, the session's end, and pages by role.

Real parts: the demo ledger (its users and passwords, DEMO_USERS), the app in AppTest.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from dashboards.navigation import SECTIONS
from tests.dashboards.apptest_helpers import open_page, sign_in
from tests.dashboards.conftest import APP, Company
from transactional.database import make_engine, session_scope
from transactional.organisation import users
from transactional.organisation.models import User

pytestmark = pytest.mark.pipeline

SIGNED_IN = "signed_in_user_id"


def _events(url: str, username: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as con:
        rows = con.execute(
            text("select outcome from sign_in_event where username = :u order by id"),
            {"u": username},
        ).all()
    engine.dispose()
    # The demo's own "password_set" rows (its users got their passwords) come first.
    return [r[0] for r in rows if r[0] != "password_set"]


def _form() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_nothing_but_the_form_before_signing_in(app_env: Company) -> None:
    at = _form()
    assert at.title[0].value == "Sign in"
    # No page, no sidebar filter, no figure: the pages' widgets are not there.
    assert not at.sidebar.multiselect and not at.metric and not at.dataframe
    assert [t.label for t in at.text_input] == ["User name", "Password"]


def test_a_wrong_password_is_refused_and_logged(app_env: Company) -> None:
    at = sign_in(_form(), "clerk1", "not-the-password")
    assert at.error[0].value == "Wrong user name or password."
    assert SIGNED_IN not in at.session_state
    # An unknown user gets the same words: the form does not tell which names exist.
    at = sign_in(at, "nobody", "whatever-it-is")
    assert at.error[0].value == "Wrong user name or password."
    assert _events(app_env.url, "clerk1") == ["failed"]
    assert _events(app_env.url, "nobody") == ["failed"]
    # The password typed is not kept in the session.
    assert not any("not-the-password" in str(at.session_state[k]) for k in at.session_state)


def test_five_failures_lock_the_user_even_with_the_right_password(app_env: Company) -> None:
    at = _form()
    for _ in range(5):
        at = sign_in(at, "clerk2", "wrong-password-1")
    assert "now locked for 15 minutes" in at.error[0].value
    at = sign_in(at, "clerk2")  # the right one, too late
    assert "locked for 15 more minutes" in at.error[0].value
    assert SIGNED_IN not in at.session_state
    assert _events(app_env.url, "clerk2") == ["failed"] * 5 + ["locked_out"]


def test_signing_in_opens_the_app_in_the_users_language(app_env: Company) -> None:
    at = sign_in(_form(), "clerk1")  # nl_NL in the demo
    assert at.session_state[SIGNED_IN] == app_env.user("clerk1")
    assert at.session_state["locale"] == "nl_NL"
    # Dutch from the first page on (the catalog's words for the title and sign-out).
    assert at.title[0].value == "Financiën"
    assert at.sidebar.button(key="sign_out").label == "Afmelden"
    assert _events(app_env.url, "clerk1") == ["signed_in"]


def test_an_idle_session_ends(app_env: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_SESSION_IDLE_HOURS", "8")
    at = open_page(user="analyst")
    at.session_state["signed_in_last_seen"] = datetime.now(UTC) - timedelta(hours=8, minutes=1)
    at.run()
    assert SIGNED_IN not in at.session_state
    assert at.title[0].value == "Sign in"
    assert "8 hours without activity" in at.info[0].value
    assert _events(app_env.url, "analyst") == ["signed_in", "expired"]
    # Seven hours idle is fine.
    at = open_page(user="analyst")
    at.session_state["signed_in_last_seen"] = datetime.now(UTC) - timedelta(hours=7)
    at.run()
    assert at.session_state[SIGNED_IN] == app_env.user("analyst")


def test_a_user_disabled_meanwhile_is_signed_out_on_the_next_click(app_env: Company) -> None:
    at = open_page(user="analyst")
    with session_scope(make_engine(app_env.url)) as s:
        admin = s.exec(User.__table__.select().where(User.username == "admin")).first()  # type: ignore[attr-defined]
        acting = s.get(User, admin.id)
        assert acting is not None
        users.disable_user(session=s, user=acting, username="analyst")
    at.run()
    assert SIGNED_IN not in at.session_state
    assert "disabled" in at.info[0].value


def test_signing_out(app_env: Company) -> None:
    at = open_page(user="manager")
    at.sidebar.button(key="sign_out").click().run()
    assert SIGNED_IN not in at.session_state
    assert at.title[0].value == "Sign in"
    assert _events(app_env.url, "manager") == ["signed_in", "signed_out"]


# Which pages each role finds in the navigation, written out by hand from the rights
# matrix's intent (DOMAIN.md): clerks enter documents, managers and analysts read.
INSIGHTS = {
    "Finance",
    "Wholesale",
    "What-if",
    "Budgets",
    "Alerts",
    "Consolidation",
    "Manufacturing",
}
FORMS = {
    "Journal entry",
    "Sales invoice",
    "Purchase invoice",
    "Payment",
    "Sales order",
    "Delivery",
    "Goods receipt",
    "Customer return",
    "Stock transfer",
    "Stock count",
}
# Production is entered by those who enter documents (clerks and accountants).
MANUFACTURING = {
    "Production order",
    "Material issue",
    "Production hours",
    "Production completion",
    "MRP run",
    "Manufacturing import",
}
# Group accountants keep the group structure, the mapping and the top-side entries.
GROUP = {"Group structure", "Account mapping", "Top-side entry", "Trial-balance upload"}
EXPECTED = {
    "clerk2": INSIGHTS | FORMS | MANUFACTURING,
    "accountant": INSIGHTS | FORMS | MANUFACTURING | GROUP | {"Audit trail"},
    "manager": INSIGHTS,
    "analyst": INSIGHTS,
    "admin": INSIGHTS | FORMS | MANUFACTURING | GROUP | {"Users", "Audit trail"},
}
ALL_PAGES = {spec.title: spec.path for specs in SECTIONS.values() for spec in specs}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_role_sees_its_pages_and_cannot_open_the_others(
    app_env: Company, username: str
) -> None:
    at = open_page(user=username)
    for title, path in ALL_PAGES.items():
        if title not in EXPECTED[username]:
            # Not in the user's navigation: not even its URL opens it.
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)
            continue
        at.switch_page(path).run()
        assert not at.exception, (title, [e.message for e in at.exception])
        assert at.title[0].value == title, (username, title)


def test_forms_a_role_may_not_submit_are_not_offered(app_env: Company) -> None:
    clerk = open_page("app_pages/alerts.py", user="clerk2")
    assert not [t for t in clerk.text_input if str(t.key).startswith("alert_")]
    assert any("set by accountants" in c.value for c in clerk.caption)
    manager = open_page("app_pages/alerts.py", user="manager")  # may set limits
    assert [t for t in manager.text_input if str(t.key).startswith("alert_")]
    clerk.switch_page("app_pages/budgets.py").run()
    assert not [b for b in clerk.button if str(b.key).startswith("budget_from")]
    assert any("made by accountants" in c.value for c in clerk.caption)
