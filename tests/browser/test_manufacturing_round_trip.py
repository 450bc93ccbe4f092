"""MF01's production clerk makes one product in the browser: creates a production order,
releases it, issues its materials, books more labour hours than planned, completes and
closes it (after an MRP run, so that the page has advice too), refreshes the warehouse,
and finds the order's labour variance on the Manufacturing page; then every table of
the page, the drill-downs' included, downloads as a workbook.

The expected variance is worked out here from the database (the order's planned hours,
the hours booked and the work centre's labour rate), not read from the marts. Real parts
only: the generated company (SQLite), the dagster refresh, a Streamlit server, Debian's
Chromium driven by Playwright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from tests.browser.conftest import settled_text, visit
from tests.browser.streamlit_page import choose, idle, keyed, outcome, type_column

# A full warehouse refresh from the page, on a machine running another worker: more than
# the suite's 15 minutes per test may be needed under load.
pytestmark = [pytest.mark.browser, pytest.mark.pipeline, pytest.mark.timeout(1800)]

DIVISION = "MF01"
USER = "clerk9"  # the demo's production clerk (right manufacture, division MF01 only)
# Columns typed into, counted from 0 as the grids' accessible tables count them: material_issue.py's
# "Quantity now", production_hours.py's "Labour hours now" and "Machine hours now".
ISSUE_QUANTITY, HOURS_LABOUR, HOURS_MACHINE = 6, 6, 7
CENT = Decimal("0.01")
NUMBER = r"[A-Z]{2}-\d{4}-\d{5}"  # a production order's number (MO-2026-00013)


@dataclass(frozen=True)
class Line:
    """One row of an order's grid: its key (material line or operation sequence) and the
    quantity the order plans."""

    key: int
    planned: Decimal
    labour_rate: Decimal = Decimal(0)


def _session(url: str):  # type: ignore[no-untyped-def]
    from transactional.database import make_engine, session_scope

    return session_scope(make_engine(url))


def _product(url: str) -> str:
    """A made MF01 item one unit of which the stock can supply: its default BOM's
    components bought or made (no phantom), untracked and on hand, its routing on work
    centres only; the one with the fewest grid rows to type."""
    from transactional.manufacturing.models import (
        BillOfMaterials,
        BomLine,
        BomOperation,
        ItemPlanning,
    )
    from transactional.organisation.models import Division
    from transactional.stock.models import StockLevel
    from transactional.wholesale.models import Item

    found = []
    with _session(url) as s:
        division = s.exec(select(Division).where(Division.code == DIVISION)).one()
        supply = {
            p.item_id: p.supply
            for p in s.exec(select(ItemPlanning).where(ItemPlanning.division_id == division.id))
        }
        for bom, item in s.exec(
            select(BillOfMaterials, Item)
            .join(Item, col(Item.id) == BillOfMaterials.item_id)
            .where(BillOfMaterials.division_id == division.id, col(BillOfMaterials.is_default))
        ):
            if supply.get(item.id) != "make":
                continue
            lines = s.exec(select(BomLine).where(BomLine.bom_id == bom.id)).all()
            operations = s.exec(select(BomOperation).where(BomOperation.bom_id == bom.id)).all()
            if not lines or not operations or any(o.work_centre_id is None for o in operations):
                continue

            on_hand: dict[int, Decimal] = {}
            for level in s.exec(
                select(StockLevel).where(
                    col(StockLevel.item_id).in_([line.component_id for line in lines])
                )
            ):
                on_hand[level.item_id] = on_hand.get(level.item_id, Decimal(0)) + level.quantity
            components = {line.component_id: s.get(Item, line.component_id) for line in lines}
            if all(
                (component := components[line.component_id]) is not None
                and component.tracking == "none"
                and supply.get(line.component_id) != "phantom"
                and on_hand.get(line.component_id, Decimal(0))
                >= line.quantity / bom.batch_quantity * (1 + line.scrap_pct / 100)
                for line in lines
            ):
                found.append((len(lines) + 2 * len(operations), item.code))
    assert found, f"no item of {DIVISION} can be made from stock"
    return str(min(found)[1])


def _order(url: str, number: str) -> tuple[int, list[Line], list[Line]]:
    """The order's id, its material lines and its operations (with the labour rate of
    their work centre, as the master data says now)."""
    from transactional.manufacturing.models import (
        ProductionOrder,
        ProductionOrderMaterial,
        ProductionOrderOperation,
        WorkCentre,
    )

    with _session(url) as s:
        order = s.exec(select(ProductionOrder).where(ProductionOrder.number == number)).one()
        materials = [
            Line(m.line_number, m.quantity)
            for m in s.exec(
                select(ProductionOrderMaterial)
                .where(ProductionOrderMaterial.order_id == order.id)
                .order_by(col(ProductionOrderMaterial.line_number))
            )
        ]
        operations = []
        for op in s.exec(
            select(ProductionOrderOperation)
            .where(ProductionOrderOperation.order_id == order.id)
            .order_by(col(ProductionOrderOperation.sequence))
        ):
            centre = s.get(WorkCentre, op.work_centre_id)
            assert centre is not None, f"{number}: operation {op.sequence} has no work centre"
            operations.append(Line(op.sequence, op.planned_hours, centre.labour_rate))
        return int(order.id or 0), materials, operations


def _posted(
    url: str, order_id: int
) -> tuple[dict[int, Decimal], dict[int, tuple[Decimal, Decimal]]]:
    """What is on the order now: issued per material line, (labour, machine) hours booked
    per operation."""
    from transactional.manufacturing.models import (
        ProductionOrderMaterial,
        ProductionOrderOperation,
    )

    with _session(url) as s:
        issued = {
            m.line_number: m.quantity_issued
            for m in s.exec(
                select(ProductionOrderMaterial).where(ProductionOrderMaterial.order_id == order_id)
            )
        }
        booked = {
            o.sequence: (o.labour_hours, o.machine_hours)
            for o in s.exec(
                select(ProductionOrderOperation).where(
                    ProductionOrderOperation.order_id == order_id
                )
            )
        }
    return issued, booked


def _status(url: str, order_id: int) -> str:
    from transactional.manufacturing.models import ProductionOrder

    with _session(url) as s:
        order = s.get(ProductionOrder, order_id)
        assert order is not None
        return str(order.status)


def _text(value: Decimal) -> str:
    """A quantity as a clerk types it (no exponent, no trailing zeros)."""
    return f"{value.normalize():f}"


def _choose(page, key: str, typed: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the option starting with ``typed`` in the select box whose key starts with
    ``key`` (the forms number their keys by generation)."""
    choose(page, keyed(page, key, prefix=True), typed, re.compile(rf"^{re.escape(typed)}"))


