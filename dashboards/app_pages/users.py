"""Users: who may sign in, with which role, in which divisions, in which language.

Administrators only (right ``manage_users``; the navigation hides the page from the other
roles and the services refuse them anyway). Every change goes through
:mod:`dashboards.writeback.user_admin` to the services, which check the right and write
the audit rows; a refusal is shown next to the form it came from and nothing is written.
Passwords are typed, never shown: the table says only whether a user has one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboards import signed_in
from dashboards.language import LOCALE_NAMES, N_, _, error_text
from dashboards.report_table import report_table
from dashboards.writeback import user_admin
from transactional.errors import DomainError
from transactional.organisation.models import LOCALES, ROLES
from transactional.organisation.users import UserRow
from transactional.reads import master_data

TABLE_KEY = "users_table"
ADD = "users_add"
CHANGE = "users_change"
# Where each form's last outcome is kept between the callback and the page: a pair of
# ("success" | "error", text).
FEEDBACK = {
    area: f"users_feedback_{area}"
    for area in ("add", "role", "divisions", "password", "active", "email", "locale")
}

ROLE_LABELS = {
    "clerk": N_("Clerk"),
    "accountant": N_("Accountant"),
    "manager": N_("Manager"),
    "analyst": N_("Analyst"),
    "admin": N_("Administrator"),
}
assert set(ROLE_LABELS) == set(ROLES)

LABELS = {
    "username": N_("User name"),
    "full_name": N_("Name"),
    "role": N_("Role"),
    "divisions": N_("Divisions"),
    "locale": N_("Language"),
    "email": N_("E-mail"),
    "active": N_("Active"),
    "has_password": N_("Has a password"),
    "locked_until": N_("Locked until (UTC)"),
}


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def users_frame(rows: list[UserRow]) -> pd.DataFrame:
    """The users as the table shows them (no password or hash: only whether one is set)."""
    yes, no = _("yes"), _("no")
    return pd.DataFrame(
        {
            "username": [r.username for r in rows],
            "full_name": [r.full_name for r in rows],
            "role": [role_label(r.role) for r in rows],
            # Admins act in every division, whatever is listed for them.
            "divisions": [
                _("all divisions") if r.role == "admin" else ", ".join(r.divisions) for r in rows
            ],
            "locale": [LOCALE_NAMES.get(r.locale, r.locale) for r in rows],
            "email": [r.email or "" for r in rows],
            "active": [yes if r.is_active else no for r in rows],
            "has_password": [yes if r.has_password else no for r in rows],
            "locked_until": [_stamp(r.locked_until) for r in rows],
        },
        columns=list(LABELS),
    )


def _run(area: str, change: Callable[[], str]) -> None:
    """A form's callback: do the change, keep what to say next to the form."""
    try:
        done = change()
    except DomainError as err:
        st.session_state[FEEDBACK[area]] = ("error", error_text(err))
    else:
        st.session_state[FEEDBACK[area]] = ("success", done)


def _feedback(area: str) -> None:
    found = st.session_state.get(FEEDBACK[area])
    if found is None:
        return
    kind, text = found
    if kind == "error":
        st.error(text, icon=":material/error:")
    else:
        st.success(text, icon=":material/check_circle:")


def _clear_feedback() -> None:
    for key in FEEDBACK.values():
        st.session_state.pop(key, None)


# --- adding a user --------------------------------------------------------------------------


def _add() -> None:
    state = st.session_state
    password = state.get(f"{ADD}_password") or ""
    # The typed password never stays in the session, whatever the outcome.
    state[f"{ADD}_password"] = ""

    def change() -> str:
        username = user_admin.add_user(
            signed_in.user_id(),
            username=state.get(f"{ADD}_username") or "",
            full_name=state.get(f"{ADD}_full_name") or "",
            role=state.get(f"{ADD}_role") or "",
            divisions=list(state.get(f"{ADD}_divisions") or []),
            locale=state.get(f"{ADD}_locale") or "en",
            password=password,
        )
        for field in ("username", "full_name", "divisions"):
            state.pop(f"{ADD}_{field}", None)
        return _("User {username} added.", username=username)

    _clear_feedback()
    _run("add", change)


