"""Pieces the wholesale clerk forms share: the grid of an order's lines (and the form
that delivers or receives them), and quantities as clerks read them. The division picker
every form shares is :func:`dashboards.forms.form_feedback.pick_division`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors
from transactional import clock
from transactional.reads.wholesale_lookups import OrderLineView

TRACKING = {"none": "", "lot": "lot", "serial": "serial numbers"}


def qty(value: Decimal | None) -> str:
    """A quantity or amount without trailing zeros (12, 2.5), '' for None."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0E-8") else text


def money(value: Decimal | None) -> str:
    """A price or amount with at least two decimals and no trailing zeros beyond them
    (22.50, 10.1234), '' for None."""
    if value is None:
        return ""
    short = value.normalize()
    if short.as_tuple().exponent > -2:  # type: ignore[operator]
        short = short.quantize(Decimal("0.01"))
    return f"{short:f}"


def order_line_grid(lines: list[OrderLineView], done_label: str) -> pd.DataFrame:
    """The open lines of an order, with empty quantity / lot / serials cells to type in."""
    rows = [ln for ln in lines if ln.open > 0]
    return pd.DataFrame(
        {
            "line_id": [ln.id for ln in rows],
            "line": [ln.line_number for ln in rows],
            "item": [ln.item_code for ln in rows],
            "name": [ln.item_name for ln in rows],
            "tracking": [TRACKING.get(ln.tracking, ln.tracking) for ln in rows],
            "ordered": [qty(ln.ordered) for ln in rows],
            done_label: [qty(ln.done) for ln in rows],
            "open": [qty(ln.open) for ln in rows],
            "quantity": pd.Series([None] * len(rows), dtype="object"),
            "lot": pd.Series([None] * len(rows), dtype="object"),
            "serials": pd.Series([None] * len(rows), dtype="object"),
        }
    )


def order_line_columns(done_label: str, action: str) -> dict[str, Any]:
    """Column set-up of :func:`order_line_grid` (the order line id stays hidden)."""
    return {
        "line_id": None,
        "line": st.column_config.NumberColumn("Line", width="small"),
        "item": "Item",
        "name": "Description",
        "tracking": "Tracked by",
        "ordered": "Ordered",
        done_label: done_label.capitalize(),
        "open": "Open",
        "quantity": st.column_config.TextColumn(f"{action} now"),
        "lot": st.column_config.TextColumn("Lot", help="Items tracked by lot."),
        "serials": st.column_config.TextColumn(
            "Serial numbers",
            help="Items tracked by serial number: one per unit, separated by commas; "
            "an empty quantity takes one unit per serial number.",
        ),
    }


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
    action: str,
) -> tuple[date, pd.DataFrame, bool]:
    """The form that delivers or receives an order's open lines (:func:`order_line_grid`):
    the date, the grid to type quantities (lots, serials) in, and the ``action`` button.
    Returns the date, the typed grid and whether the button was pressed."""
    with st.form(f"{name}_form_{generation}"):
        on = st.date_input(
            date_label, value=clock.today(), format="YYYY-MM-DD", key=f"{name}_date_{generation}"
        )
        errors.slot(date_field)
        typed = st.data_editor(
            grid,
            key=f"{name}_lines_{generation}_{order_id}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[*INFO_COLUMNS, done_label],
            column_config=order_line_columns(done_label, action),
        )
        errors.slot("lines")
        pressed = st.form_submit_button(action, type="primary")
        errors.slot(GENERAL)
    return on, typed, pressed
