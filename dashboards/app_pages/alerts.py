"""Alerts: what needs attention now (from the warehouse), and the thresholds behind them
(read and written live in the ledger, through :mod:`dashboards.writeback.budget_posting`)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from dashboards import sidebar, signed_in
from dashboards.amounts import format_day, format_quantity
from dashboards.forms.form_feedback import GENERAL, FieldErrors, ledger_divisions, refresh_warehouse
from dashboards.grid_columns import pick_column
from dashboards.language import N_, _, current_locale, error_text
from dashboards.queries import budgets
from dashboards.report_cache import cached
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse
from dashboards.writeback import budget_posting
from dashboards.writeback.clerk_posting import text
from transactional.errors import DomainError
from transactional.reads import master_data

DIVISION_KEY = "alert_division"
NOTICE = "alert_notice"
GENERATION = "alert_generation"
BLANK_ROWS = 3
GRID_COLUMNS = ("customer", "limit")

# Column headings and helps: message ids, shown through _().
_LABELS = {
    "division_code": N_("Division"),
    "currency_code": N_("Currency"),
    "relation_code": N_("Customer"),
    "relation_name": N_("Customer name"),
    "document_number": N_("Invoice"),
    "version_name": N_("Budget version"),
    "account_code": N_("Account"),
    "days_overdue": N_("Days overdue"),
    "message": N_("Alert"),
}
# Per kind: the columns shown and what its amount and threshold mean. Not the mart's
# ``message``: an English sentence of the same figures, which these columns show in the
# user's language and number format.
_SHOWN: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "customer_over_limit": (
        (
            "division_code",
            "currency_code",
            "relation_code",
            "relation_name",
            "amount",
            "threshold",
            "days_overdue",
        ),
        {
            "amount": N_("Overdue"),
            "threshold": N_("Limit"),
            "days_overdue": N_("Oldest item, days overdue"),
        },
    ),
    "invoice_past_due": (
        (
            "division_code",
            "currency_code",
            "relation_code",
            "relation_name",
            "document_number",
            "amount",
            "days_overdue",
        ),
        {"amount": N_("Open")},
    ),
    "budget_overrun": (
        (
            "division_code",
            "currency_code",
            "version_name",
            "account_code",
            "amount",
            "threshold",
        ),
        {"amount": N_("Overrun year to date"), "threshold": N_("Overrun allowed")},
    ),
}
_HELP = {
    "customer_over_limit": N_(
        "Customers whose overdue receivables are above their overdue limit (their own, else "
        "the division's default)."
    ),
    "invoice_past_due": N_("Open sales invoices past their due date."),
    "budget_overrun": N_(
        "Accounts of an approved budget whose year-to-date actual is worse than budgeted "
        "(more cost or less revenue) by more than the division's overrun %."
    ),
}


def current_alerts(wh: PublishedWarehouse, sel: Selection) -> None:
    found = cached(budgets.alerts)(wh, sel)
    as_of = budgets.as_of_date(wh)
    when = format_day(as_of) if as_of is not None else _("the last refresh")
    st.caption(
        _(
            "As of {when} (the last warehouse refresh); amounts in each division's own currency.",
            when=when,
        )
    )
    columns = st.columns(len(budgets.ALERT_KINDS))
    for column, (kind, label) in zip(columns, budgets.ALERT_KINDS.items(), strict=True):
        count = int((found["alert_kind"] == kind).sum())
        column.metric(_(label), format_quantity(count), help=_(_HELP[kind]))
    for kind, label in budgets.ALERT_KINDS.items():
        shown, headings = _SHOWN[kind]
        rows = found[found["alert_kind"] == kind][list(shown)].reset_index(drop=True)
        st.markdown(_("**{kind}** ({count})", kind=_(label), count=format_quantity(len(rows))))
        report_table(
            rows,
            key=f"alerts_{kind}",
            file_name=f"alerts_{kind}",
            title=_(label),
            labels={c: _(h) for c, h in {**_LABELS, **headings}.items()},
            # Alerts stand as of the refresh, each in its division's own currency: the
            # sidebar's currency, year and period would misstate what the file holds.
            filters={
                _("Currency"): _("each division's own"),
                _("Fiscal year"): None,
                _("Through period"): None,
                _("As of"): when,
            },
        )


def _amount(value: Decimal | None) -> str:
    """A stored threshold as the user types it: their decimal mark, no thousands
    separators (``5000,00`` in Dutch and French, ``5000.00`` in English)."""
    if value is None:
        return ""
    return format_decimal(value, format="0.00", locale=current_locale())


def _saved(message: str) -> None:
    st.session_state[NOTICE] = message
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.rerun()


def _overrun_form(division: master_data.DivisionChoice, current: Decimal | None, gen: int) -> None:
    errors = FieldErrors()
    with st.form(f"alert_overrun_form_{division.id}_{gen}"):
        pct = st.text_input(
            _("Budget overrun alert (%)"),
            value=_amount(current),
            key=f"alert_overrun_pct_{division.id}_{gen}",
            help=_(
                "Alert when an account of an approved budget is worse than budgeted by more "
                "than this percentage of its year-to-date budget."
            ),
        )
        errors.slot("pct")
        save = st.form_submit_button(_("Save overrun %"))
        errors.slot(GENERAL)
    if save:
        st.session_state.pop(NOTICE, None)
        try:
            budget_posting.set_budget_overrun_pct(
                user_id=signed_in.user_id(),
                division_id=division.id,
                pct=pct,
            )
        except DomainError as err:
            errors.show(err)
        else:
            _saved(
                _(
                    "Saved the budget overrun alert of {division}: {pct} %.",
                    division=division.code,
                    pct=pct.strip(),
                )
            )


def _default_limit_form(
    division: master_data.DivisionChoice, current: Decimal | None, gen: int
) -> None:
    errors = FieldErrors()
    with st.form(f"alert_default_limit_form_{division.id}_{gen}"):
        limit = st.text_input(
            _("Overdue limit, division default ({currency})", currency=division.currency_code),
            value=_amount(current),
            key=f"alert_default_limit_{division.id}_{gen}",
            help=_("Alert when a customer without a limit of its own has more than this overdue."),
        )
        errors.slot("limit")
        save = st.form_submit_button(_("Save default limit"))
        errors.slot(GENERAL)
    if save:
        st.session_state.pop(NOTICE, None)
        try:
            budget_posting.set_overdue_limit(
                user_id=signed_in.user_id(),
                division_id=division.id,
                customer=None,
                limit=limit,
            )
        except DomainError as err:
            errors.show(err)
        else:
            _saved(
                _(
                    "Saved the default overdue limit of {division}: {limit} {currency}.",
                    division=division.code,
                    limit=limit.strip(),
                    currency=division.currency_code,
                )
            )


def customer_grid(settings: list[budget_posting.AlertSettingRow]) -> pd.DataFrame:
    """The customers' own limits as grid rows, then a few blank rows for new ones."""
    own = [
        (s.relation_code, _amount(s.value))
        for s in settings
        if s.kind == "overdue_limit" and s.relation_code is not None
    ]
    rows = own + [(None, None)] * BLANK_ROWS
    return pd.DataFrame(rows, columns=list(GRID_COLUMNS), dtype="object")


