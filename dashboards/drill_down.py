"""Drill-downs of the Insights pages: a figure's table, then one of its rows as the subject.

The subject is held in a select box below the table: a row picked in the table (the
table's ``on_select``) sets it, or the user picks it in the box. The box is the one place
the subject lives, so it survives reruns, shows what is drilled into and can be changed
without scrolling the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st


def on_row_picked(table_key: str, subject_key: str, row_keys: Sequence[Any]) -> Callable[[], None]:
    """A report table's ``on_select``: the row picked becomes the subject in ``subject_key``.

    ``row_keys`` holds each table row's subject, in the table's order (one subject may stand
    in several rows).
    """

    def picked() -> None:
        chosen = st.session_state[table_key].selection.rows
        if chosen:
            st.session_state[subject_key] = row_keys[chosen[0]]

    return picked


def pick_subject(
    label: str, subjects: Mapping[Any, str], *, key: str, placeholder: str
) -> Any | None:
    """The subject picked (a key of ``subjects``, which names each), or None."""
    # A subject the figures no longer hold (another month, another division) is
    # forgotten: the box starts empty rather than keep a value it has no option for.
    if st.session_state.get(key) not in subjects:
        st.session_state.pop(key, None)
    return st.selectbox(
        label,
        list(subjects),
        index=None,
        key=key,
        format_func=subjects.__getitem__,
        placeholder=placeholder,
    )
