"""Budgets: the versions as they stand in the ledger, their approval, and new versions.

Everything here reads and writes the transactional database now (through
:mod:`dashboards.writeback.budget_posting`), so a manager approves what is really there; the Finance
page's budget against actual shows a change after the next warehouse refresh.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from dashboards import sidebar, signed_in
from dashboards.amounts import format_amount, format_day, format_quantity
from dashboards.forms.form_feedback import GENERAL, FieldErrors, ledger_divisions, refresh_warehouse
from dashboards.language import N_, _, current_locale, error_text
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
SAME = "same"  # the scenario picker's "keep the source's scenario" (shown translated)

# Which status each action applies to, what it is called and who may do it (texts:
# message ids, shown through _()).
_ACTIONS: dict[str, tuple[str, str, str]] = {
    "submit": (
        "draft",
        N_("Submit"),
        N_("Send the draft for approval (accountants, managers, admins)."),
    ),
    "approve": (
        "submitted",
        N_("Approve"),
        N_("Approve the submitted version (managers and admins)."),
    ),
    "reject": ("submitted", N_("Reject"), N_("Send it back to draft (managers and admins).")),
    "reopen": (
        "approved",
        N_("Reopen"),
        N_("Set an approved version back to draft (managers, admins)."),
    ),
}
# What a status change says when done (one whole sentence per action).
_DONE = {
    "submit": N_("Submitted: budget **{name}** ({division} {year})."),
    "approve": N_("Approved: budget **{name}** ({division} {year})."),
    "reject": N_("Rejected (back to draft): budget **{name}** ({division} {year})."),
    "reopen": N_("Reopened (back to draft): budget **{name}** ({division} {year})."),
}
# Version statuses and scenarios are stored codes; these are their names on screen.
_STATUSES = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "approved": N_("approved"),
}
_SCENARIOS = {
    "normal": N_("normal"),
    "positive": N_("positive"),
    "negative": N_("negative"),
    "custom": N_("custom"),
}


def _status(code: str) -> str:
    return _(_STATUSES[code]) if code in _STATUSES else code


def _scenario(code: str) -> str:
    return _(_SCENARIOS[code]) if code in _SCENARIOS else code


def _origin(code: str) -> str:
    return _(_ORIGINS[code]) if code in _ORIGINS else code


# Column headings: message ids, shown through _().
LABELS = {
    "division_code": N_("Division"),
    "fiscal_year": N_("Fiscal year"),
    "name": N_("Name"),
    "scenario": N_("Scenario"),
    "status": N_("Status"),
    "origin": N_("Origin"),
    "lines": N_("Lines"),
    "currency_code": N_("Currency"),
    "budgeted_result": N_("Budgeted net result"),
    "created_by": N_("Created by"),
    "created_at": N_("Created at (UTC)"),
    "approved_by": N_("Approved by"),
}
_ORIGINS = {
    "manual": N_("entered by hand"),
    "actuals": N_("copied from a year's actuals"),
    "version": N_("copied from another version"),
    "what_if": N_("saved from the What-if page"),
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
            "origin": [_origin(r.origin) for r in rows],
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
        st.session_state[STATUS_ERROR] = error_text(err)
    else:
        st.session_state[STATUS_NOTICE] = (
            version.id,
            _(
                _DONE[action],
                name=version.name,
                division=version.division_code,
                year=version.fiscal_year,
            ),
        )


def _refresh_notice(message: str, key: str) -> None:
    st.success(
        _(
            "{notice} The Finance page's budget against actual shows it after the next "
            "warehouse refresh (`erp refresh`).",
            notice=message,
        ),
        icon=":material/check_circle:",
    )
    if st.button(_("Refresh warehouse now"), key=key, icon=":material/sync:"):
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
        _(
            "Live from the ledger (not the warehouse). Budgeted net result in each division's "
            "own currency, P&L sign: revenue positive, costs negative."
        )
    )
    report_table(
        table,
        key=TABLE_KEY,
        file_name="budget_versions",
        title=_("Budget versions"),
        labels={column: _(label) for column, label in LABELS.items()},
        values={
            "status": {code: _(name) for code, name in _STATUSES.items()},
            "scenario": {code: _(name) for code, name in _SCENARIOS.items()},
        },
        on_select=lambda: _select_version(ids),
        hide=("id",),
        # Every year of the sidebar's divisions, each in its own currency.
        filters={
            _("Currency"): _("each division's own"),
            _("Fiscal year"): _("all"),
            _("Through period"): None,
        },
    )
    return {r.id: r for r in rows}


def picker_label(v: VersionRow) -> str:
    """A version as the approval picker names it: without its status, which the buttons
    change. The browser sends back the label it shows; with the status in it, the label
    of a version just submitted no longer matched, and the panel lost its version."""
    return f"{v.division_code} {v.fiscal_year} · {v.name} ({_scenario(v.scenario)})"


def _source_label(v: VersionRow) -> str:
    """A version to copy, its scenario and status in the user's language."""
    return (
        f"{v.division_code} {v.fiscal_year} · {v.name} "
        f"({_scenario(v.scenario)}, {_status(v.status)})"
    )