def changed_limits(
    grid: pd.DataFrame, settings: list[budget_posting.AlertSettingRow]
) -> list[tuple[int, str, str]]:
    """The grid rows to save: (row number from 1, customer code, limit as typed).

    Rows left blank or unchanged are skipped; a limit without a customer is kept (with an
    empty code) so the page can ask for the customer.
    """
    current = {
        s.relation_code: s.value
        for s in settings
        if s.kind == "overdue_limit" and s.relation_code is not None
    }
    rows = []
    for n, (_index, row) in enumerate(grid.iterrows(), start=1):
        code, limit = text(row.get("customer")), text(row.get("limit"))
        if not code and not limit:
            continue
        if code in current and limit == _amount(current[code]):
            continue
        rows.append((n, code, limit))
    return rows


def _customer_limits_form(
    division: master_data.DivisionChoice,
    settings: list[budget_posting.AlertSettingRow],
    gen: int,
) -> None:
    errors = FieldErrors({"customer": "limits", "limit": "limits"})
    customers = master_data.relations(division.id, ("customer",))
    with st.form(f"alert_customer_limits_form_{division.id}_{gen}"):
        st.markdown(
            _("**Overdue limits per customer** ({currency})", currency=division.currency_code)
        )
        grid = st.data_editor(
            customer_grid(settings),
            key=f"alert_customer_limits_{division.id}_{gen}",
            num_rows="add",
            hide_index=True,
            column_config={
                "customer": pick_column(_("Customer"), customers, width="large"),
                "limit": st.column_config.TextColumn(
                    _("Overdue limit ({currency})", currency=division.currency_code),
                    help=_("e.g. 5000 or 5000,00"),
                ),
            },
        )
        errors.slot("limits")
        save = st.form_submit_button(_("Save customer limits"))
        errors.slot(GENERAL)
    if not save:
        return
    st.session_state.pop(NOTICE, None)
    rows = changed_limits(grid, settings)
    missing = [n for n, code, _limit in rows if not code]
    if missing:
        # Checked before anything is saved: an empty customer would mean the default.
        errors.show(
            DomainError(
                N_("Row {n}: pick the customer the limit is for. Nothing was saved."),
                field="limits",
                n=missing[0],
            )
        )
        return
    saved: list[str] = []
    for n, code, limit in rows:
        try:
            budget_posting.set_overdue_limit(
                user_id=signed_in.user_id(),
                division_id=division.id,
                customer=code,
                limit=limit,
            )
        except DomainError as err:
            # The service's refusal in the user's language (a parameter of this message),
            # then what was saved before it; shown under the grid like any refusal.
            if saved:
                errors.show(
                    DomainError(
                        N_("Row {n} ({code}): {refusal} Saved before it: {codes}."),
                        field="limits",
                        n=n,
                        code=code,
                        refusal=error_text(err),
                        codes=", ".join(saved),
                    )
                )
            else:
                errors.show(
                    DomainError(
                        N_("Row {n} ({code}): {refusal} Nothing was saved."),
                        field="limits",
                        n=n,
                        code=code,
                        refusal=error_text(err),
                    )
                )
            return
        saved.append(code)
    if saved:
        _saved(
            _(
                "Saved the overdue limits of {codes} ({division}).",
                codes=", ".join(saved),
                division=division.code,
            )
        )
    else:
        st.info(_("Nothing changed in the grid."))


