"""The sidebar every page shares: warehouse version, Insights filters, the signed-in user.

``app.py`` renders it on every run and leaves the results in ``st.session_state``
(``SELECTION``, ``WAREHOUSE``); pages read them there, and the signed-in user's id from
``dashboards.signed_in.user_id()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from dashboards import signed_in
from dashboards.language import LOCALE_KEY, LOCALE_NAMES, N_, _
from dashboards.queries import finance
from dashboards.report_cache import cached
from dashboards.selection import Selection, build_selection, default_period
from dashboards.warehouse import PublishedWarehouse
from transactional import clock
from transactional.database import session_scope
from transactional.organisation import users
from transactional.organisation.models import User
from transactional.reads.user_scopes import UserScope

SELECTION = "selection"
WAREHOUSE = "warehouse"
# The division codes by id, for what a downloaded workbook says it holds.
DIVISION_CODES = "division_codes"
NOT_PUBLISHED = N_(
    "Nothing has been published to the warehouse yet. Run `erp refresh` "
    "(or `dagster dev` and materialise the assets), then reload this page."
)


def select_box(
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    format_func: Callable[[Any], str],
    index: int | None = 0,
    widget: Callable[..., Any] = st.selectbox,
    **kwargs: Any,
) -> Any:
    """``st.selectbox`` (or another choice ``widget``: ``st.radio``, a column's
    ``c.radio``) whose shown label follows its options' labels.

    Streamlit sends a select box's label to the browser only when its value changes: when
    the labels change under the same value (period 12 reads "12 (2025-12)" once the year
    is 2025), the browser kept showing the old one ("12 (2026-12)"). The value is then
    set again, which sends the new label; a value no longer among the options is reset to
    ``index`` the same way.
    """
    shown = f"{key}__shown_label"
    value, before = st.session_state.get(key), st.session_state.get(shown)
    if before is not None and value not in options and index is not None and options:
        value = options[index]  # the old value is gone: reset it explicitly, likewise
    if before is not None and value in options and before != format_func(value):
        st.session_state[key] = value  # no default index then: Streamlit would warn
    else:
        kwargs["index"] = index
    picked = widget(label, options, key=key, format_func=format_func, **kwargs)
    st.session_state[shown] = None if picked is None else format_func(picked)
    return picked


def insights_filters(wh: PublishedWarehouse) -> Selection | None:
    """Division, fiscal year and period-through pickers; None if the warehouse is empty."""
    divisions = cached(finance.divisions)(wh)
    periods = cached(finance.fiscal_periods)(wh)
    if divisions.empty or periods.empty:
        st.warning(_("The published warehouse holds no divisions or periods yet."))
        return None
    labels = {
        int(r.division_id): f"{r.division_code} · {r.division_name} ({r.currency_code})"
        for r in divisions.itertuples()
    }
    st.session_state[DIVISION_CODES] = {
        int(r.division_id): str(r.division_code) for r in divisions.itertuples()
    }
    chosen = st.multiselect(
        _("Divisions"),
        options=list(labels),
        format_func=labels.__getitem__,
        key="filter_divisions",
        # Nothing picked is every division the user sees: "all" is the group only for a
        # user who sees the whole group.
        placeholder=_("All divisions") if _sees_whole_group() else _("All your divisions"),
    )
    last_posting = cached(finance.last_posting_date)(wh)
    default_year, default_period_number = default_period(periods, clock.today(), last_posting)
    years = sorted({int(y) for y in periods["fiscal_year"]}, reverse=True)
    year = st.selectbox(_("Fiscal year"), years, index=years.index(default_year), key="filter_year")
    in_year = periods[periods["fiscal_year"] == year]
    numbers = [int(p) for p in in_year["period_number"]]
    keys = dict(zip(numbers, in_year["period_key"], strict=True))
    start = numbers.index(default_period_number) if year == default_year else len(numbers) - 1
    period = select_box(
        _("Through period"),
        numbers,
        index=start,
        key="filter_period",
        format_func=lambda p: f"{p:02d} ({keys[p]})",
    )
    return build_selection(divisions, chosen, int(year), int(period), known_years=years)


def _sees_whole_group() -> bool:
    user = signed_in.scope()
    return user is None or user.whole_group


def insights_context() -> tuple[PublishedWarehouse, Selection] | None:
    """What an Insights page reads (the published warehouse and the sidebar's selection),
    or None after telling the user what is missing."""
    wh: PublishedWarehouse | None = st.session_state.get(WAREHOUSE)
    sel: Selection | None = st.session_state.get(SELECTION)
    if wh is None:
        st.info(_(NOT_PUBLISHED))
        return None
    if sel is None:
        st.info(_("Pick divisions, a fiscal year and a period in the sidebar."))
        return None
    return wh, sel


def account(user: UserScope) -> None:
    """Who is signed in, their language and the sign-out button."""
    st.markdown(
        _("Signed in as **{name}** ({role})", name=user.full_name, role=_(ROLE_NAMES[user.role]))
    )
    st.selectbox(
        _("Language"),
        list(LOCALE_NAMES),
        format_func=LOCALE_NAMES.__getitem__,
        key=LOCALE_KEY,
        on_change=_keep_locale,
    )
    st.button(_("Sign out"), on_click=signed_in.sign_out, icon=":material/logout:", key="sign_out")


# The role names as users read them (message ids).
ROLE_NAMES = {
    "clerk": N_("clerk"),
    "accountant": N_("accountant"),
    "manager": N_("manager"),
    "analyst": N_("analyst"),
    "admin": N_("administrator"),
}


def _keep_locale() -> None:
    """Store the language picked in the sidebar as the user's own (their next sign-in)."""
    user_id = signed_in.user_id()
    locale = st.session_state.get(LOCALE_KEY)
    if user_id is None or locale not in LOCALE_NAMES:
        return
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is not None:
            users.set_locale(session=session, user=user, username=user.username, locale=locale)
