"""Clerk form: a stock count of one warehouse; the differences are posted at the
item's cost (average or standard).

The grid starts with what the system has on hand in the warehouse (per lot or serial
number for tracked items); the clerk types what was counted and may add rows for items
found that the system does not have there. It is not inside an ``st.form``: every edit
reruns the page, so the differences show before anything is posted.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import (
    expiry_help,
    money,
    qty,
    tracked_by,
    typed_day,
    typed_number,
)
from dashboards.grid_columns import options, typed_quantity_column
from dashboards.language import _, date_input_format
from dashboards.writeback.wholesale_posting import CountDifference, count_rows, post_count
from transactional import clock
from transactional.reads import wholesale_lookups
from transactional.reads.wholesale_lookups import StockRow

FORM = ClerkForm("stock_count")
DIFFERENCES = "stock_count_differences"


def count_grid(stock: list[StockRow]) -> pd.DataFrame:
    """The stock on hand, with an empty counted cell per row; a lot's expiry date as the
    clerk types one (a row added for a lot found may give its date)."""
    return pd.DataFrame(
        {
            "item": pd.Series([r.item_code for r in stock], dtype="object"),
            "name": pd.Series([r.item_name for r in stock], dtype="object"),
            "tracking": pd.Series([tracked_by(r.tracking) for r in stock], dtype="object"),
            "lot": pd.Series([r.lot or None for r in stock], dtype="object"),
            "expiry_date": pd.Series(
                [typed_day(r.expiry_date) if r.expiry_date else None for r in stock],
                dtype="object",
            ),
            "system": pd.Series([qty(r.quantity) for r in stock], dtype="object"),
            "counted": pd.Series([None] * len(stock), dtype="object"),
        }
    )


def differences_table(differences: list[CountDifference], currency: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("Item"): [d.item_code for d in differences],
            _("Lot / serial"): [d.lot for d in differences],
            _("System"): [qty(d.system) for d in differences],
            _("Counted"): [qty(d.counted) for d in differences],
            _("Difference"): [qty(d.difference) for d in differences],
            _("Value ({currency})", currency=currency): [money(d.value) for d in differences],
        }
    )


def _posted_differences(currency: str) -> None:
    differences: list[CountDifference] | None = st.session_state.get(DIFFERENCES)
    if FORM.last_posted is None or differences is None:
        return
    if not differences:
        st.info(_("Every counted quantity matched the system: no differences were posted."))
        return
    st.subheader(_("Differences posted"))
    st.dataframe(differences_table(differences, currency), hide_index=True)
    total = sum((d.value for d in differences), Decimal(0))
    st.caption(
        _(
            "Net {amount} {currency} to stock differences (gains in, losses out at the "
            "item's cost).",
            amount=money(total),
            currency=currency,
        )
    )


def main() -> None:
    st.title(_("Stock count"))
    st.caption(
        _(
            "Count a warehouse: the grid lists what the system has on hand (per lot or serial "
            "number for tracked items); type the counted quantity of what you counted (0 for "
            "what is gone) and add rows for items found that are not listed. Rows left empty "
            "are not counted. *Post count* posts the differences at the item's cost."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("stock_count_division", "manage_stock", errors)
    if division is None:
        return
    _posted_differences(division.currency_code)
    generation = FORM.generation
    codes, labels = options(wholesale_lookups.warehouses(division.id))
    left, right = st.columns(2)
    with left:
        warehouse = st.selectbox(
            _("Warehouse"),
            codes,
            index=None,
            format_func=labels.__getitem__,
            key=f"stock_count_warehouse_{generation}_{division.id}",
            placeholder=_("Pick the warehouse counted"),
        )
        errors.slot("warehouse")
    with right:
        count_date = st.date_input(
            _("Count date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"stock_count_date_{generation}",
        )
        errors.slot("count_date")
    if warehouse is None:
        st.info(_("Pick the warehouse: what the system has on hand there is listed to count."))
        return
    description = st.text_input(_("Description"), key=f"stock_count_description_{generation}")
    stock = wholesale_lookups.stock_on_hand(division.id, warehouse)
    if not stock:
        st.caption(
            _(
                "The system has nothing on hand in {warehouse}; add the items you counted.",
                warehouse=warehouse,
            )
        )
    lines = st.data_editor(
        count_grid(stock),
        key=f"stock_count_lines_{generation}_{division.id}_{warehouse}",
        num_rows="dynamic",
        hide_index=True,
        placeholder="",
        disabled=["name", "tracking", "system"],
        column_config={
            "item": st.column_config.TextColumn(_("Item code"), width="medium"),
            "name": _("Description"),
            "tracking": _("Tracked by"),
            "lot": st.column_config.TextColumn(
                _("Lot / serial"), help=_("Tracked items are counted per lot or serial number.")
            ),
            "expiry_date": st.column_config.TextColumn(_("Expiry date"), help=expiry_help()),
            "system": _("System quantity"),
            "counted": typed_quantity_column(_("Counted quantity")),
        },
    )
    errors.slot("lines")

    rows = count_rows(lines)
    if rows:
        preview = wholesale_lookups.stock_preview(
            division_id=division.id,
            warehouse=warehouse,
            rows=[(n, c["item"], c["lot"]) for n, c in rows],
        )
        counted = {n: c["counted"] for n, c in rows}
        table = []
        for p in preview:
            if p.error:
                st.warning(p.error, icon=":material/help:")
                continue
            system = p.lot_on_hand if p.tracking != "none" else p.on_hand
            number = typed_number(counted[p.row])
            table.append(
                {
                    _("Row"): p.row,
                    _("Item"): p.item_code,
                    _("Lot / serial"): p.lot,
                    _("System"): qty(system),
                    _("Counted"): counted[p.row],
                    _("Difference"): qty(number - system)
                    if number is not None and system is not None
                    else "",
                }
            )
        if table:
            st.caption(_("What the count changes (the system's quantity as of now):"))
            st.dataframe(pd.DataFrame(table), hide_index=True)
    post = st.button(_("Post count"), type="primary", key=f"stock_count_post_{generation}")
    errors.slot(GENERAL)

    if post:
        FORM.submit(
            lambda user_id: post_count(
                user_id=user_id,
                division=division.code,
                warehouse=warehouse,
                count_date=count_date,  # type: ignore[arg-type]
                description=description,
                lines=lines,
            ),
            errors,
            posted=lambda done: done.posted,
            keep=lambda done: {DIFFERENCES: done.differences},
        )


main()
