"""Clerk form: move stock from one warehouse of a division to another.

The lines grid is not inside an ``st.form``: every edit reruns the page, so each line
shows what the from-warehouse has on hand before anything is posted.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import qty, serials_help, tracked_by, typed_number
from dashboards.grid_columns import blank_grid, options, typed_quantity_column
from dashboards.language import _, date_input_format
from dashboards.writeback.clerk_posting import filled_rows
from dashboards.writeback.wholesale_posting import (
    TRANSFER_LINE_COLUMNS,
    serial_list,
    transfer_between,
)
from transactional import clock
from transactional.reads import wholesale_lookups
from transactional.reads.wholesale_lookups import StockPreview

FORM = ClerkForm("stock_transfer")
BLANK_ROWS = 5


def on_hand_table(preview: list[StockPreview], quantities: dict[int, str]) -> pd.DataFrame:
    ok = [p for p in preview if not p.error]
    return pd.DataFrame(
        {
            _("Row"): [p.row for p in ok],
            _("Item"): [p.item_code for p in ok],
            _("Description"): [p.item_name for p in ok],
            _("Tracked by"): [tracked_by(p.tracking) for p in ok],
            _("Quantity"): [quantities.get(p.row, "") for p in ok],
            _("On hand"): [qty(p.on_hand) for p in ok],
            _("Lot on hand"): [qty(p.lot_on_hand) for p in ok],
        }
    )


def _quantity(cells: dict[str, str]) -> str:
    """The quantity a row moves as typed (serials alone: one unit each)."""
    return cells["quantity"] or (
        str(len(serial_list(cells["serials"]))) if cells["serials"] else ""
    )


def _exceeds(typed: str, on_hand: Decimal) -> bool:
    """Whether a typed quantity is a number above what is on hand (text: the service's
    message says what is wrong with it)."""
    number = typed_number(typed)
    return number is not None and number > on_hand


def main() -> None:
    st.title(_("Stock transfer"))
    st.caption(
        _(
            "Move goods from one warehouse to another: type the item code and quantity per "
            "line (the lot, or the serial numbers separated by commas, of tracked items). The "
            "goods move at the item's cost (average or standard); each line shows what the "
            "from-warehouse has on hand."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("stock_transfer_division", "manage_stock", errors)
    if division is None:
        return
    generation = FORM.generation
    codes, labels = options(wholesale_lookups.warehouses(division.id))
    left, middle, right = st.columns(3)
    with left:
        source = st.selectbox(
            _("From warehouse"),
            codes,
            index=None,
            format_func=labels.__getitem__,
            key=f"stock_transfer_from_{generation}_{division.id}",
            placeholder=_("Pick a warehouse"),
        )
        errors.slot("from_warehouse")
    with middle:
        target = st.selectbox(
            _("To warehouse"),
            codes,
            index=None,
            format_func=labels.__getitem__,
            key=f"stock_transfer_to_{generation}_{division.id}",
            placeholder=_("Pick a warehouse"),
        )
        errors.slot("to_warehouse")
    with right:
        transfer_date = st.date_input(
            _("Transfer date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"stock_transfer_date_{generation}",
        )
        errors.slot("transfer_date")
    description = st.text_input(_("Description"), key=f"stock_transfer_description_{generation}")
    lines = st.data_editor(
        blank_grid(TRANSFER_LINE_COLUMNS, BLANK_ROWS),
        key=f"stock_transfer_lines_{generation}",
        num_rows="dynamic",
        hide_index=True,
        placeholder="",
        column_config={
            "item": st.column_config.TextColumn(_("Item code"), width="medium"),
            "quantity": typed_quantity_column(_("Quantity")),
            "lot": st.column_config.TextColumn(_("Lot"), help=_("Items tracked by lot.")),
            "serials": st.column_config.TextColumn(_("Serial numbers"), help=serials_help()),
        },
    )
    errors.slot("lines")

    rows = filled_rows(lines, TRANSFER_LINE_COLUMNS)
    if rows:
        preview = wholesale_lookups.stock_preview(
            division_id=division.id,
            warehouse=source,
            rows=[(n, c["item"], c["lot"]) for n, c in rows],
        )
        quantities = {n: _quantity(c) for n, c in rows}
        if source is None:
            st.caption(_("Pick the from-warehouse to see what it has on hand."))
        else:
            st.dataframe(on_hand_table(preview, quantities), hide_index=True)
        for p in preview:
            if p.error:
                st.warning(p.error, icon=":material/help:")
            elif p.on_hand is not None and _exceeds(quantities[p.row], p.on_hand):
                st.warning(
                    _(
                        "Row {row}: warehouse {warehouse} has {on_hand} of {item} on hand, "
                        "less than the {quantity} to transfer.",
                        row=p.row,
                        warehouse=source,
                        on_hand=qty(p.on_hand),
                        item=p.item_code,
                        quantity=quantities[p.row],
                    ),
                    icon=":material/inventory:",
                )
    transfer = st.button(_("Transfer"), type="primary", key=f"stock_transfer_post_{generation}")
    errors.slot(GENERAL)

    if transfer:
        FORM.submit(
            lambda user_id: transfer_between(
                user_id=user_id,
                division=division.code,
                from_warehouse=source or "",
                to_warehouse=target or "",
                transfer_date=transfer_date,  # type: ignore[arg-type]
                description=description,
                lines=lines,
            ),
            errors,
        )


main()
