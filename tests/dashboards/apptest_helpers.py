"""Driving the app in AppTest: open a page, act as a user, fill grids, find messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from ingestion.demo.company import DEMO_USERS, admin_password
from tests.dashboards.conftest import APP

INPUT_TYPES = {"selectbox", "date_input", "text_input", "dataframe", "radio", "multiselect"}


def password_of(username: str) -> str:
    """The demo user's password (the admin's comes from ERP_ADMIN_PASSWORD, set by
    tests/conftest.py)."""
    demo = DEMO_USERS[username]
    password = demo.password if demo.password is not None else admin_password()
    assert password, f"no password known for {username}"
    return password


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    """Type the user name and password into the sign-in form and submit it."""
    at.text_input[0].input(username)
    at.text_input[1].input(password if password is not None else password_of(username))
    at.button[0].click().run()
    return at


def open_page(page: str | None = None, *, user: str | int | None = "admin") -> AppTest:
    """The app opened on ``page`` (relative to dashboards/; default: the first page),
    signed in through the form as ``user`` (a demo user name, or an id of the ledger's
    ``app_user``; default the admin).

    ``st.Page`` keeps the file name as the page's URL path, so the page is switched to
    after signing in, as a user follows a link.
    """
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if isinstance(user, int):
        user = username_of(user)
    if user is not None:
        sign_in(at, user)
        assert not at.exception, [e.message for e in at.exception]
        assert at.session_state["signed_in_user_id"] is not None, [e.value for e in at.error]
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
    return at


def username_of(user_id: int) -> str:
    """The user name of ledger user ``user_id`` (the ledger the app reads)."""
    import os

    engine = create_engine(os.environ["ERP_DATABASE_URL"])
    try:
        with engine.connect() as con:
            return str(
                con.execute(
                    text("select username from app_user where id = :i"), {"i": user_id}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def fill_grid(at: AppTest, key: str, rows: list[dict[str, Any]]) -> None:
    """Type ``rows`` into the first rows of the data editor ``key`` (before the next run)."""
    at.session_state[key] = {
        "edited_rows": dict(enumerate(rows)),
        "added_rows": [],
        "deleted_rows": [],
    }


def input_above(at: AppTest, element: object) -> Any:
    """The input the element is shown under: the nearest input before it on the page."""
    nodes = list(at.main)
    index = next(i for i, node in enumerate(nodes) if node is element)
    for node in reversed(nodes[:index]):
        if getattr(node, "type", None) in INPUT_TYPES:
            return node
    raise AssertionError("no input above the element")


def report_frame(at: AppTest, key: str) -> Any:
    """The report table ``key``: the dataframe just above its download button.

    (AppTest keeps the key of a dataframe only when rows can be selected in it.)
    """
    nodes: list[Any] = [
        n for n in at.main if getattr(n, "type", None) in ("dataframe", "download_button")
    ]
    index = next(i for i, n in enumerate(nodes) if getattr(n, "key", None) == f"{key}_xlsx")
    assert nodes[index - 1].type == "dataframe"
    return nodes[index - 1].value


def the_error(at: AppTest) -> Any:
    """The one error message on the page."""
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.error) == 1, [e.value for e in at.error]
    return at.error[0]


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return int(con.execute(text(f"select count(*) from {table}")).scalar_one())
    finally:
        engine.dispose()


def user_id(url: str, username: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return int(
                con.execute(
                    text("select id from app_user where username = :u"), {"u": username}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def act_as(at: AppTest, user_id: int) -> AppTest:
    """Carry on as another signed-in user, keeping the page's state (the budget panel
    picked): a shortcut past the sign-out/sign-in round trip, for tests of rights."""
    at.session_state["signed_in_user_id"] = user_id
    return at.run()


def empty_ledger(monkeypatch: Any, tmp_path: Any) -> str:
    """A migrated ledger holding nothing but the first admin (as `erp db upgrade` leaves
    it), and no warehouse: what a new installation shows before `erp generate`."""
    from transactional.database import make_engine, session_scope
    from transactional.migrate import upgrade
    from transactional.organisation.users import ensure_admin_password

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    upgrade(url)
    with session_scope(make_engine(url)) as session:
        ensure_admin_password(session=session, password=password_of("admin"))
    return url
