"""Streamlit's widgets driven in Chromium as a clerk drives them, each action checked
before the next.

On a loaded machine the page reruns while keys are typed, replaces a widget after a save
(its key carries a new generation), and the canvas grids drop key presses. A clerk looks
at what the page shows and types again; so do these helpers. Each checks what the page
shows after it acted, tries again a few times, and fails with what it saw.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import date

import pytest
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

RUNNING = '[data-testid="stStatusWidget"]'
# The app's own record of its script run, set at once (the indicator shows a moment later).
STILL = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stAlertContentError"]'
ROW_HEIGHT = 35  # glide-data-grid rows and header in Streamlit's data editor
TRIES = 4


def idle(page: Page, rounds: int = 100) -> None:
    """Wait until Streamlit has finished the rerun the last action started: no script
    running, three looks in a row."""
    quiet = 0
    for _ in range(rounds):
        page.wait_for_timeout(300)
        still = page.locator(STILL).count() and not page.locator(RUNNING).is_visible()
        quiet = quiet + 1 if still else 0
        if quiet >= 3:
            return


def keyed(page: Page, key: str, prefix: bool = False) -> Locator:
    """The widget with key ``key``, or with ``prefix``, the first whose key starts with
    it (forms add their generation to keys)."""
    found = f'[class*="st-key-{key}"]' if prefix else f".st-key-{key}"
    return page.locator(found).first


def labelled(page: Page, label: str, kind: str = "stSelectbox") -> Locator:
    """The widget of ``kind`` whose label reads exactly ``label``."""
    caption = page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True)
    return page.locator(f'[data-testid="{kind}"]').filter(has=caption).first


def _pattern(typed: str, option: str | re.Pattern[str] | None) -> re.Pattern[str]:
    if option is None:
        return re.compile(re.escape(typed))
    return re.compile(option) if isinstance(option, str) else option


def choose(
    page: Page, box: Locator, typed: str, option: str | re.Pattern[str] | None = None
) -> str:
    """Choose in select box ``box`` the first option matching ``option`` (by default: the
    options containing ``typed``) after typing ``typed`` to filter; return the choice once
    the box shows it."""
    wanted = _pattern(typed, option)
    field = box.locator("input")
    shown = ""
    for _attempt in range(TRIES):
        idle(page)
        field.scroll_into_view_if_needed()
        field.click()
        field.fill("")
        page.keyboard.type(typed, delay=20)
        try:
            page.get_by_role("option", name=wanted).first.click(timeout=20_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        idle(page)
        shown = field.input_value() if field.count() else ""
        if wanted.search(shown):
            return shown
    pytest.fail(f"select box shows {shown!r}, wanted an option matching {wanted.pattern!r}")


def only(page: Page, box: Locator, typed: str, option: str | re.Pattern[str] | None = None) -> None:
    """Leave exactly one item chosen in multiselect ``box``: the option matching ``option``
    (by default: containing ``typed``). Its chosen items are tags named by their label."""
    wanted = _pattern(typed, option)
    tags = box.locator("[data-tag]")
    chosen: list[str] = []
    for _attempt in range(TRIES):
        idle(page)
        chosen = [str(tag.get_attribute("aria-label")) for tag in tags.all()]
        if len(chosen) == 1 and wanted.search(chosen[0]):
            return
        for label in chosen:
            if not wanted.search(label):
                box.get_by_label(f"Remove {label}", exact=True).click()
                idle(page)
        if not any(wanted.search(label) for label in chosen):
            box.locator("input").click()
            page.keyboard.type(typed, delay=20)
            with contextlib.suppress(PlaywrightTimeout):  # looked at again above
                page.get_by_role("option", name=wanted).first.click(timeout=20_000)
            page.keyboard.press("Escape")
    pytest.fail(f"multiselect shows {chosen}, wanted only {wanted.pattern!r}")


def enter_date(page: Page, label: str, day: date) -> None:
    """Type ``day`` into the date input ``label`` (three spin buttons: year, month, day)
    until each shows its part."""
    parts = {"year": day.year, "month": day.month, "day": day.day}
    for _attempt in range(TRIES):
        for part, value in parts.items():
            spin = page.get_by_role("spinbutton", name=f"{part}, {label}")
            if spin.get_attribute("aria-valuenow") != str(value):
                spin.click()
                spin.type(str(value))
        # Close the calendar the date input opened: it would cover what is below.
        page.keyboard.press("Escape")
        page.locator("h1").first.click()
        idle(page)
        shown = {
            part: page.get_by_role("spinbutton", name=f"{part}, {label}").get_attribute(
                "aria-valuenow"
            )
            for part in parts
        }
        if shown == {part: str(value) for part, value in parts.items()}:
            return
    pytest.fail(f"date input {label!r} shows {shown}, wanted {day}")


def grid(page: Page, index: int = 0) -> Locator:
    return page.locator('[data-testid="stDataFrame"]').nth(index)


def cell(page: Page, column: int, row: int, index: int = 0) -> str:
    """A cell of grid ``index`` as its accessible table shows it ("" when not drawn)."""
    found = grid(page, index).locator(f'[data-testid="glide-cell-{column}-{row}"]')
    return found.inner_text().strip() if found.count() else ""


def _digits(text: str) -> str:
    # Typed "4321.09" shows as "4,321.09" (or "4.321,09" in Dutch): compare without
    # separators and spaces.
    return re.sub(r"[\s.,\u00a0\u202f]", "", text)


def _selected(frame: Locator) -> tuple[int, int] | None:
    """The (column, row) of the grid's selected cell, as its accessible table marks it."""
    chosen = frame.locator('[aria-selected="true"][data-testid^="glide-cell-"]')
    if not chosen.count():
        return None
    column, row = str(chosen.first.get_attribute("data-testid")).split("-")[-2:]
    return int(column), int(row)


