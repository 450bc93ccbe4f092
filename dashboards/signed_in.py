"""The signed-in user of this browser session: who, since when, and their scope.

``app.py`` calls :func:`current` first on every run; without a user only the sign-in
form runs (``dashboards.sign_in_form``), so no page, query or download is reached
without signing in. The user's role, scope and locale are read again on each run
(``transactional.reads.user_scopes``): an administrator's change takes effect on the
next click. A session idle for longer than ``ERP_SESSION_IDLE_HOURS`` (default 8) ends.
Only the user id and the time of the last click are kept; never a password or hash.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from dashboards.language import LOCALE_KEY, N_
from transactional import settings
from transactional.database import session_scope
from transactional.organisation import sign_in
from transactional.organisation.rights import MATRIX
from transactional.reads.user_scopes import UserScope, user_scope

SIGNED_IN = "signed_in_user_id"
LAST_SEEN = "signed_in_last_seen"
METHOD = "signed_in_method"
# A message id (and its parameters) the sign-in form shows: why the session ended.
NOTICE = "sign_in_notice"
SCOPE = "signed_in_scope"

EXPIRED = N_("Your session ended after {hours} hours without activity; please sign in again.")
DISABLED = N_("This user is disabled; ask an administrator.")
SIGNED_OUT = N_("You are signed out.")


def now() -> datetime:
    return datetime.now(UTC)


def start(user_id: int, locale: str, method: str = "password") -> None:
    """Remember the user who just signed in (their language from now on)."""
    st.session_state[SIGNED_IN] = user_id
    st.session_state[LAST_SEEN] = now()
    st.session_state[METHOD] = method
    st.session_state[LOCALE_KEY] = locale
    st.session_state.pop(NOTICE, None)


def current() -> UserScope | None:
    """The signed-in user as they are now, or None (session ended: the reason is left
    for the sign-in form)."""
    user_id = st.session_state.get(SIGNED_IN)
    if user_id is None:
        return None
    idle = timedelta(hours=settings.session_idle_hours())
    last = st.session_state.get(LAST_SEEN)
    scope = user_scope(user_id)
    if last is None or now() - last > idle:
        _end(scope, "expired", (EXPIRED, {"hours": f"{idle.total_seconds() / 3600:g}"}))
        return None
    if scope is None or not scope.is_active:
        _end(scope, "refused_disabled", (DISABLED, {}))
        return None
    st.session_state[LAST_SEEN] = now()
    st.session_state[SCOPE] = scope
    return scope


def user_id() -> int | None:
    """The signed-in user's id: the user every form posts as."""
    value = st.session_state.get(SIGNED_IN)
    return int(value) if value is not None else None


def scope() -> UserScope | None:
    """The signed-in user's scope as read at the start of this run."""
    found: UserScope | None = st.session_state.get(SCOPE)
    return found


def may(action: str) -> bool:
    """Whether the signed-in user's role has the right ``action`` (``rights.MATRIX``): a
    page offers a form only to those who may submit it. The services still check the
    right and the division on every submit."""
    who = scope()
    return who is not None and action in MATRIX.get(who.role, frozenset())


def sign_out() -> None:
    """End the session at the user's request (the sidebar's button)."""
    _end(scope(), "signed_out", (SIGNED_OUT, {}))
    if st.session_state.get(METHOD) == "oidc":
        st.logout()


def _end(who: UserScope | None, outcome: str, notice: tuple[str, dict[str, str]]) -> None:
    if who is not None:
        with session_scope() as session:
            sign_in.record(
                session,
                username=who.username,
                user_id=who.user_id,
                outcome=outcome,
                method=str(st.session_state.get(METHOD) or "password"),
            )
    locale = st.session_state.get(LOCALE_KEY)
    # Everything the user's pages kept (filters, drafts, cached rows) goes with them.
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if locale is not None:
        st.session_state[LOCALE_KEY] = locale
    st.session_state[NOTICE] = notice
