"""Every "Download as Excel" button on every page gives a workbook that opens.

The walk finds the buttons itself: every page file under ``dashboards/app_pages``, and on
each every drill-down (a select box still empty: pick its first option) until no empty
one is left. A new page, table or drill-down is covered without touching this test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import open_page
from tests.dashboards.conftest import APP, Company

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

PAGES = sorted(
    p.relative_to(APP.parent).as_posix() for p in (APP.parent / "app_pages").rglob("*.py")
)
# Drill-downs the walk must reach, or it proves little (issue 13: these gave nothing).
DRILL_DOWNS = {
    "app_pages/finance.py": {
        "drill_lines_xlsx",
        "bva_account_months_xlsx",
        "bva_ledger_lines_xlsx",
    },
    "app_pages/wholesale.py": {"abc_documents_xlsx"},
}


@pytest.fixture
def workbooks(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, Callable[[], Any]]]:
    """What each download button would build, by the button's element id.

    The buttons build their workbook only when clicked (a deferred callable Streamlit
    keeps until the browser asks); AppTest has no browser to ask, so the callables are
    noted as Streamlit registers them and the test calls them as Streamlit would.
    """
    made: dict[str, tuple[str, Callable[[], Any]]] = {}
    register = MediaFileManager.add_deferred

    def note(
        self: MediaFileManager,
        data_callable: Callable[[], Any],
        mimetype: str | None,
        coordinates: str,
        file_name: str | None = None,
        *,
        element_id: str = "",
    ) -> str:
        made[element_id] = (file_name or "", data_callable)
        return register(
            self, data_callable, mimetype, coordinates, file_name, element_id=element_id
        )

    monkeypatch.setattr(MediaFileManager, "add_deferred", note)
    return made


def _empty_select_boxes(at: AppTest) -> Iterator[Any]:
    for box in at.main.selectbox:
        if box.value is None and box.options and not box.disabled:
            yield box


def walk(at: AppTest, seen: dict[str, Any]) -> None:
    """Note every download button, picking the first option of each empty select box
    (a drill-down) until none is left."""
    picked: set[str] = set()
    for _ in range(12):
        assert not at.exception, [e.message for e in at.exception]
        for button in at.main.get("download_button"):
            seen[button.id] = button  # type: ignore[union-attr]
        boxes = [b for b in _empty_select_boxes(at) if (b.key or b.label) not in picked]
        if not boxes:
            return
        picked.add(boxes[0].key or boxes[0].label)
        boxes[0].select_index(0).run()
    raise AssertionError("the drill-downs did not end")


@pytest.mark.parametrize("page", PAGES)
def test_every_download_button_gives_a_workbook(
    app_env: Company, workbooks: dict[str, tuple[str, Callable[[], Any]]], page: str
) -> None:
    at = open_page(page)  # the admin: every page, every division
    buttons: dict[str, Any] = {}
    walk(at, buttons)
    keys = {b.key for b in buttons.values()}
    assert DRILL_DOWNS.get(page, set()) <= keys, sorted(keys)
    for element_id, button in buttons.items():
        assert button.label == "Download as Excel"
        assert element_id in workbooks, f"{button.key}: no workbook behind the button"
        file_name, build = workbooks[element_id]
        assert file_name.endswith(".xlsx"), file_name
        data = build()  # what Streamlit runs when the button is clicked
        book = load_workbook(BytesIO(data))
        sheet = book.active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        # The title, then what the file holds; the table under a blank row.
        header = {r[0]: r[1] for r in rows[1 : rows.index((None,) * len(rows[0]))]}
        assert "Divisions" in header, (button.key, header)
        if button.key == "mfg_capacity_load_xlsx":  # hours, not money
            assert "Currency" not in header and header["Unit"] == "hours", header
        else:
            assert "Currency" in header, (button.key, header)
        if str(button.key).startswith("alerts_"):  # as of the refresh, own currencies
            assert header["Currency"] == "each division's own", header
            assert "Fiscal year" not in header and header["As of"], header
        if str(button.key).startswith("cash_forecast"):  # one currency's divisions only
            assert "group" not in header["Currency"], header
            assert "US01" not in header["Divisions"], header
        if button.key == "abc_documents_xlsx":  # one division, its window, the item
            assert "," not in header["Divisions"] and header["Window"], header
            assert header["Item"] == at.selectbox(key="abc_drill").options[0], header


def test_a_workbook_speaks_the_language_of_the_page_that_offered_it(
    app_env: Company, workbooks: dict[str, tuple[str, Callable[[], Any]]]
) -> None:
    """Streamlit builds a workbook when the browser asks for it, outside the page's run
    (no signed-in session there): its column headings are still the reader's language.
    The walk-through found the Dutch cash position file headed "Fiscal year", "Period"."""
    open_page("app_pages/finance.py", user="clerk1")  # reads Dutch, NL01 (EUR)
    [build] = [build for name, build in workbooks.values() if name == "cash_position.xlsx"]
    sheet = load_workbook(BytesIO(build())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    headings = rows[rows.index((None,) * len(rows[0])) + 1]
    assert headings == ("Boekjaar", "Periode", "Einde periode", "Saldo (EUR)")