def approval(by_id: dict[int, VersionRow], currencies: dict[int, str]) -> None:
    """The picked version's state and the buttons that move it."""
    st.subheader(_("Approval"))
    if st.session_state.get(VERSION_KEY) not in by_id:
        st.session_state.pop(VERSION_KEY, None)
    picked = st.selectbox(
        _("Budget version"),
        list(by_id),
        index=None,
        key=VERSION_KEY,
        format_func=lambda i: picker_label(by_id[i]),
        placeholder=_("Pick a version (or a row above)"),
    )
    # A refusal is said whatever happens to the pick: it must never pass in silence.
    error = st.session_state.pop(STATUS_ERROR, None)
    if picked is None:
        if error:
            st.error(error, icon=":material/error:")
        return
    v = by_id[int(picked)]
    currency = currencies.get(v.division_id, "")
    facts = {
        "division": v.division_code,
        "year": v.fiscal_year,
        "name": v.name,
        "scenario": _scenario(v.scenario),
        "status": _status(v.status),
        "origin": _origin(v.origin),
        "lines": format_quantity(v.lines),
        "result": format_amount(float(-v.total), currency),
        "by": v.created_by,
        "at": f"{format_day(v.created_at)} {v.created_at:%H:%M}",
    }
    # The markdown line break (two spaces and a newline) is part of the message.
    if v.approved_by:
        text = _(
            "**{division} {year} · {name}** — scenario {scenario}, status **{status}**, "
            "{origin}; {lines} lines, budgeted net result {result}.  \n"
            "Created by {by} on {at}; approved by {approver}.",
            approver=v.approved_by,
            **facts,
        )
    else:
        text = _(
            "**{division} {year} · {name}** — scenario {scenario}, status **{status}**, "
            "{origin}; {lines} lines, budgeted net result {result}.  \n"
            "Created by {by} on {at}; not approved.",
            **facts,
        )
    st.markdown(text)
    columns = st.columns(len(_ACTIONS))
    for column, (action, (status, label, help_text)) in zip(columns, _ACTIONS.items(), strict=True):
        column.button(
            _(label),
            key=ACTION_KEYS[action],
            disabled=v.status != status,
            help=_(help_text),
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
    if not pct:
        return "0 %"
    number = format_decimal(Decimal(pct), format="+#,##0.0##;-#,##0.0##", locale=current_locale())
    return f"{number} %"


def from_actuals(
    divisions: dict[int, master_data.DivisionChoice], default_year: int, generation: int
) -> None:
    errors = FieldErrors()
    with st.form(f"budget_from_actuals_{generation}"):
        division = st.selectbox(
            _("Division"),
            list(divisions),
            format_func=lambda i: divisions[i].label,
            key=f"bfa_division_{generation}",
        )
        errors.slot("division")
        left, right = st.columns(2)
        year = left.number_input(
            _("Fiscal year"),
            min_value=1901,
            max_value=2199,
            value=default_year,
            step=1,
            key=f"bfa_year_{generation}",
        )
        with left:
            errors.slot("fiscal_year")
        source_year = right.number_input(
            _("Copy the actuals of"),
            min_value=1901,
            max_value=2199,
            value=default_year - 1,
            step=1,
            key=f"bfa_source_year_{generation}",
        )
        with right:
            errors.slot("source_year")
        name = st.text_input(_("Name"), key=f"bfa_name_{generation}")
        errors.slot("name")
        left, right = st.columns(2)
        change = left.number_input(
            _("Change %"),
            value=0.0,
            step=0.5,
            format="%.2f",
            key=f"bfa_change_{generation}",
            help=_("Every amount is the actual times (1 + change / 100), e.g. 5 for +5 %."),
        )
        with left:
            errors.slot("change_pct")
        scenario = right.selectbox(
            _("Scenario"), SCENARIOS, format_func=_scenario, key=f"bfa_scenario_{generation}"
        )
        with right:
            errors.slot("scenario")
        create = st.form_submit_button(_("Create version from actuals"), type="primary")
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
            st.session_state[NEW_NOTICE] = _(
                "Created draft budget **{number}** ({division} {year}) from the {source_year} "
                "actuals {change}.",
                number=posted.document_number,
                division=divisions[division].code,
                year=int(year),
                source_year=int(source_year),
                change=_signed(_change_pct(change)),
            )
            st.session_state[GENERATION] = generation + 1
            st.rerun()


def from_version(by_id: dict[int, VersionRow], generation: int) -> None:
    if not by_id:
        st.info(_("There is no version to copy yet."))
        return
    errors = FieldErrors({"source_version": "source"})
    with st.form(f"budget_from_version_{generation}"):
        source = st.selectbox(
            _("Copy the version"),
            list(by_id),
            format_func=lambda i: _source_label(by_id[i]),
            key=f"bfv_source_{generation}",
        )
        errors.slot("source")
        name = st.text_input(_("Name"), key=f"bfv_name_{generation}")
        errors.slot("name")
        left, middle, right = st.columns(3)
        change = left.number_input(
            _("Change %"),
            value=0.0,
            step=0.5,
            format="%.2f",
            key=f"bfv_change_{generation}",
            help=_("Every amount is the source's times (1 + change / 100)."),
        )
        with left:
            errors.slot("change_pct")
        scenario = middle.selectbox(
            _("Scenario"),
            [SAME, *SCENARIOS],
            format_func=lambda c: _("same as the source") if c == SAME else _scenario(c),
            key=f"bfv_scenario_{generation}",
        )
        with middle:
            errors.slot("scenario")
        year = right.number_input(
            _("Fiscal year"),
            min_value=1901,
            max_value=2199,
            value=None,
            step=1,
            key=f"bfv_year_{generation}",
            placeholder=_("the source's"),
        )
        with right:
            errors.slot("fiscal_year")
        create = st.form_submit_button(_("Create version from version"), type="primary")
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
            st.session_state[NEW_NOTICE] = _(
                "Created draft budget **{number}** from '{source}' {change}.",
                number=posted.document_number,
                source=by_id[int(source)].name,
                change=_signed(_change_pct(change)),
            )
            st.session_state[GENERATION] = generation + 1
            st.rerun()


def new_version(
    divisions: dict[int, master_data.DivisionChoice],
    by_id: dict[int, VersionRow],
    default_year: int,
) -> None:
    st.subheader(_("New version"))
    st.caption(
        _(
            "A new version starts as a draft: submit it, and a manager approves it. Only one "
            "version per division, year and scenario can be approved at a time."
        )
    )
    # Filled last: a version attempted in this run drops the previous one's notice first.
    notice_area = st.container()
    generation = st.session_state.setdefault(GENERATION, 0)
    actuals_tab, version_tab = st.tabs([_("From a year's actuals"), _("From another version")])
    with actuals_tab:
        from_actuals(divisions, default_year, generation)
    with version_tab:
        from_version(by_id, generation)
    notice = st.session_state.get(NEW_NOTICE)
    if notice:
        with notice_area:
            _refresh_notice(notice, "budget_new_refresh")


def main() -> None:
    st.title(_("Budgets"))
    sel: Selection | None = st.session_state.get(sidebar.SELECTION)
    divisions = ledger_divisions()
    if divisions is None:
        return
    try:
        rows = budget_posting.budget_versions(sel.division_ids if sel else ())
    except master_data.LedgerUnavailable as exc:
        # The reads' message, translated where the catalog has it.
        st.warning(_(str(exc)))
        return
    currencies = {d.id: d.currency_code for d in divisions.values()}
    if sel is not None:
        divisions = {i: d for i, d in divisions.items() if i in sel.division_ids} or divisions
    if rows:
        by_id = version_list(rows, currencies)
        approval(by_id, currencies)
    else:
        by_id = {}
        st.info(_("There are no budget versions for these divisions yet."))
    if not signed_in.may("manage_budgets"):
        st.caption(_("Budget versions are made by accountants, managers and administrators."))
        return
    new_version(divisions, by_id, sel.fiscal_year if sel else clock.today().year)


main()
