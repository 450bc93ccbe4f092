"""Pieces the wholesale clerk forms share: the grid of an order's lines (and the form
that delivers or receives them), and quantities as clerks read them. The division picker
every form shares is :func:`dashboards.forms.form_feedback.pick_division`.

Quantities and prices read in the user's locale (``2,5`` and ``1.234,50`` in Dutch); a
cell the clerk may edit starts in the form they type (no thousands separators, which
``transactional.typed_numbers`` would find ambiguous in ``1.234``). A lot's expiry date is
typed as the user writes a date (``31-12-2026`` in Dutch, ``31/12/2026`` in French,
``2026-12-31`` in English: the date fields' formats), which the services read
(``transactional.dates.parse_date``: ISO or day-month-year), and shown as a date of a
table reads (``31 dec 2026``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from dashboards.forms.form_feedback import GENERAL, FieldErrors
from dashboards.grid_columns import typed_quantity_column
from dashboards.language import N_, _, current_locale, date_input_format
from transactional import clock
from transactional.errors import ValidationError
from transactional.reads.wholesale_lookups import OrderLineView
from transactional.typed_numbers import canonical

# How an item is tracked, as the grids say it (untracked: nothing).
TRACKING = {"lot": N_("lot"), "serial": N_("serial numbers")}

_QTY = "0.########"
_MONEY = "0.00########"


def tracked_by(tracking: str) -> str:
    """``'lot'`` -> "lot" in the user's language; untracked items read empty."""
    return _(TRACKING[tracking]) if tracking in TRACKING else ""


def _number(value: Decimal, pattern: str, *, grouped: bool) -> str:
    # "-0" would read as a loss of nothing.
    value = Decimal(0) if value == 0 else value
    return format_decimal(
        value, format=("#,##" if grouped else "") + pattern, locale=current_locale()
    )


def qty(value: Decimal | None) -> str:
    """A quantity without trailing zeros (``12``, ``2,5``, ``1.234`` in Dutch), '' for None."""
    return "" if value is None else _number(value, _QTY, grouped=True)


def money(value: Decimal | None) -> str:
    """A price or amount with at least two decimals and no trailing zeros beyond them
    (``22,50``, ``10,1234``, ``1.234,50`` in Dutch), '' for None."""
    return "" if value is None else _number(value, _MONEY, grouped=True)


def typed_qty(value: Decimal | None) -> str:
    """A quantity as the clerk would type it (``1234,5`` in Dutch): an editable cell."""
    return "" if value is None else _number(value, _QTY, grouped=False)


def typed_money(value: Decimal | None) -> str:
    """A price as the clerk would type it (``1234,50`` in Dutch): an editable cell."""
    return "" if value is None else _number(value, _MONEY, grouped=False)


def typed_number(text: str) -> Decimal | None:
    """What the clerk typed, read in their locale, or None if it is not a number (the
    service's refusal says why when they post)."""
    try:
        return Decimal(canonical(text, current_locale(), field="", label=""))
    except (ValidationError, InvalidOperation):
        return None


def typed_day(day: date) -> str:
    """A date as the user types it in a grid cell: in the order of the date fields
    (``31-12-2026`` in Dutch, ``31/12/2026`` in French, ``2026-12-31`` in English)."""
    pattern = date_input_format()
    return (
        pattern.replace("YYYY", f"{day.year:04d}")
        .replace("MM", f"{day.month:02d}")
        .replace("DD", f"{day.day:02d}")
    )


def expiry_help() -> str:
    """What the expiry date cell takes, with an example in the user's own format."""
    return _(
        "Items tracked by lot or serial number: the expiry date printed on the goods, "
        "for example {example}. Leave it empty when the goods do not expire.",
        example=typed_day(date(2026, 12, 31)),
    )


def order_line_grid(
    lines: list[OrderLineView], done_label: str, *, expiry: bool = False
) -> pd.DataFrame:
    """The open lines of an order, with empty quantity / lot / serials cells to type in
    (and an expiry date cell with ``expiry``: goods coming in)."""
    rows = [ln for ln in lines if ln.open > 0]
    grid = pd.DataFrame(
        {
            "line_id": [ln.id for ln in rows],
            "line": [ln.line_number for ln in rows],
            "item": [ln.item_code for ln in rows],
            "name": [ln.item_name for ln in rows],
            "tracking": [tracked_by(ln.tracking) for ln in rows],
            "ordered": [qty(ln.ordered) for ln in rows],
            done_label: [qty(ln.done) for ln in rows],
            "open": [qty(ln.open) for ln in rows],
            "quantity": pd.Series([None] * len(rows), dtype="object"),
            "lot": pd.Series([None] * len(rows), dtype="object"),
            "serials": pd.Series([None] * len(rows), dtype="object"),
        }
    )
    if expiry:
        grid["expiry_date"] = pd.Series([None] * len(rows), dtype="object")
    return grid


def serials_help() -> str:
    return _(
        "Items tracked by serial number: one per unit, separated by commas; "
        "an empty quantity takes one unit per serial number."
    )


def order_line_columns(
    done_label: str, done_title: str, now_title: str, *, expiry: bool = False
) -> dict[str, Any]:
    """Column set-up of :func:`order_line_grid` (the order line id stays hidden):
    ``done_title`` heads the ``done_label`` column, ``now_title`` the quantity to type."""
    columns = {
        "line_id": None,
        "line": st.column_config.NumberColumn(_("Line"), width="small"),
        "item": _("Item"),
        "name": _("Description"),
        "tracking": _("Tracked by"),
        "ordered": _("Ordered"),
        done_label: done_title,
        "open": _("Open"),
        "quantity": typed_quantity_column(now_title),
        "lot": st.column_config.TextColumn(_("Lot"), help=_("Items tracked by lot.")),
        "serials": st.column_config.TextColumn(_("Serial numbers"), help=serials_help()),
    }
    if expiry:
        columns["expiry_date"] = st.column_config.TextColumn(_("Expiry date"), help=expiry_help())
    return columns


INFO_COLUMNS = ["line", "item", "name", "tracking", "ordered", "open"]


def order_line_form(
    name: str,
    generation: int,
    order_id: int,
    grid: pd.DataFrame,
    errors: FieldErrors,
    *,
    date_label: str,
    date_field: str,
    done_label: str,
    done_title: str,
    now_title: str,
    action: str,
) -> tuple[date, pd.DataFrame, bool]:
    """The form that delivers or receives an order's open lines (:func:`order_line_grid`):
    the date, the grid to type quantities (lots, serials) in, and the ``action`` button
    (the labels come translated). Returns the date, the typed grid and whether the button
    was pressed."""
    with st.form(f"{name}_form_{generation}"):
        on = st.date_input(
            date_label,
            value=clock.today(),
            format=date_input_format(),
            key=f"{name}_date_{generation}",
        )
        errors.slot(date_field)
        typed = st.data_editor(
            grid,
            key=f"{name}_lines_{generation}_{order_id}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[*INFO_COLUMNS, done_label],
            column_config=order_line_columns(
                done_label, done_title, now_title, expiry="expiry_date" in grid.columns
            ),
        )
        errors.slot("lines")
        pressed = st.form_submit_button(action, type="primary")
        errors.slot(GENERAL)
    return on, typed, pressed
