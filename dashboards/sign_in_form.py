"""The sign-in form: the only thing the app shows until a user has signed in.

User name and password are checked by ``transactional.organisation.sign_in`` (argon2,
lockout after failed tries, every attempt in the sign-in log). Where an OpenID Connect
provider is configured (an ``[auth]`` section in ``.streamlit/secrets.toml``), a button
signs in through it with ``st.login()`` and the provider's e-mail address is matched to
a user. The language picked here is the form's; after signing in the user's own applies.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.exc import OperationalError, ProgrammingError

from dashboards import navigation, signed_in
from dashboards.language import LOCALE_KEY, LOCALE_NAMES, N_, _, error_text
from transactional.database import session_scope
from transactional.errors import SignInRefused
from transactional.organisation import sign_in

FORM = "sign_in_form"
USERNAME, PASSWORD = "sign_in_username", "sign_in_password"
# Why the last try failed, shown once under the form.
REFUSED = "sign_in_refused"


def oidc_configured() -> bool:
    """True when ``secrets.toml`` holds an ``[auth]`` section (st.login's set-up)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all: passwords only
        return False


def show() -> None:
    """Render the form; on success remember the user and run the app again."""
    navigation.remember_requested_page()
    if LOCALE_KEY not in st.session_state:
        st.session_state[LOCALE_KEY] = browser_locale()
    provider = oidc_configured()
    if provider:
        _provider_signed_in()  # before any widget: it sets the user's language
    _blank, right = st.columns([4, 1])
    right.selectbox(
        _("Language"),
        list(LOCALE_NAMES),
        format_func=LOCALE_NAMES.__getitem__,
        key=LOCALE_KEY,
    )
    st.title(_("Sign in"))
    notice: tuple[str, dict[str, Any]] | None = st.session_state.get(signed_in.NOTICE)
    if notice is not None:
        message, params = notice
        st.info(_(message, **params), icon=":material/info:")
    if provider:
        _provider_buttons()
    with st.form(FORM, clear_on_submit=True, enter_to_submit=True):
        st.text_input(_("User name"), autocomplete="username", key=USERNAME)
        st.text_input(
            _("Password"), type="password", autocomplete="current-password", key=PASSWORD
        )
        st.form_submit_button(_("Sign in"), type="primary", on_click=_check)
    refused: SignInRefused | str | None = st.session_state.pop(REFUSED, None)
    if isinstance(refused, SignInRefused):
        st.error(error_text(refused), icon=":material/lock:")
    elif refused is not None:
        st.error(_(refused), icon=":material/error:")


def browser_locale() -> str:
    """The browser's language as one of ours (``nl-BE`` -> ``nl_BE``, ``nl`` -> ``nl_NL``,
    ``fr-CA`` -> ``fr_FR``), English otherwise: the form's language before sign-in."""
    tag = (st.context.locale or "").replace("-", "_")
    if tag in LOCALE_NAMES:
        return tag
    language = tag.split("_")[0].lower()
    return {"nl": "nl_NL", "fr": "fr_FR"}.get(language, "en")


def _check() -> None:
    """The form's callback: runs before the next run draws anything, so the user's
    language is set before the widgets that show it."""
    username = str(st.session_state.get(USERNAME) or "")
    password = str(st.session_state.get(PASSWORD) or "")
    refused: SignInRefused | None = None
    try:
        with session_scope() as session:
            # The attempt's log row is committed whether or not it succeeded.
            try:
                who = sign_in.sign_in(session, username, password)
            except SignInRefused as err:
                refused = err
    except (OperationalError, ProgrammingError):  # no tables yet
        st.session_state[REFUSED] = NOT_READY
        return
    if refused is not None:
        st.session_state[REFUSED] = refused
        return
    signed_in.start(who.user_id, who.locale)


NOT_READY = N_(
    "The transactional database is not set up yet: run `erp db upgrade` "
    "(and `erp demo` or `erp generate` for the demo company)."
)


def _provider_signed_in() -> None:
    """Back from the provider: sign in the user with the e-mail it vouched for."""
    user: Any = st.user
    if not getattr(user, "is_logged_in", False):
        return
    refused: SignInRefused | None = None
    with session_scope() as session:
        try:
            who = sign_in.sign_in_by_email(session, str(user.get("email") or ""))
        except SignInRefused as err:
            refused = err
    if refused is None:
        signed_in.start(who.user_id, who.locale, method="oidc")
        st.rerun()
    st.session_state[REFUSED] = refused


def _provider_buttons() -> None:
    user: Any = st.user
    if getattr(user, "is_logged_in", False):  # known to the provider, not to us
        st.button(_("Sign out of the provider"), on_click=st.logout)
        return
    st.button(_("Sign in with your organisation's account"), on_click=st.login, type="primary")
    st.caption(_("or with a user name and password:"))