def add_form(division_codes: list[str]) -> None:
    with st.form(ADD):
        st.text_input(_("User name"), key=f"{ADD}_username", max_chars=60)
        st.text_input(_("Full name"), key=f"{ADD}_full_name")
        st.selectbox(_("Role"), list(ROLES), format_func=role_label, index=0, key=f"{ADD}_role")
        st.multiselect(
            _("Divisions"),
            division_codes,
            key=f"{ADD}_divisions",
            help=_("The divisions the user may see and act in; administrators act in all."),
        )
        st.selectbox(
            _("Language"),
            list(LOCALES),
            format_func=lambda code: LOCALE_NAMES.get(code, code),
            key=f"{ADD}_locale",
        )
        st.text_input(
            _("Initial password"),
            type="password",
            key=f"{ADD}_password",
            help=_(
                "At least 10 characters; give it to the user in person. Leave it empty for "
                "a user who signs in only through the sign-in provider (their e-mail)."
            ),
        )
        st.form_submit_button(_("Add user"), on_click=_add, icon=":material/person_add:")
    _feedback("add")


# --- changing a user ------------------------------------------------------------------------


def _key(field: str, username: str) -> str:
    # Keyed by user: picking another user shows that user's current values.
    return f"{CHANGE}_{field}_{username}"


def _set_role(username: str) -> None:
    role = st.session_state.get(_key("role", username)) or ""

    def change() -> str:
        user_admin.set_role(signed_in.user_id(), username=username, role=role)
        return _("{username} is now: {role}.", username=username, role=role_label(role))

    _clear_feedback()
    _run("role", change)


def _set_divisions(username: str) -> None:
    codes = list(st.session_state.get(_key("divisions", username)) or [])

    def change() -> str:
        user_admin.set_divisions(signed_in.user_id(), username=username, divisions=codes)
        if not codes:
            return _("{username} now has no division.", username=username)
        return _(
            "{username} may now act in: {divisions}.",
            username=username,
            divisions=", ".join(sorted(codes)),
        )

    _clear_feedback()
    _run("divisions", change)


def _reset_password(username: str) -> None:
    key = _key("password", username)
    password = st.session_state.get(key) or ""
    st.session_state[key] = ""

    def change() -> str:
        user_admin.reset_password(signed_in.user_id(), username=username, password=password)
        return _("New password set for {username}.", username=username)

    _clear_feedback()
    _run("password", change)


def _set_active(username: str, active: bool) -> None:
    def change() -> str:
        user_admin.set_active(signed_in.user_id(), username=username, active=active)
        if active:
            return _("{username} may sign in again.", username=username)
        return _("{username} is disabled: they can no longer sign in.", username=username)

    _clear_feedback()
    _run("active", change)


def _unlock(username: str) -> None:
    def change() -> str:
        user_admin.unlock(signed_in.user_id(), username=username)
        return _("{username} is unlocked.", username=username)

    _clear_feedback()
    _run("active", change)


def _set_email(username: str) -> None:
    email = st.session_state.get(_key("email", username)) or ""

    def change() -> str:
        user_admin.set_email(signed_in.user_id(), username=username, email=email)
        if not email.strip():
            return _("{username} has no e-mail address now.", username=username)
        return _("E-mail address of {username} saved.", username=username)

    _clear_feedback()
    _run("email", change)


def _set_locale(username: str) -> None:
    locale = st.session_state.get(_key("locale", username)) or "en"

    def change() -> str:
        user_admin.set_locale(signed_in.user_id(), username=username, locale=locale)
        return _(
            "{username} now reads the app in {language}.",
            username=username,
            language=LOCALE_NAMES.get(locale, locale),
        )

    _clear_feedback()
    _run("locale", change)


