"""A user scoped to some divisions never receives a row of another, on any page.

Two levels: the connection every read goes through (each mart of the published demo
warehouse, exhaustively), and the pages as a scoped user sees them (tables, text and the
Excel files of every download button).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboards.warehouse import PublishedWarehouse
from ingestion.demo.company import DEMO_USERS, DIVISIONS
from orchestration.publish import SHARED_MARTS
from tests.dashboards.apptest_helpers import open_page
from tests.dashboards.conftest import Company, DemoStack
from tests.dashboards.test_downloads import walk, workbooks  # noqa: F401 - a fixture

pytestmark = pytest.mark.pipeline

INSIGHTS = [
    "app_pages/finance.py",
    "app_pages/wholesale.py",
    "app_pages/whatif.py",
    "app_pages/budgets.py",
    "app_pages/alerts.py",
    "app_pages/consolidation.py",
    "app_pages/manufacturing.py",
]


def _ids(wh: PublishedWarehouse) -> dict[str, int]:
    rows = wh.query("select division_code, division_id from dim_divisions")
    return {str(r.division_code): int(r.division_id) for r in rows.itertuples()}


def _marts(wh: PublishedWarehouse) -> dict[str, bool]:
    """Each table the connection shows, and whether it has a division_id column."""
    rows = wh.query(
        """
        select table_name, bool_or(column_name = 'division_id') as has_division
        from information_schema.columns where table_schema = 'main'
        group by table_name
        """
    )
    return {str(r.table_name): bool(r.has_division) for r in rows.itertuples()}


@pytest.mark.parametrize("codes", [("NL01",), ("US01",), ("HOLD", "UK01")])
def test_a_scoped_connection_holds_only_the_scopes_rows(
    demo_stack: DemoStack, codes: tuple[str, ...]
) -> None:
    whole = demo_stack.published
    ids = _ids(whole)
    scope = frozenset(ids[c] for c in codes)
    scoped = replace(whole, divisions=scope)
    every, shown = _marts(whole), _marts(scoped)
    # Marts without a division column are hidden, but for the shared ones.
    assert set(shown) == {t for t, has in every.items() if has} | (SHARED_MARTS & set(every))
    inside = ", ".join(str(i) for i in sorted(scope))
    levelled = set(
        whole.query(
            "select table_name from information_schema.columns "
            "where table_schema = 'main' and column_name = 'group_division_id'"
        ).table_name
    )
    covered = "null"
    if "dim_group_levels" in every:
        levels = whole.query(
            "select group_division_id from dim_group_levels group by 1 "
            f"having bool_and(division_id in ({inside}))"
        )
        covered = ", ".join(str(int(i)) for i in levels.group_division_id) or "null"
    checked = 0
    for table, has_division in shown.items():
        if not has_division:
            continue
        outside = scoped.query(
            f'select count(*) as n from "{table}" where division_id not in ({inside})'
        )
        assert int(outside.n[0]) == 0, table
        # Nothing of the scope is lost either: the same rows as the whole group's, but for
        # the consolidation marts' group levels the scope does not wholly hold.
        mine = f"(division_id in ({inside}) or division_id is null)"
        if table in levelled:
            mine += f" and group_division_id in ({covered})"
        expected = whole.query(f'select count(*) as n from "{table}" where {mine}')
        got = scoped.query(f'select count(*) as n from "{table}"')
        assert int(got.n[0]) == int(expected.n[0]), table
        checked += int(got.n[0]) > 0
    assert checked >= 15  # the demo fills most marts for any division


def _other_codes(username: str) -> set[str]:
    return {d.code for d in DIVISIONS} - set(DEMO_USERS[username].divisions)


def _texts(at: Any) -> str:
    """Everything a page shows as text: tables' cells, markdown, metrics, options."""
    parts: list[str] = []
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for kind in ("markdown", "caption", "metric", "info", "warning", "success"):
        parts.extend(str(getattr(e, "value", "")) for e in at.get(kind))
    for box in [*at.selectbox, *at.multiselect]:
        parts.extend(str(o) for o in box.options)  # as shown (AppTest formats them)
    return "\n".join(parts)


# English-speaking users: AppTest compares a select box's stored value with its shown
# options, which differ once they are translated (the Dutch clerk is walked in Chromium).
@pytest.mark.parametrize("username", ["clerk2", "manager_us"])
@pytest.mark.parametrize("page", INSIGHTS)
def test_a_scoped_user_sees_no_other_division_on_any_page(
    app_env: Company,
    workbooks: dict[str, tuple[str, Callable[[], Any]]],  # noqa: F811
    username: str,
    page: str,
) -> None:
    others = _other_codes(username)
    pattern = re.compile(r"\b(" + "|".join(sorted(others)) + r")\b")
    at = open_page(page, user=username)
    mine = DEMO_USERS[username].divisions
    assert at.sidebar.multiselect(key="filter_divisions").options
    assert {o.split(" ")[0] for o in at.sidebar.multiselect(key="filter_divisions").options} <= {
        *mine,
    }
    buttons: dict[str, Any] = {}
    walk(at, buttons)
    shown = _texts(at)
    assert not pattern.search(shown), pattern.findall(shown)[:5]
    for element_id in buttons:
        _, build = workbooks[element_id]
        book = load_workbook(BytesIO(build()))
        cells = "\n".join(
            str(v) for row in book.active.iter_rows(values_only=True) for v in row if v
        )
        assert not pattern.search(cells), (buttons[element_id].key, pattern.findall(cells)[:5])