def _drill(page, key: str, table: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the first option of the drill-down select box ``key``; wait for the table
    ``table`` it opens and that table's download button."""
    box = page.locator(f".st-key-{key}").first
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    page.get_by_role("option").first.click()
    page.locator(f".st-key-{table}_xlsx button").wait_for(timeout=60_000)
    idle(page)


def _notice(page, what: str, number: str, verb: str = "Posted") -> None:  # type: ignore[no-untyped-def]
    """The form's success notice for ``number``; a refusal fails with its message."""
    done = page.get_by_text(re.compile(rf"{verb} {re.escape(what)} {re.escape(number)}"))
    refusal = outcome(page, done.first)
    assert refusal is None, f"{what} of {number} refused: {refusal}"


def _download_all(page, folder: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Press every visible "Download as Excel" button once; each gives a workbook with a
    table under its header."""
    names = []
    buttons = page.locator('[data-testid="stDownloadButton"] button:visible')
    for i in range(buttons.count()):
        button = buttons.nth(i)
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        target = folder / download.suggested_filename
        download.save_as(target)
        data = target.read_bytes()
        assert data[:2] == b"PK", f"{download.suggested_filename} is not an xlsx"
        sheet = load_workbook(BytesIO(data)).active
        assert sheet is not None and sheet.max_row > 1, download.suggested_filename
        names.append(download.suggested_filename)
    return names


def test_order_made_in_the_browser_shows_its_labour_variance(
    page, app_url: str, stack_env, tmp_path: Path
) -> None:
    url = stack_env["ERP_DATABASE_URL"]
    product = _product(url)

    # 0. An MRP run, so that the page has advice and pegging to show (and download).
    visit(page, app_url, "mrp_run", user=USER)
    page.get_by_role("button", name="Run MRP").click()
    _notice(page, "MRP run", "#")

    # 1. A production order for one unit, by hand; then released.
    visit(page, app_url, "production_order", user=USER)
    page.get_by_role("button", name="Create order").wait_for()
    _choose(page, "production_order_item_", product)
    page.get_by_role("textbox", name="Quantity", exact=True).fill("1")
    page.get_by_role("textbox", name="Description", exact=True).fill("Browser round trip")
    page.get_by_role("button", name="Create order").click()
    created = page.get_by_text(re.compile(rf"Created production order {NUMBER}"))
    refusal = outcome(page, created.first)
    assert refusal is None, f"production order refused: {refusal}"
    number = re.search(NUMBER, created.first.inner_text()).group(0)  # type: ignore[union-attr]
    order_id, materials, operations = _order(url, number)
    assert materials and operations, (number, materials, operations)
    _choose(page, "production_release_order_", number)
    page.get_by_role("button", name="Release", exact=True).click()
    _notice(page, "production order", number, verb="Released")
    page.screenshot(path=str(tmp_path / "1_released.png"), full_page=True)
    assert _status(url, order_id) == "released"

    # 2. Its materials, as planned.
    visit(page, app_url, "material_issue", user=USER)
    _choose(page, "material_issue_order_", number)
    type_column(page, ISSUE_QUANTITY, [_text(m.planned) for m in materials])
    page.screenshot(path=str(tmp_path / "2_issue_typed.png"), full_page=True)
    page.get_by_role("button", name="Post").click()
    _notice(page, "material issue", number)
    issued, _booked = _posted(url, order_id)
    assert issued == {m.key: m.planned for m in materials}, issued

    # 3. Hours: one labour hour more than planned (rounded up), machines as planned.
    labour = {o.key: o.planned.to_integral_value(ROUND_CEILING) + 1 for o in operations}
    machine = {o.key: o.planned.to_integral_value(ROUND_CEILING) for o in operations}
    visit(page, app_url, "production_hours", user=USER)
    _choose(page, "production_hours_order_", number)
    type_column(page, HOURS_LABOUR, [_text(labour[o.key]) for o in operations])
    type_column(page, HOURS_MACHINE, [_text(machine[o.key]) for o in operations])
    page.screenshot(path=str(tmp_path / "3_hours_typed.png"), full_page=True)
    page.get_by_role("button", name="Book").click()
    _notice(page, "hours", number)
    _issued, booked = _posted(url, order_id)
    assert booked == {k: (labour[k], machine[k]) for k in labour}, booked

    # 4. Completed, then closed: what is left on WIP becomes the variances.
    visit(page, app_url, "production_completion", user=USER)
    _choose(page, "production_completion_order_", number)
    page.get_by_role("textbox", name="Quantity completed now").fill("1")
    page.get_by_role("button", name="Complete", exact=True).click()
    _notice(page, "completion", number)
    assert _status(url, order_id) == "completed"
    _choose(page, "production_close_order_", number)
    page.get_by_role("button", name="Close order").click()
    _notice(page, "close of production order", number)
    assert _status(url, order_id) == "closed"
    page.screenshot(path=str(tmp_path / "4_closed.png"), full_page=True)

    # The labour variance, worked out here: the hours booked at the work centre's rate
    # (each booking rounded to the cent) less the standard, the planned hours at that
    # rate for the one unit completed (rounded to the cent).
    actual = sum(
        ((booked[o.key][0] * o.labour_rate).quantize(CENT, ROUND_HALF_UP) for o in operations),
        Decimal(0),
    )
    standard = sum((o.planned * o.labour_rate for o in operations), Decimal(0)).quantize(
        CENT, ROUND_HALF_UP
    )
    variance = actual - standard
    assert variance > 0, (actual, standard)  # more hours than planned: unfavourable

    # 5. The warehouse refreshed from the form.
    page.locator(".st-key-production_close_posted_refresh button").click()
    refreshed = page.get_by_text(re.compile("Warehouse refreshed|The refresh failed")).first
    # A full dbt build in the Streamlit process: minutes on a loaded machine.
    refreshed.wait_for(timeout=600_000)
    assert "Warehouse refreshed" in refreshed.inner_text(), refreshed.inner_text()

    # 6. Insights -> Manufacturing: the labour variances' orders list this one.
    visit(page, app_url, "manufacturing", user=USER)
    page.get_by_text("Cost variances").first.wait_for()
    main = page.locator('[data-testid="stMain"]')
    settled_text(page, main)
    _choose(page, "mfg_variance_drill_cost_type", "labour")
    summary = main.get_by_text(re.compile(r"Orders behind labour")).first
    settled_text(page, summary)
    orders = page.locator(".st-key-mfg_variance_orders")
    orders.wait_for()
    # The grid is a canvas; its accessible table holds the row's values.
    row_cells = orders.locator("tr").filter(has_text=number).first.locator("td")
    row_cells.first.wait_for(state="attached")
    cells = [c.strip().replace(",", "") for c in row_cells.all_inner_texts()]
    numbers = {Decimal(c) for c in cells if re.fullmatch(r"-?\d+(\.\d+)?", c)}
    assert variance in numbers and actual in numbers and standard in numbers, (variance, cells)
    _choose(page, "mfg_order_drill_variance", number)
    movements = main.get_by_text(re.compile(rf"{number}: every movement")).first
    assert "add up to €0.00" in settled_text(page, movements)
    page.screenshot(path=str(tmp_path / "5_variance.png"), full_page=True)

    # 7. Every table of the page downloads once, the drill-downs' too: pick one row of
    # each tab's drill-down first (the variance tab's are picked above).
    drills = {
        "Material loss": ("mfg_loss_drill", "mfg_loss_orders"),
        "Lead times": ("mfg_order_drill_lead", "mfg_order_transactions_lead"),
        "MRP advice": ("mfg_advice_drill", "mfg_mrp_pegging"),
    }
    downloaded = []
    for tab in page.get_by_role("tab").all():
        name = tab.inner_text().strip()
        tab.click()
        idle(page)
        if name in drills:
            _drill(page, *drills[name])
        downloaded += _download_all(page, tmp_path)
        page.screenshot(path=str(tmp_path / f"6_{name}.png"), full_page=True)
    expected = {
        "production_variances_by_cost_type.xlsx",
        "production_variance_orders.xlsx",
        f"production_transactions_{number}.xlsx",
        "material_loss.xlsx",
        "material_loss_orders.xlsx",
        "production_lead_times.xlsx",
        "wip_position.xlsx",
        "capacity_load.xlsx",
        "mrp_advice.xlsx",
        "mrp_pegging.xlsx",
    }
    # The lead times' drill-down is one order's movements (a second such workbook).
    assert expected <= set(downloaded), sorted(expected - set(downloaded))
    assert len(downloaded) == len(expected) + 1, downloaded
    # The workbook of the orders behind labour holds this order's figures to the cent.
    sheet = load_workbook(tmp_path / "production_variance_orders.xlsx").active
    assert sheet is not None
    table = [r for r in sheet.iter_rows(values_only=True) if r and r[0] is not None]
    header = next(r for r in table if r[0] == "Production order")
    row = dict(zip(header, next(r for r in table if r[0] == number), strict=True))
    figures = {k: Decimal(str(row[k])).quantize(CENT) for k in ("Standard", "Actual", "Variance")}
    assert figures == {"Standard": standard, "Actual": actual, "Variance": variance}, figures
    assert Decimal(str(row["Variance posted"])).quantize(CENT) == variance, row
