"""Manufacturing form: issue components to a released production order, or return them
(docs/manufacturing.md section 3), through ``production_postings.issue_materials`` /
``return_materials``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.production_order_forms import pick_released_order
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import qty, tracked_by
from dashboards.grid_columns import typed_quantity_column
from dashboards.language import N_, _, date_input_format
from dashboards.writeback import manufacturing_posting as writeback
from transactional import clock
from transactional.reads import manufacturing_lookups as lookups

FORM = ClerkForm("material_issue")
DIRECTIONS = {"issue": N_("Issue"), "return": N_("Return")}


def grid(order_id: int) -> pd.DataFrame:
    rows = lookups.materials(order_id)
    return pd.DataFrame(
        {
            "material_id": [m.id for m in rows],
            "line": [m.line_number for m in rows],
            "item": [m.item_code for m in rows],
            "name": [m.item_name for m in rows],
            "tracking": [tracked_by(m.tracking) for m in rows],
            "planned": [qty(m.quantity) for m in rows],
            "issued": [qty(m.issued) for m in rows],
            "quantity": pd.Series([None] * len(rows), dtype="object"),
            "lot": pd.Series([None] * len(rows), dtype="object"),
        }
    )


def main() -> None:
    st.title(_("Material issue"))
    st.caption(
        _(
            "Issue components to a released production order: they leave stock at their cost "
            "and go into work in progress. Issuing more than planned is allowed (it shows as "
            "material loss); a return brings components back at the value issued."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("material_issue_division", "manufacture", errors)
    if division is None:
        return
    order_id = pick_released_order(division.id, FORM, "material_issue", errors)
    if order_id is None:
        return
    generation = FORM.generation
    lines = grid(order_id)
    if lines.empty:
        st.info(_("This order has no materials."))
        return
    with st.form(f"material_issue_form_{generation}"):
        direction = st.radio(
            _("Movement"),
            list(DIRECTIONS),
            format_func=lambda d: _(DIRECTIONS[d]),
            horizontal=True,
            key=f"material_issue_direction_{generation}",
        )
        on = st.date_input(
            _("Date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"material_issue_date_{generation}",
        )
        errors.slot("on")
        typed = st.data_editor(
            lines,
            key=f"material_issue_lines_{generation}_{order_id}",
            num_rows="fixed",
            hide_index=True,
            placeholder="",
            disabled=["line", "item", "name", "tracking", "planned", "issued"],
            column_config={
                "material_id": None,
                "line": st.column_config.NumberColumn(_("Line"), width="small"),
                "item": _("Component"),
                "name": _("Description"),
                "tracking": _("Tracked by"),
                "planned": _("Planned"),
                "issued": _("Issued"),
                "quantity": typed_quantity_column(_("Quantity now")),
                "lot": st.column_config.TextColumn(_("Lot"), help=_("Items tracked by lot.")),
            },
        )
        errors.slot("lines")
        pressed = st.form_submit_button(_("Post"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        FORM.submit(
            lambda uid: writeback.issue(
                user_id=uid,
                order_id=order_id,
                on=on,  # type: ignore[arg-type]
                lines=typed,
                returning=direction == "return",
            ),
            errors,
        )


main()