def _notice() -> None:
    notice = st.session_state.get(NOTICE)
    if not notice:
        return
    st.success(
        _(
            "{notice} The alerts reflect it after the next warehouse refresh (`erp refresh`).",
            notice=notice,
        ),
        icon=":material/check_circle:",
    )
    if st.button(_("Refresh warehouse now"), key="alert_refresh", icon=":material/sync:"):
        refresh_warehouse()


def thresholds(sel: Selection | None) -> None:
    st.subheader(_("Thresholds"))
    st.caption(
        _(
            "Live from the ledger. The alerts above reflect new thresholds after the next "
            "warehouse refresh."
        )
    )
    # Filled last: a save attempted in this run drops the previous save's notice first.
    notice_area = st.container()
    divisions = ledger_divisions()
    if divisions is None:
        return
    if sel is not None:
        divisions = {i: d for i, d in divisions.items() if i in sel.division_ids} or divisions
    division_id = st.selectbox(
        _("Division"), list(divisions), format_func=lambda i: divisions[i].label, key=DIVISION_KEY
    )
    division = divisions[int(division_id)]
    settings = budget_posting.alert_settings(division.id)
    default_limit = next(
        (s.value for s in settings if s.kind == "overdue_limit" and s.relation_code is None), None
    )
    overrun = next((s.value for s in settings if s.kind == "budget_overrun_pct"), None)
    gen = st.session_state.setdefault(GENERATION, 0)
    left, right = st.columns(2)
    with left:
        _default_limit_form(division, default_limit, gen)
    with right:
        _overrun_form(division, overrun, gen)
    _customer_limits_form(division, settings, gen)
    with notice_area:
        _notice()


def main() -> None:
    st.title(_("Alerts"))
    wh: PublishedWarehouse | None = st.session_state.get(sidebar.WAREHOUSE)
    sel: Selection | None = st.session_state.get(sidebar.SELECTION)
    if wh is None:
        st.info(_(sidebar.NOT_PUBLISHED))
    elif sel is None:
        st.info(_("Pick divisions in the sidebar."))
    else:
        current_alerts(wh, sel)
    if not signed_in.may("manage_alerts"):
        st.caption(_("Alert thresholds are set by accountants, managers and administrators."))
        return
    try:
        thresholds(sel)
    except master_data.LedgerUnavailable as exc:
        # The reads' message, translated where the catalog has it.
        st.warning(_(str(exc)))


main()
