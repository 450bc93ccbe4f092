"""What a clerk form says back: errors under the field they concern, the posted number,
and the way to see the posting in Insights (a warehouse refresh)."""

from __future__ import annotations

import importlib
import re

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboards import signed_in
from dashboards.language import N_, _, error_text
from dashboards.writeback.clerk_posting import Posted
from orchestration.publish import current_publication
from transactional.errors import DomainError
from transactional.organisation.rights import ACTIONS
from transactional.reads import master_data, wholesale_lookups
from transactional.reads.master_data import DivisionChoice

GENERAL = ""


class FieldErrors:
    """Empty slots placed right under each input; a DomainError fills the one it names.

    ``aliases`` maps service field names onto this form's (e.g. an invoice's entry
    date is its ``invoice_date``). A grid cell field (``lines.3.debit``) lands under the
    grid (slot ``lines``); a field without a slot lands in the general slot.
    """

    def __init__(self, aliases: dict[str, str] | None = None) -> None:
        self._slots: dict[str, DeltaGenerator] = {}
        self._aliases = aliases or {}

    def slot(self, field: str) -> None:
        """Reserve the place for ``field``'s message here (call right after the input)."""
        self._slots[field] = st.empty()

    def target(self, field: str | None) -> str:
        """The slot a message for ``field`` goes to."""
        name = self._aliases.get(field or "", field or "")
        if name in self._slots:
            return name
        head = re.split(r"\.", name, maxsplit=1)[0]
        if head in self._slots:
            return head
        return GENERAL

    def show(self, err: DomainError) -> None:
        where = self.target(err.field)
        slot = self._slots.get(where)
        text = error_text(err)
        if slot is None:
            st.error(text, icon=":material/error:")
        else:
            slot.error(text, icon=":material/error:")


NO_DIVISIONS = N_(
    "There are no divisions yet: run `erp generate` for the demo company, or create one."
)


def ledger_divisions() -> dict[int, master_data.DivisionChoice] | None:
    """Every division of the ledger (the pages that list rather than post), or None (with
    the reason shown) if there are none."""
    try:
        divisions = master_data.divisions()
    except master_data.LedgerUnavailable as exc:
        # The reads' message, translated where the catalog has it.
        st.warning(_(str(exc)))
        return None
    if not divisions:
        st.info(_(NO_DIVISIONS))
        return None
    return {d.id: d for d in divisions}


def pick_division(key: str, action: str, errors: FieldErrors) -> DivisionChoice | None:
    """The division picker of every clerk form: only the divisions in which the acting user
    may do ``action`` (the services would refuse the others), or None with the reason shown
    when there is none."""
    user_id = signed_in.user_id()
    try:
        divisions = {d.id: d for d in wholesale_lookups.user_divisions(user_id, action)}
    except master_data.LedgerUnavailable as exc:
        st.warning(_(str(exc)))
        return None
    if not divisions:
        if not master_data.divisions():
            st.info(_(NO_DIVISIONS))
        else:
            st.info(
                _(
                    "You may not {action} in any division; ask an administrator.",
                    action=_(ACTIONS[action]),
                )
            )
        return None
    division_id = st.selectbox(
        _("Division"), list(divisions), format_func=lambda i: divisions[i].label, key=key
    )
    errors.slot("division")
    return divisions[division_id]


def posted_notice(state_key: str) -> None:
    """The last document this form posted, and a button to refresh the warehouse now."""
    posted: Posted | None = st.session_state.get(state_key)
    if posted is None:
        return
    # ``what`` is a message id of the write-back ("journal entry"), translated here.
    message = posted.notice or N_(
        "Posted {what} **{number}**. The Insights pages show it after the next warehouse "
        "refresh (`erp refresh`)."
    )
    st.success(
        _(
            message,
            what=_(posted.what),
            number=posted.document_number,
        ),
        icon=":material/check_circle:",
    )
    if st.button(_("Refresh warehouse now"), key=f"{state_key}_refresh", icon=":material/sync:"):
        refresh_warehouse()


def refresh_warehouse() -> None:
    """Run the refresh (extract, dbt build, checks, publish) in this process."""
    # Imported on click: the refresh pulls in dagster and dbt, which the app must not load
    # at start-up (and which type-checking the dashboards need not follow).
    try:
        refresh = importlib.import_module("orchestration.refresh")
    except ImportError as exc:
        st.error(
            _(
                "The warehouse refresh is not available here ({reason}); run `erp refresh`.",
                reason=exc,
            )
        )
        return
    with st.spinner(_("Refreshing the warehouse (extract, dbt build, checks, publish)...")):
        try:
            refresh.run_refresh()
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app stays up
            st.error(
                _(
                    "The refresh failed; the dashboards keep the last published version. {reason}",
                    reason=exc,
                )
            )
            return
    published = current_publication()
    if published is None:
        st.success(_("Warehouse refreshed; no version is published yet."))
    else:
        st.success(_("Warehouse refreshed: now reading `{version}`.", version=published.version))