def change_forms(rows: list[UserRow], division_codes: list[str]) -> None:
    by_name = {r.username: r for r in rows}
    username = st.selectbox(
        _("User"),
        list(by_name),
        format_func=lambda name: f"{name} · {by_name[name].full_name}",
        key=f"{CHANGE}_user",
    )
    if username is None:
        return
    row = by_name[username]
    role_tab, divisions_tab, sign_in_tab, contact_tab = st.tabs(
        [_("Role"), _("Divisions"), _("Password and sign-in"), _("E-mail and language")]
    )
    with role_tab, st.form(f"{CHANGE}_role_form"):
        st.selectbox(
            _("Role"),
            list(ROLES),
            index=list(ROLES).index(row.role) if row.role in ROLES else 0,
            format_func=role_label,
            key=_key("role", username),
        )
        st.form_submit_button(_("Change role"), on_click=_set_role, args=(username,))
    with role_tab:
        _feedback("role")
    with divisions_tab, st.form(f"{CHANGE}_divisions_form"):
        st.multiselect(
            _("Divisions"),
            division_codes,
            default=[c for c in row.divisions if c in division_codes],
            key=_key("divisions", username),
            help=_("Replaces the divisions the user may see and act in."),
        )
        st.form_submit_button(_("Set divisions"), on_click=_set_divisions, args=(username,))
    with divisions_tab:
        if row.role == "admin":
            st.caption(_("Administrators act in every division, whatever is listed here."))
        _feedback("divisions")
    with sign_in_tab:
        with st.form(f"{CHANGE}_password_form"):
            st.text_input(
                _("New password"),
                type="password",
                key=_key("password", username),
                help=_("At least 10 characters. A new password also ends a lockout."),
            )
            st.form_submit_button(_("Reset password"), on_click=_reset_password, args=(username,))
        _feedback("password")
        if row.locked_until is not None:
            st.warning(
                _(
                    "{username} is locked until {moment} (UTC) after too many failed tries.",
                    username=username,
                    moment=_stamp(row.locked_until),
                ),
                icon=":material/lock:",
            )
        left, right = st.columns(2)
        if row.is_active:
            left.button(
                _("Disable user"),
                on_click=_set_active,
                args=(username, False),
                key=f"{CHANGE}_disable",
                icon=":material/person_off:",
            )
        else:
            left.button(
                _("Enable user"),
                on_click=_set_active,
                args=(username, True),
                key=f"{CHANGE}_enable",
                icon=":material/person_check:",
            )
        right.button(
            _("Unlock"),
            on_click=_unlock,
            args=(username,),
            key=f"{CHANGE}_unlock",
            icon=":material/lock_open:",
            help=_("Ends a lockout after failed sign-in tries."),
        )
        _feedback("active")
    with contact_tab:
        with st.form(f"{CHANGE}_email_form"):
            st.text_input(
                _("E-mail"),
                value=row.email or "",
                key=_key("email", username),
                help=_("The address the sign-in provider reports for this user; empty to clear."),
            )
            st.form_submit_button(_("Save e-mail"), on_click=_set_email, args=(username,))
        _feedback("email")
        with st.form(f"{CHANGE}_locale_form"):
            st.selectbox(
                _("Language"),
                list(LOCALES),
                index=list(LOCALES).index(row.locale) if row.locale in LOCALES else 0,
                format_func=lambda code: LOCALE_NAMES.get(code, code),
                key=_key("locale", username),
            )
            st.form_submit_button(_("Save language"), on_click=_set_locale, args=(username,))
        _feedback("locale")


def main() -> None:
    st.title(_("Users"))
    st.caption(
        _(
            "Who may sign in, with which role, in which divisions and language. Every change "
            "is recorded in the audit trail; passwords are never shown."
        )
    )
    try:
        rows = user_admin.list_users(signed_in.user_id())
        division_codes = [d.code for d in master_data.divisions()]
    except DomainError as err:
        st.error(error_text(err), icon=":material/block:")
        return
    except master_data.LedgerUnavailable as exc:
        st.warning(str(exc))
        return
    report_table(
        users_frame(rows),
        key=TABLE_KEY,
        file_name="users",
        title=_("Users"),
        labels={column: _(label) for column, label in LABELS.items()},
        # What the workbook holds instead of the sidebar's divisions, currency and period.
        filters={
            _("Divisions"): _("every user, whatever their divisions"),
            _("Currency"): _("none (no amounts)"),
            _("Fiscal year"): None,
            _("Through period"): None,
        },
    )
    add_column, change_column = st.columns(2, gap="large")
    with add_column:
        st.subheader(_("Add a user"))
        add_form(division_codes)
    with change_column:
        st.subheader(_("Change a user"))
        change_forms(rows, division_codes)


main()
