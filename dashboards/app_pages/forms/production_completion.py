"""Manufacturing form: complete a released production order (the product into stock at
the order's standard cost, partly or wholly, optionally closing it at once) and close an
order (what is left on its work in progress becomes the variance), through
``production_postings.complete_production`` and ``close_production_order``."""

from __future__ import annotations

import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.pick_labels import production_order_label
from dashboards.forms.production_order_forms import order_step
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import expiry_help, qty
from dashboards.grid_columns import quantity_help
from dashboards.language import _, date_input_format
from dashboards.writeback import manufacturing_posting as writeback
from transactional import clock
from transactional.reads import manufacturing_lookups as lookups

FORM = ClerkForm("production_completion")
CLOSE = ClerkForm("production_close")


def completion(division_id: int) -> None:
    st.subheader(_("Completion"))
    released = {o.id: o for o in lookups.orders(division_id, ("released",))}
    if not released:
        st.info(_("No released production order: release one in *Production order* first."))
        return
    errors = FieldErrors({"lot_number": "lot"})
    generation = FORM.generation
    with st.form(f"production_completion_form_{generation}"):
        order_id = st.selectbox(
            _("Production order"),
            list(released),
            index=None,
            format_func=lambda o: _(
                "{order} (completed {done} of {quantity})",
                order=production_order_label(released[o]),
                done=qty(released[o].quantity_completed),
                quantity=qty(released[o].quantity),
            ),
            key=f"production_completion_order_{generation}",
            placeholder=_("Pick a released order"),
        )
        errors.slot("order")
        on = st.date_input(
            _("Date"),
            value=clock.today(),
            format=date_input_format(),
            key=f"production_completion_date_{generation}",
        )
        errors.slot("on")
        quantity = st.text_input(
            _("Quantity completed now"),
            key=f"production_completion_quantity_{generation}",
            help=quantity_help(),
        )
        errors.slot("quantity")
        lot = st.text_input(
            _("Lot"),
            key=f"production_completion_lot_{generation}",
            help=_("For a product tracked by lot."),
        )
        errors.slot("lot")
        expiry = st.text_input(
            _("Expiry date"),
            key=f"production_completion_expiry_{generation}",
            help=expiry_help(),
        )
        errors.slot("expiry_date")
        close = st.checkbox(
            _("Close the order too (its variance is posted)"),
            key=f"production_completion_close_{generation}",
        )
        over = st.checkbox(
            _("Allow more than ordered"), key=f"production_completion_over_{generation}"
        )
        pressed = st.form_submit_button(_("Complete"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        FORM.submit(
            lambda uid: writeback.complete(
                user_id=uid,
                order_id=order_id,
                on=on,  # type: ignore[arg-type]
                quantity=quantity,
                lot=lot,
                expiry_date=expiry,
                close=close,
                allow_over=over,
            ),
            errors,
        )


def closing(division_id: int) -> None:
    order_step(
        division_id,
        CLOSE,
        "production_close",
        statuses=("completed", "released"),
        subheader=_("Close"),
        caption=_(
            "Close a completed order, or a released one short: what is left on its work in "
            "progress is posted to the variance accounts by cost type."
        ),
        none_left=_("No completed or released production order to close."),
        order_label=_("Production order"),
        placeholder=_("Pick an order to close"),
        date_label=_("Date"),
        button=_("Close order"),
        action=writeback.close,
    )


def main() -> None:
    st.title(_("Production completion"))
    st.caption(
        _(
            "Completing puts the product into stock at the order's standard cost and takes "
            "that value out of work in progress (a backflush order issues its materials now)."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("production_completion_division", "manufacture", errors)
    if division is None:
        return
    completion(division.id)
    st.divider()
    closing(division.id)


main()
