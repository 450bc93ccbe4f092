"""Budgets: the versions as they stand in the ledger, their approval, and new versions.

Everything here reads and writes the transactional database now (through
:mod:`dashboards.writeback.budget_posting`), so a manager approves what is really there; the Finance
page's budget against actual shows a change after the next warehouse refresh.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from dashboards import sidebar, signed_in
from dashboards.amounts import format_amount
from dashboards.forms.form_feedback import GENERAL, FieldErrors, ledger_divisions, refresh_warehouse
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.writeback import budget_posting
from dashboards.writeback.budget_posting import VersionRow
from transactional import clock
from transactional.budgets.models import SCENARIOS
from transactional.errors import DomainError
from transactional.reads import master_data

TABLE_KEY = "budget_versions"
VERSION_KEY = "budget_version_pick"
ACTION_KEYS = {a: f"budget_{a}" for a in budget_posting.ACTIONS}
STATUS_NOTICE = "budget_status_notice"
STATUS_ERROR = "budget_status_error"
NEW_NOTICE = "budget_new_notice"
GENERATION = "budget_new_generation"
SAME = "same as the source"

# Which status each action applies to, what it is called and who may do it.
_ACTIONS: dict[str, tuple[str, str, str]] = {
    "submit": ("draft", "Submit", "Send the draft for approval (accountants, managers, admins)."),
    "approve": ("submitted", "Approve", "Approve the submitted version (managers and admins)."),
    "reject": ("submitted", "Reject", "Send it back to draft (managers and admins)."),
    "reopen": ("approved", "Reopen", "Set an approved version back to draft (managers, admins)."),
}
_DONE = {
    "submit": "Submitted",
    "approve": "Approved",
    "reject": "Rejected (back to draft)",
    "reopen": "Reopened (back to draft)",
}
LABELS = {
    "division_code": "Division",
    "fiscal_year": "Fiscal year",
    "name": "Name",
    "scenario": "Scenario",
    "status": "Status",
    "origin": "Origin",
    "lines": "Lines",
    "currency_code": "Currency",
    "budgeted_result": "Budgeted net result",
    "created_by": "Created by",
    "created_at": "Created at (UTC)",
    "approved_by": "Approved by",
}
_ORIGINS = {
    "manual": "entered by hand",
    "actuals": "copied from a year's actuals",
    "version": "copied from another version",
    "what_if": "saved from the What-if page",
}


def versions_frame(rows: list[VersionRow], currencies: dict[int, str]) -> pd.DataFrame:
    """The versions as a table; the budgeted result in P&L sign (revenue positive)."""
    return pd.DataFrame(
        {
            "id": [r.id for r in rows],
            "division_code": [r.division_code for r in rows],
            "fiscal_year": [r.fiscal_year for r in rows],
            "name": [r.name for r in rows],
            "scenario": [r.scenario for r in rows],
            "status": [r.status for r in rows],
            "origin": [_ORIGINS.get(r.origin, r.origin) for r in rows],
            "lines": [r.lines for r in rows],
            "currency_code": [currencies.get(r.division_id, "") for r in rows],
            # Lines are debit positive: the negated total is the budgeted net result.
            "budgeted_result": [float(-r.total) for r in rows],
            "created_by": [r.created_by for r in rows],
            "created_at": pd.to_datetime([r.created_at for r in rows], utc=True).tz_convert(None),
            "approved_by": [r.approved_by or "" for r in rows],
        }
    )


def _acting_user() -> int | None:
    return signed_in.user_id()


def _change_status(action: str, version: VersionRow) -> None:
    """A status button's callback: runs before the page, so the table shows the result."""
    st.session_state.pop(STATUS_NOTICE, None)
    st.session_state.pop(STATUS_ERROR, None)
    try:
        budget_posting.change_status(user_id=_acting_user(), version_id=version.id, action=action)
    except DomainError as err:
        st.session_state[STATUS_ERROR] = err.message
    else:
        st.session_state[STATUS_NOTICE] = (
            version.id,
            f"{_DONE[action]}: budget **{version.name}** ({version.division_code} "
            f"{version.fiscal_year}).",
        )


def _refresh_notice(message: str, key: str) -> None:
    st.success(
        f"{message} The Finance page's budget against actual shows it after the next "
        "warehouse refresh (`erp refresh`).",
        icon=":material/check_circle:",
    )
    if st.button("Refresh warehouse now", key=key, icon=":material/sync:"):
        refresh_warehouse()


def _select_version(ids: list[int]) -> None:
    picked = st.session_state[TABLE_KEY].selection.rows
    if picked:
        st.session_state[VERSION_KEY] = ids[picked[0]]


