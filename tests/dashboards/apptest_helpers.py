"""Driving the app in AppTest: open a page, act as a user, fill grids, find messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import APP

INPUT_TYPES = {"selectbox", "date_input", "text_input", "dataframe", "radio", "multiselect"}


def open_page(page: str | None = None, *, user: int | None = None) -> AppTest:
    """The app opened on ``page`` (relative to dashboards/; default: the first page).

    ``st.Page`` keeps the file name as the page's URL path, so the page can be picked
    before the first run, as a browser would by URL.
    """
    at = AppTest.from_file(str(APP), default_timeout=90)
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if user is not None:
        at.selectbox(key="acting_user").set_value(user).run()
        assert not at.exception, [e.message for e in at.exception]
    return at


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
