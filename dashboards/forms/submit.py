"""The one submit loop of every clerk form.

Each form posts the same way: on its button, call one write-back function as the acting
user; a :class:`~transactional.errors.DomainError` is shown under the field it names
(:class:`~dashboards.forms.form_feedback.FieldErrors`) and nothing else happens; on
success the form remembers what was posted (shown once, with the refresh button, by
:meth:`ClerkForm.notice` on the next run), bumps its generation so every input comes
back empty, and reruns. A new form uses :class:`ClerkForm` instead of writing the loop
again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from dashboards import signed_in
from dashboards.forms.form_feedback import FieldErrors, posted_notice
from dashboards.writeback.clerk_posting import Posted
from transactional.errors import DomainError

T = TypeVar("T")

# The write-back call, given the acting user's id (None: none picked; the write-back says so).
Action = Callable[[int | None], T]


def attempt(action: Action[T], errors: FieldErrors) -> T | None:
    """Run ``action`` as the acting user; a refusal goes under its field and gives None."""
    try:
        return action(signed_in.user_id())
    except DomainError as err:
        errors.show(err)
        return None


class ClerkForm:
    """The session state of one clerk form: the last document it posted
    (``<name>_posted``) and the generation that keys its inputs (``<name>_generation``)."""

    def __init__(self, name: str) -> None:
        self.posted_key = f"{name}_posted"
        self.generation_key = f"{name}_generation"

    @property
    def generation(self) -> int:
        """Part of every input's key: a new generation is a fresh, empty form."""
        value: int = st.session_state.setdefault(self.generation_key, 0)
        return value

    @property
    def last_posted(self) -> Posted | None:
        return st.session_state.get(self.posted_key)

    def notice(self) -> None:
        """The document posted last, and the button that refreshes the warehouse."""
        posted_notice(self.posted_key)

    def submit(
        self,
        action: Action[T],
        errors: FieldErrors,
        *,
        posted: Callable[[T], Posted] | None = None,
        keep: Callable[[T], Mapping[str, Any]] | None = None,
    ) -> None:
        """Post through ``action``; on success remember ``posted(result)`` (default: the
        result itself) and the session values ``keep(result)`` (what the form shows
        besides the number, e.g. a credit note), then start a fresh form."""
        result = attempt(action, errors)
        if result is None:
            return
        st.session_state[self.posted_key] = posted(result) if posted else result
        for key, value in (keep(result) if keep else {}).items():
            st.session_state[key] = value
        st.session_state[self.generation_key] = self.generation + 1
        st.rerun()