def version_list(rows: list[VersionRow], currencies: dict[int, str]) -> dict[int, VersionRow]:
    """The table of versions; returns them by id."""
    table = versions_frame(rows, currencies)
    ids = [int(i) for i in table["id"]]
    st.caption(
        "Live from the ledger (not the warehouse). Budgeted net result in each division's "
        "own currency, P&L sign: revenue positive, costs negative."
    )
    report_table(
        table,
        key=TABLE_KEY,
        file_name="budget_versions",
        title="Budget versions",
        labels=LABELS,
        on_select=lambda: _select_version(ids),
        hide=("id",),
        # Every year of the sidebar's divisions, each in its own currency.
        filters={"Currency": "each division's own", "Fiscal year": "all", "Through period": None},
    )
    return {r.id: r for r in rows}


def picker_label(v: VersionRow) -> str:
    """A version as the approval picker names it: without its status, which the buttons
    change. The browser sends back the label it shows; with the status in it, the label
    of a version just submitted no longer matched, and the panel lost its version."""
    return f"{v.division_code} {v.fiscal_year} · {v.name} ({v.scenario})"


def approval(by_id: dict[int, VersionRow], currencies: dict[int, str]) -> None:
    """The picked version's state and the buttons that move it."""
    st.subheader("Approval")
    if st.session_state.get(VERSION_KEY) not in by_id:
        st.session_state.pop(VERSION_KEY, None)
    picked = st.selectbox(
        "Budget version",
        list(by_id),
        index=None,
        key=VERSION_KEY,
        format_func=lambda i: picker_label(by_id[i]),
        placeholder="Pick a version (or a row above)",
    )
    # A refusal is said whatever happens to the pick: it must never pass in silence.
    error = st.session_state.pop(STATUS_ERROR, None)
    if picked is None:
        if error:
            st.error(error, icon=":material/error:")
        return
    v = by_id[int(picked)]
    currency = currencies.get(v.division_id, "")
    st.markdown(
        f"**{v.division_code} {v.fiscal_year} · {v.name}** — scenario {v.scenario}, "
        f"status **{v.status}**, {_ORIGINS.get(v.origin, v.origin)}; "
        f"{v.lines} lines, budgeted net result {format_amount(float(-v.total), currency)}.  \n"
        f"Created by {v.created_by} on {v.created_at:%Y-%m-%d %H:%M}; "
        + (f"approved by {v.approved_by}." if v.approved_by else "not approved.")
    )
    columns = st.columns(len(_ACTIONS))
    for column, (action, (status, label, help_text)) in zip(columns, _ACTIONS.items(), strict=True):
        column.button(
            label,
            key=ACTION_KEYS[action],
            disabled=v.status != status,
            help=help_text,
            on_click=_change_status,
            args=(action, v),
            type="primary" if action == "approve" else "secondary",
        )
    if error:
        st.error(error, icon=":material/error:")
    notice = st.session_state.get(STATUS_NOTICE)
    if notice and notice[0] == v.id:
        _refresh_notice(notice[1], "budget_status_refresh")


def _change_pct(value: float | None) -> str:
    """The typed change % as the service takes it ('5.0'); the float's repr is what was meant."""
    return "" if value is None else str(Decimal(repr(value)))


def _signed(pct: str) -> str:
    return f"{Decimal(pct):+} %" if pct else "0 %"


def from_actuals(
    divisions: dict[int, master_data.DivisionChoice], default_year: int, generation: int
) -> None:
    errors = FieldErrors()
    with st.form(f"budget_from_actuals_{generation}"):
        division = st.selectbox(
            "Division",
            list(divisions),
            format_func=lambda i: divisions[i].label,
            key=f"bfa_division_{generation}",
        )
        errors.slot("division")
        left, right = st.columns(2)
        year = left.number_input(
            "Fiscal year",
            min_value=1901,
            max_value=2199,
            value=default_year,
            step=1,
            key=f"bfa_year_{generation}",
        )
        with left:
            errors.slot("fiscal_year")
        source_year = right.number_input(
            "Copy the actuals of",
            min_value=1901,
            max_value=2199,
            value=default_year - 1,
            step=1,
            key=f"bfa_source_year_{generation}",
        )
        with right:
            errors.slot("source_year")
        name = st.text_input("Name", key=f"bfa_name_{generation}")
        errors.slot("name")
        left, right = st.columns(2)
        change = left.number_input(
            "Change %",
            value=0.0,
            step=0.5,
            format="%.2f",
            key=f"bfa_change_{generation}",
            help="Every amount is the actual times (1 + change / 100), e.g. 5 for +5 %.",
        )
        with left:
            errors.slot("change_pct")
        scenario = right.selectbox("Scenario", SCENARIOS, key=f"bfa_scenario_{generation}")
        with right:
            errors.slot("scenario")
        create = st.form_submit_button("Create version from actuals", type="primary")
        errors.slot(GENERAL)
    if create:
        st.session_state.pop(NEW_NOTICE, None)
        try:
            posted = budget_posting.copy_from_actuals(
                user_id=_acting_user(),
                division_id=int(division),
                fiscal_year=int(year),
                name=name,
                source_year=int(source_year),
                change_pct=_change_pct(change),
                scenario=str(scenario),
            )
        except DomainError as err:
            errors.show(err)
        else:
            st.session_state[NEW_NOTICE] = (
                f"Created draft budget **{posted.document_number}** ({divisions[division].code} "
                f"{int(year)}) from the {int(source_year)} actuals {_signed(_change_pct(change))}."
            )
            st.session_state[GENERATION] = generation + 1
            st.rerun()


