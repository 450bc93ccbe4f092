"""The Users page (Administration): an administrator adds and changes users through the
services; the audit log names the administrator and never holds a password; bad input
is refused with the services' message and writes nothing; other roles do not see it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from dashboards import navigation
from tests.dashboards.apptest_helpers import count, open_page, report_frame
from tests.dashboards.conftest import Company

PAGE = "app_pages/users.py"
PASSWORD = "brand-new-secret-42"


def _query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return list(con.execute(text(sql), params).all())
    finally:
        engine.dispose()


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _fill_add_form(at: AppTest, username: str, password: str) -> None:
    at.text_input(key="users_add_username").input(username)
    at.text_input(key="users_add_full_name").input("Noor Bakker")
    at.selectbox(key="users_add_role").select("clerk")
    at.multiselect(key="users_add_divisions").select("NL01")
    at.selectbox(key="users_add_locale").select("nl_NL")
    at.text_input(key="users_add_password").input(password)


def test_admin_adds_a_user_through_the_page(app_env: Company) -> None:
    at = open_page(PAGE)
    _fill_add_form(at, "noor", PASSWORD)
    _button(at, "Add user").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == ["User noor added."], [e.value for e in at.error]

    [(new_id, role, locale, has_hash)] = _query(
        app_env.url,
        "select id, role, locale, password_hash is not null from app_user where username = 'noor'",
    )
    assert (role, locale, bool(has_hash)) == ("clerk", "nl_NL", True)
    scope = _query(
        app_env.url,
        "select d.code from user_division u join division d on d.id = u.division_id "
        "where u.user_id = :i",
        i=new_id,
    )
    assert [code for (code,) in scope] == ["NL01"]
    # The audit row of the new user names the admin who added them.
    admin = app_env.user("admin")
    actors = _query(
        app_env.url,
        "select user_id from audit_log where table_name = 'app_user' and record_key = :k",
        k=str(new_id),
    )
    assert actors and {a for (a,) in actors} == {admin}
    # The password is in no audit row (its hash only as "(set)") and not kept in the page.
    leaks = _query(
        app_env.url,
        "select count(*) from audit_log where new_value like :p or old_value like :p",
        p=f"%{PASSWORD}%",
    )
    assert leaks == [(0,)]
    assert at.text_input(key="users_add_password").value == ""
    # The table lists the new user without any password or hash.
    table = report_frame(at, "users_table")
    row = table[table["username"] == "noor"].iloc[0]
    assert (row["role"], row["divisions"], row["has_password"]) == ("Clerk", "NL01", "yes")
    assert not any(PASSWORD in str(v) for v in table.to_numpy().ravel())
    assert "argon2" not in table.to_csv()


def test_a_short_password_is_refused_and_nothing_is_written(app_env: Company) -> None:
    users, audit = count(app_env.url, "app_user"), count(app_env.url, "audit_log")
    at = open_page(PAGE)
    _fill_add_form(at, "noor", "short")
    _button(at, "Add user").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == ["A password needs at least 10 characters."]
    assert not at.success
    assert (count(app_env.url, "app_user"), count(app_env.url, "audit_log")) == (users, audit)


def test_a_taken_user_name_is_refused(app_env: Company) -> None:
    users = count(app_env.url, "app_user")
    at = open_page(PAGE)
    _fill_add_form(at, "clerk1", PASSWORD)
    _button(at, "Add user").click().run()
    assert [e.value for e in at.error] == ["User name clerk1 is already taken."]
    assert count(app_env.url, "app_user") == users


def test_admin_changes_role_and_disables_a_user(app_env: Company) -> None:
    at = open_page(PAGE)
    at.selectbox(key="users_change_user").select("clerk1").run()
    at.selectbox(key="users_change_role_clerk1").select("accountant")
    _button(at, "Change role").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == ["clerk1 is now: Accountant."]
    _button(at, "Disable user").click().run()
    assert [s.value for s in at.success] == ["clerk1 is disabled: they can no longer sign in."]
    assert _query(
        app_env.url, "select role, is_active from app_user where username = 'clerk1'"
    ) == [("accountant", False)]
    old_new = _query(
        app_env.url,
        "select old_value, new_value from audit_log where table_name = 'app_user' "
        "and action = 'update' and new_value like '%accountant%'",
    )
    assert old_new == [('{"role": "clerk"}', '{"role": "accountant"}')]


def test_a_bad_e_mail_is_refused_next_to_its_form(app_env: Company) -> None:
    at = open_page(PAGE)
    at.selectbox(key="users_change_user").select("clerk1").run()
    at.text_input(key="users_change_email_clerk1").input("not an address")
    _button(at, "Save e-mail").click().run()
    assert [e.value for e in at.error] == ["not an address is not an e-mail address."]
    assert _query(app_env.url, "select email from app_user where username = 'clerk1'") == [(None,)]


def test_only_administrators_see_the_page() -> None:
    def paths(role: str) -> set[str]:
        return {p.path for specs in navigation.visible(role).values() for p in specs}

    assert PAGE in paths("admin")
    for role in ("clerk", "accountant", "manager", "analyst"):
        assert PAGE not in paths(role), role


def test_a_clerks_app_has_no_users_page(app_env: Company) -> None:
    at = open_page(user="clerk1")
    # The clerk's navigation does not register the page: it cannot be opened at all.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