def _settled_selection(
    page: Page, frame: Locator, before: tuple[int, int]
) -> tuple[int, int] | None:
    """The selection once it has moved from ``before`` (or ``before`` after two seconds)."""
    for _ in range(20):
        page.wait_for_timeout(100)
        now = _selected(frame)
        if now != before:
            return now
    return before


def _editor_open(page: Page) -> bool:
    return page.locator('[id^="gdg-overlay"]').count() > 0


def select_cell(page: Page, column: int, row: int, index: int = 0) -> None:
    """Select one cell of grid ``index``: click into its row (a canvas: the first click
    selects, a second on the same cell opens its editor), then walk with the arrow keys
    until the accessible table marks the cell selected. Columns count as that table
    counts them (a grid that adds rows has a row-marker column 0)."""
    frame = grid(page, index)
    at = None
    for _attempt in range(TRIES):
        if _editor_open(page):
            page.keyboard.press("Escape")  # closes the editor, keeps the selection
            page.wait_for_timeout(200)
        at = _selected(frame)
        if at is None or at[1] != row:
            frame.scroll_into_view_if_needed()
            box = frame.bounding_box()
            assert box is not None
            # A third of the way in: a data cell, not the row marker (that selects rows).
            page.mouse.click(box["x"] + box["width"] / 3, box["y"] + ROW_HEIGHT * (row + 1.5))
            page.wait_for_timeout(300)
            continue
        # One step at a time, each seen to take: the accessible table follows the canvas
        # a moment later, and keys pressed ahead of it overshoot.
        while at is not None and at[0] != column:
            page.keyboard.press("ArrowRight" if at[0] < column else "ArrowLeft")
            before, at = at, _settled_selection(page, frame, at)
            if at == before:
                break
        if at == (column, row) and not _editor_open(page):
            return
    pytest.fail(f"grid cell ({column}, {row}) not selected; the grid marks {at}")


def _edit(page: Page, value: str) -> None:
    """Open the selected cell's editor, replace its text with ``value``, commit (the
    caller checks what the grid shows)."""
    page.keyboard.press("Enter")
    for _ in range(10):
        page.wait_for_timeout(200)
        if _editor_open(page):
            break
    else:
        return
    page.keyboard.press("Control+A")
    page.keyboard.type(value, delay=30)
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")


def type_cells(page: Page, cells: Iterable[tuple[int, int, str]], index: int = 0) -> None:
    """Type each (row, column, value) into grid ``index`` until its accessible table shows
    all of them (a loaded machine drops key presses; a rerun after an edit redraws the
    grid)."""
    wanted = list(cells)
    missing = wanted
    for _attempt in range(TRIES):
        for row, column, value in missing:
            select_cell(page, column, row, index)
            _edit(page, value)
            idle(page)
        missing = [c for c in wanted if _digits(c[2]) not in _digits(cell(page, c[1], c[0], index))]
        if not missing:
            return
    shown = [cell(page, column, row, index) for row, column, _value in missing]
    pytest.fail(f"the grid does not show {missing}: it shows {shown}")


def type_column(page: Page, column: int, values: list[str], index: int = 0) -> None:
    """Type ``values`` down one column of grid ``index`` from its first row."""
    type_cells(page, [(row, column, value) for row, value in enumerate(values)], index)


def outcome(page: Page, done: Locator, timeout_s: int = 120) -> str | None:
    """Wait for the result of pressing a form's button: None once ``done`` shows, else
    the form's refusal (an error message) as it reads."""
    refused = page.locator(ERRORS)
    idle(page)
    for _ in range(timeout_s * 2):
        if done.count():
            return None
        if refused.count() and page.locator(STILL).count():
            return " | ".join(refused.all_inner_texts())
        page.wait_for_timeout(500)
    pytest.fail(f"neither done nor refused: {page.locator('body').inner_text()[-1500:]}")