def from_version(by_id: dict[int, VersionRow], generation: int) -> None:
    if not by_id:
        st.info("There is no version to copy yet.")
        return
    errors = FieldErrors({"source_version": "source"})
    with st.form(f"budget_from_version_{generation}"):
        source = st.selectbox(
            "Copy the version",
            list(by_id),
            format_func=lambda i: by_id[i].label,
            key=f"bfv_source_{generation}",
        )
        errors.slot("source")
        name = st.text_input("Name", key=f"bfv_name_{generation}")
        errors.slot("name")
        left, middle, right = st.columns(3)
        change = left.number_input(
            "Change %",
            value=0.0,
            step=0.5,
            format="%.2f",
            key=f"bfv_change_{generation}",
            help="Every amount is the source's times (1 + change / 100).",
        )
        with left:
            errors.slot("change_pct")
        scenario = middle.selectbox(
            "Scenario", [SAME, *SCENARIOS], key=f"bfv_scenario_{generation}"
        )
        with middle:
            errors.slot("scenario")
        year = right.number_input(
            "Fiscal year",
            min_value=1901,
            max_value=2199,
            value=None,
            step=1,
            key=f"bfv_year_{generation}",
            placeholder="the source's",
        )
        with right:
            errors.slot("fiscal_year")
        create = st.form_submit_button("Create version from version", type="primary")
        errors.slot(GENERAL)
    if create and source is not None:
        st.session_state.pop(NEW_NOTICE, None)
        try:
            posted = budget_posting.copy_from_version(
                user_id=_acting_user(),
                source_version_id=int(source),
                name=name,
                change_pct=_change_pct(change),
                scenario=None if scenario == SAME else str(scenario),
                fiscal_year=None if year is None else int(year),
            )
        except DomainError as err:
            errors.show(err)
        else:
            st.session_state[NEW_NOTICE] = (
                f"Created draft budget **{posted.document_number}** from "
                f"'{by_id[int(source)].name}' {_signed(_change_pct(change))}."
            )
            st.session_state[GENERATION] = generation + 1
            st.rerun()


def new_version(
    divisions: dict[int, master_data.DivisionChoice],
    by_id: dict[int, VersionRow],
    default_year: int,
) -> None:
    st.subheader("New version")
    st.caption(
        "A new version starts as a draft: submit it, and a manager approves it. Only one "
        "version per division, year and scenario can be approved at a time."
    )
    # Filled last: a version attempted in this run drops the previous one's notice first.
    notice_area = st.container()
    generation = st.session_state.setdefault(GENERATION, 0)
    actuals_tab, version_tab = st.tabs(["From a year's actuals", "From another version"])
    with actuals_tab:
        from_actuals(divisions, default_year, generation)
    with version_tab:
        from_version(by_id, generation)
    notice = st.session_state.get(NEW_NOTICE)
    if notice:
        with notice_area:
            _refresh_notice(notice, "budget_new_refresh")


def main() -> None:
    st.title("Budgets")
    sel: Selection | None = st.session_state.get(sidebar.SELECTION)
    divisions = ledger_divisions()
    if divisions is None:
        return
    try:
        rows = budget_posting.budget_versions(sel.division_ids if sel else ())
    except master_data.LedgerUnavailable as exc:
        st.warning(str(exc))
        return
    currencies = {d.id: d.currency_code for d in divisions.values()}
    if sel is not None:
        divisions = {i: d for i, d in divisions.items() if i in sel.division_ids} or divisions
    if rows:
        by_id = version_list(rows, currencies)
        approval(by_id, currencies)
    else:
        by_id = {}
        st.info("There are no budget versions for these divisions yet: make one below.")
    new_version(divisions, by_id, sel.fiscal_year if sel else clock.today().year)


main()
