"""Manufacturing form: run MRP for a division and turn its advice into orders
(docs/manufacturing.md section 5), through ``mrp.run_mrp`` and ``mrp.convert_advice``."""

from __future__ import annotations

import streamlit as st

from dashboards.amounts import format_day
from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm
from dashboards.forms.wholesale_forms import qty
from dashboards.language import N_, _, date_input_format
from dashboards.writeback import manufacturing_posting as writeback
from dashboards.writeback.clerk_posting import Posted
from transactional import clock
from transactional.reads import manufacturing_lookups as lookups

FORM = ClerkForm("mrp_run")
CONVERT = ClerkForm("mrp_convert")
BUCKETS = {"week": N_("weeks"), "day": N_("days"), "month": N_("months")}
ACTIONS = {"buy": N_("buy"), "make": N_("make")}


def run(division_code: str) -> None:
    errors = FieldErrors()
    generation = FORM.generation
    with st.form(f"mrp_run_form_{generation}"):
        start = st.date_input(
            _("Plan from"),
            value=clock.today(),
            format=date_input_format(),
            key=f"mrp_run_start_{generation}",
        )
        errors.slot("start")
        left, right = st.columns(2)
        bucket = left.selectbox(
            _("In buckets of"),
            list(BUCKETS),
            format_func=lambda b: _(BUCKETS[b]),
            key=f"mrp_run_bucket_{generation}",
        )
        errors.slot("bucket")
        buckets = right.number_input(
            _("Number of buckets"),
            min_value=1,
            max_value=366,
            value=26,
            step=1,
            key=f"mrp_run_buckets_{generation}",
        )
        errors.slot("buckets")
        pressed = st.form_submit_button(_("Run MRP"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        FORM.submit(
            lambda uid: writeback.run_mrp(
                user_id=uid,
                division=division_code,
                start=start,  # type: ignore[arg-type]
                bucket=str(bucket),
                buckets=int(buckets),
            ),
            errors,
        )


def convert(division_id: int) -> None:
    st.subheader(_("Advice to orders"))
    CONVERT.notice()
    advice = {a.id: a for a in lookups.open_advice(division_id)}
    if not advice:
        st.info(_("The latest MRP run has no open advice."))
        return
    errors = FieldErrors({"advice_ids": "advice"})
    generation = CONVERT.generation
    with st.form(f"mrp_convert_form_{generation}"):
        chosen = st.multiselect(
            _("Advice to convert"),
            list(advice),
            format_func=lambda a: _(
                "{action} {quantity} {item}: order by {order_date}, due {due_date}",
                action=_(ACTIONS[advice[a].action]),
                quantity=qty(advice[a].quantity),
                item=advice[a].item_code,
                order_date=format_day(advice[a].order_date),
                due_date=format_day(advice[a].due_date),
            ),
            key=f"mrp_convert_advice_{generation}",
        )
        errors.slot("advice")
        st.caption(
            _(
                "Buy advice becomes purchase orders (one per supplier), make advice planned "
                "production orders."
            )
        )
        pressed = st.form_submit_button(_("Convert to orders"), type="primary")
        errors.slot(GENERAL)
    if pressed:
        CONVERT.submit(
            lambda uid: writeback.convert(user_id=uid, advice_ids=[int(a) for a in chosen]),
            errors,
            posted=lambda numbers: Posted(
                ", ".join(numbers), N_("orders from MRP advice"), writeback.CREATED_NOTICE
            ),
        )


def main() -> None:
    st.title(_("MRP run"))
    st.caption(
        _(
            "MRP nets the demand of sales orders, the sales plan and open production orders "
            "against stock and open purchase and production orders, through every level of "
            "the bills of materials, and advises what to buy or make, how much and when."
        )
    )
    FORM.notice()
    errors = FieldErrors()
    division = pick_division("mrp_run_division", "manufacture", errors)
    if division is None:
        return
    run(division.code)
    st.divider()
    convert(division.id)


main()
