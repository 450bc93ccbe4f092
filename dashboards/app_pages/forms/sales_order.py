"""Clerk form: a quote or sales order, priced from the price lists, with the stock shown.

The lines grid is not inside an ``st.form``: every edit reruns the page, so each line
shows the price ``price_for`` gives it (and which rule), the stock available in the
warehouse and, when short, whom to buy it from — before anything is saved.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards import amounts
from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import money, qty
from dashboards.grid_columns import (
    blank_grid,
    options,
    typed_quantity_column,
)
from dashboards.language import _, date_input_format
from dashboards.writeback.clerk_posting import filled_rows
from dashboards.writeback.wholesale_posting import SALES_LINE_COLUMNS, save_sales_order
from transactional import clock
from transactional.reads import master_data, wholesale_lookups
from transactional.reads.wholesale_lookups import LinePreview

FORM = ClerkForm("sales_order")
SHORTAGES = "sales_order_shortages"
BLANK_ROWS = 5


def preview_table(preview: list[LinePreview], currency: str) -> pd.DataFrame:
    ok = [p for p in preview if not p.error]
    return pd.DataFrame(
        {
            _("Row"): [p.row for p in ok],
            _("Item"): [p.item_code for p in ok],
            _("Description"): [p.item_name for p in ok],
            _("Quantity"): [p.quantity or "1" for p in ok],
            _("Price ({currency})", currency=currency): [money(p.unit_price) for p in ok],
            _("Price from"): [p.price_source for p in ok],
            _("On hand"): [qty(p.on_hand) for p in ok],
            _("Reserved"): [qty(p.reserved) for p in ok],
            _("Available"): [qty(p.available) for p in ok],
            _("Short"): [qty(p.short) if p.short else "" for p in ok],
        }
    )


def main() -> None:
    st.title(_("Sales order"))
    st.caption(
        _(
            "A quote or an order for a customer. Prices come from the price lists unless you "
            "type one; an order the warehouse cannot cover is still accepted (the rest is a "
            "back order) and tells you what to buy."
        )
    )
    FORM.notice()
    for note in st.session_state.get(SHORTAGES) or []:
        st.warning(note, icon=":material/inventory:")
    errors = FieldErrors()
    division = pick_division("sales_order_division", "sell", errors)
    if division is None:
        return
    generation = FORM.generation
    customers = master_data.relations(division.id, ("customer",))
    customer_codes, customer_labels = options(customers)
    customer = st.selectbox(
        _("Customer"),
        customer_codes,
        index=None,
        format_func=customer_labels.__getitem__,
        # Keyed by division: another division has other customers and warehouses.
        key=f"sales_order_customer_{generation}_{division.id}",
        placeholder=_("Pick a customer"),
    )
    errors.slot("customer")
    left, right = st.columns(2)
    with left:
        warehouse_codes, warehouse_labels = options(wholesale_lookups.warehouses(division.id))
        warehouse = st.selectbox(
            _("Warehouse"),
            warehouse_codes,
            format_func=warehouse_labels.__getitem__,
            key=f"sales_order_warehouse_{generation}_{division.id}",
        )
        errors.slot("warehouse")
    with right:
        people, people_labels = options(wholesale_lookups.salespeople(division.id))
        default = wholesale_lookups.customer_salesperson(division.id, customer)
        salesperson = st.selectbox(
            _("Salesperson"),
            people,
            index=people.index(default) if default in people else None,
            format_func=people_labels.__getitem__,
            # Keyed by customer: picking another customer brings back their salesperson.
            key=f"sales_order_salesperson_{generation}_{division.id}_{customer}",
            placeholder=_("The customer's salesperson"),
        )
        errors.slot("salesperson")
    left, middle, right = st.columns(3)
    with left:
        order_date = st.date_input(
            _("Order date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"sales_order_date_{generation}",
        )
        errors.slot("order_date")
    with middle:
        requested_date = st.date_input(
            _("Requested delivery date"),
            value=None,
            format=date_input_format(),
            key=f"sales_order_requested_{generation}",
        )
        errors.slot("requested_date")
    with right:
        reference = st.text_input(
            _("Customer's reference"), key=f"sales_order_reference_{generation}"
        )
    lines = st.data_editor(
        blank_grid(SALES_LINE_COLUMNS, BLANK_ROWS, {"quantity": "1"}),
        key=f"sales_order_lines_{generation}",
        num_rows="dynamic",
        hide_index=True,
        placeholder="",
        column_config={
            "item": st.column_config.TextColumn(_("Item code"), width="medium"),
            "quantity": typed_quantity_column(_("Quantity"), default="1"),
            "unit_price": st.column_config.TextColumn(
                _("Price (optional)"),
                help=_(
                    "Empty: the price list's price. A typed price is in the order's currency "
                    "(the customer's), as you write amounts: {example}",
                    example=amounts.format_number(1234.5),
                ),
            ),
        },
    )
    errors.slot("lines")

    rows = filled_rows(lines, SALES_LINE_COLUMNS)
    if rows:
        preview = wholesale_lookups.preview_lines(
            division_id=division.id,
            customer=customer,
            warehouse=warehouse,
            on=order_date if isinstance(order_date, dt.date) else None,
            rows=[(n, c["item"], c["quantity"], c["unit_price"]) for n, c in rows],
        )
        st.dataframe(preview_table(preview, division.currency_code), hide_index=True)
        for p in preview:
            if p.error:
                st.warning(p.error, icon=":material/help:")
            elif p.short > 0:
                facts = {
                    "row": p.row,
                    "item": p.item_code,
                    "short": qty(p.short),
                    "warehouse": warehouse,
                    "available": qty(p.available),
                }
                st.warning(
                    _(
                        "Row {row}: {item} is short by {short} in warehouse {warehouse} "
                        "({available} available); suggest ordering {short} from supplier "
                        "{supplier}",
                        supplier=p.supplier,
                        **facts,
                    )
                    if p.supplier
                    else _(
                        "Row {row}: {item} is short by {short} in warehouse {warehouse} "
                        "({available} available); suggest ordering {short} (no known supplier)",
                        **facts,
                    ),
                    icon=":material/inventory:",
                )
        st.caption(
            _(
                "Prices in {currency}; an order in the customer's other currency converts "
                "them at the order date's rate.",
                currency=division.currency_code,
            )
        )
    left, right = st.columns(2)
    with left:
        quote = st.button(_("Save as quote"), key=f"sales_order_quote_{generation}")
    with right:
        order = st.button(_("Create order"), type="primary", key=f"sales_order_create_{generation}")
    errors.slot(GENERAL)

    if quote or order:
        FORM.submit(
            lambda user_id: save_sales_order(
                user_id=user_id,
                quote=quote,
                division=division.code,
                customer=customer or "",
                warehouse=warehouse or "",
                salesperson=salesperson,
                order_date=order_date,  # type: ignore[arg-type]
                requested_date=requested_date,  # type: ignore[arg-type]
                customer_reference=reference,
                lines=lines,
            ),
            errors,
            posted=lambda saved: saved.posted,
            keep=lambda saved: {SHORTAGES: saved.shortages},
        )


main()
