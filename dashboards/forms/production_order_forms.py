"""The parts the manufacturing forms share (docs/manufacturing.md section 3): picking a
released production order, and a small form that moves one order on (release, close)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors
from dashboards.forms.pick_labels import production_order_label
from dashboards.forms.submit import ClerkForm
from dashboards.language import _, date_input_format
from transactional import clock
from transactional.reads import manufacturing_lookups as lookups


def order_choices(division_id: int, statuses: tuple[str, ...]) -> dict[int, str]:
    """The division's production orders in ``statuses``, labelled for a picker."""
    return {o.id: production_order_label(o) for o in lookups.orders(division_id, statuses)}


def pick_order(
    orders: dict[int, str],
    form: ClerkForm,
    name: str,
    errors: FieldErrors,
    *,
    label: str,
    placeholder: str,
) -> int | None:
    """One of ``orders`` or None; keyed ``<name>_order_<generation>`` so a posted form
    starts empty, with the slot for a refusal about the order under it."""
    order_id: int | None = st.selectbox(
        label,
        list(orders),
        index=None,
        format_func=orders.__getitem__,
        key=f"{name}_order_{form.generation}",
        placeholder=placeholder,
    )
    errors.slot("order")
    return order_id


def pick_released_order(
    division_id: int, form: ClerkForm, name: str, errors: FieldErrors
) -> int | None:
    """A released order of the division, or None (with a hint when there is none)."""
    released = order_choices(division_id, ("released",))
    if not released:
        st.info(_("No released production order: release one in *Production order* first."))
        return None
    return pick_order(
        released,
        form,
        name,
        errors,
        label=_("Production order"),
        placeholder=_("Pick a released order"),
    )


def order_step(
    division_id: int,
    form: ClerkForm,
    name: str,
    *,
    statuses: tuple[str, ...],
    subheader: str,
    caption: str,
    none_left: str,
    order_label: str,
    placeholder: str,
    date_label: str,
    button: str,
    action: Callable[..., Any],
) -> None:
    """One order of the given statuses and a date, posted through
    ``action(user_id=, order_id=, on=)``; the texts come translated from the page."""
    st.subheader(subheader)
    st.caption(caption)
    form.notice()
    orders = order_choices(division_id, statuses)
    if not orders:
        st.info(none_left)
        return
    errors = FieldErrors()
    with st.form(f"{name}_form_{form.generation}"):
        order_id = pick_order(
            orders, form, name, errors, label=order_label, placeholder=placeholder
        )
        on: date = st.date_input(  # type: ignore[assignment]
            date_label,
            value=clock.today(),
            format=date_input_format(),
            key=f"{name}_date_{form.generation}",
        )
        errors.slot("on")
        pressed = st.form_submit_button(button, type="primary")
        errors.slot(GENERAL)
    if pressed:
        form.submit(lambda uid: action(user_id=uid, order_id=order_id, on=on), errors)
