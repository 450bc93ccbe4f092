"""Manufacturing form: labour and machine hours per operation of a released production
order, and the units an outsourced operation's supplier did (docs/manufacturing.md
section 3), through ``production_postings.book_hours`` / ``book_outsourced``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.production_order_forms import pick_released_order
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import qty
from dashboards.grid_columns import typed_quantity_column
from dashboards.language import _, date_input_format
from dashboards.writeback import manufacturing_posting as writeback
from transactional import clock
from transactional.reads import manufacturing_lookups as lookups

FORM = ClerkForm("production_hours")


def grid(order_id: int) -> pd.DataFrame:
    rows = lookups.operations(order_id)
    empty = pd.Series([None] * len(rows), dtype="object")
    return pd.DataFrame(
        {
            "sequence": [o.sequence for o in rows],
            "description": [o.description for o in rows],
            "work_centre": [o.work_centre or _("outsourced") for o in rows],
            "planned": [qty(o.planned_hours) for o in rows],
            "booked_labour": [qty(o.labour_hours) for o in rows],
            "booked_machine": [qty(o.machine_hours) for o in rows],
            "labour_hours": empty,
            "machine_hours": empty.copy(),
            "quantity_outsourced": empty.copy(),
        }
    )


def main() -> None:
    st.title(_("Production hours"))
    st.caption(
        _(
            "Hours worked on the operations of a released production order, at the work "
            "centre's rates: they go into work in progress. For an outsourced operation type "
            "the units the supplier did, at its price."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("production_hours_division", "manufacture", errors)
    if division is None:
        return
    order_id = pick_released_order(division.id, FORM, "production_hours", errors)
    if order_id is None:
        return
    generation = FORM.generation
    lines = grid(order_id)
    if lines.empty:
        st.info(_("This order has no operations."))
        return
    with st.form(f"production_hours_form_{generation}"):
        on = st.date_input(
            _("Date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"production_hours_date_{generation}",
        )
        errors.slot("on")
        typed = st.data_editor(
            lines,
            key=f"production_hours_lines_{generation}_{order_id}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=[
                "sequence",
                "description",
                "work_centre",
                "planned",
                "booked_labour",
                "booked_machine",
            ],
            column_config={
                "sequence": st.column_config.NumberColumn(_("Operation"), width="small"),
                "description": _("Description"),
                "work_centre": _("Work centre"),
                "planned": _("Planned hours"),
                "booked_labour": _("Labour hours booked"),
                "booked_machine": _("Machine hours booked"),
                "labour_hours": typed_quantity_column(_("Labour hours now")),
                "machine_hours": typed_quantity_column(_("Machine hours now")),
                "quantity_outsourced": typed_quantity_column(_("Units done by supplier")),
            },
        )
        errors.slot("lines")
        pressed = st.form_submit_button(_("Book"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        FORM.submit(
            lambda uid: writeback.book_hours(
                user_id=uid,
                order_id=order_id,
                on=on,  # type: ignore[arg-type]
                lines=typed,
            ),
            errors,
        )


main()
