"""Consolidation form: map a division's account to the group chart, through
``transactional.consolidation.group_chart.map_account``, with the accounts still
unmapped listed first (the refresh will not consolidate while there are any)."""

from __future__ import annotations

import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors
from dashboards.forms.submit import ClerkForm, attempt
from dashboards.language import N_, _, ngettext
from dashboards.report_table import report_table
from dashboards.signed_in import user_id
from dashboards.writeback import consolidation_posting as writeback
from transactional.reads import master_data, wholesale_lookups

FORM = ClerkForm("account_mapping")
EVERY = ""
INSTALLED = "account_mapping_installed"
UNMAPPED_KEY = "account_mapping_unmapped"
_LABELS = {
    "division_code": N_("Division"),
    "account_code": N_("Account"),
    "account_name": N_("Account name"),
    "lines": N_("Ledger lines"),
}


def _picked(codes: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The (division, account) of the row picked in the unmapped list, which fills the
    form below; none picked: (None, None)."""
    state = st.session_state.get(UNMAPPED_KEY) or {}
    rows = (state.get("selection") or {}).get("rows") or []
    if rows and rows[0] < len(codes):
        return codes[rows[0]]
    return None, None


def main() -> None:
    st.title(_("Account mapping"))
    st.caption(
        _(
            "Every account with ledger lines must map to a group account. A mapping without "
            "a division holds for every division using that (shared) account; one for a "
            "division overrides it there."
        )
    )
    FORM.notice()
    installed = st.session_state.pop(INSTALLED, None)
    if installed is not None:
        st.success(
            _("Installed the standard group chart: {count} group accounts.", count=installed),
            icon=":material/check_circle:",
        )
    divisions = {d.code: d for d in wholesale_lookups.user_divisions(user_id(), "consolidate")}
    if not divisions:
        st.info(_("You may not maintain the group chart in any division; ask an administrator."))
        return
    unmapped = writeback.unmapped({d.id for d in divisions.values()})
    codes = [(str(r.division_code), str(r.account_code)) for r in unmapped.itertuples()]
    if unmapped.empty:
        st.success(_("Every account with ledger lines is mapped."), icon=":material/check_circle:")
    else:
        st.warning(
            ngettext(
                "{n} account with ledger lines is not mapped — pick it to map it below.",
                "{n} accounts with ledger lines are not mapped — pick one to map it below.",
                len(unmapped),
            )
        )
        report_table(
            unmapped,
            key=UNMAPPED_KEY,
            file_name="unmapped_accounts",
            title=_("Unmapped accounts"),
            labels={k: _(v) for k, v in _LABELS.items()},
            on_select=lambda: None,
            filters={
                _("Divisions"): ", ".join(divisions),
                _("Currency"): _("no amounts"),
                _("Fiscal year"): None,
                _("Through period"): None,
            },
        )
    picked_division, picked_account = _picked(codes)
    errors = FieldErrors()
    generation = FORM.generation
    choices = [EVERY, *divisions]
    division = st.selectbox(
        _("Division"),
        choices,
        index=choices.index(picked_division) if picked_division in choices else 0,
        format_func=lambda c: divisions[c].label if c else _("Every division using the account"),
        key=f"account_mapping_division_{generation}_{picked_division}",
    )
    errors.slot("division")
    scope = divisions[division].id if division else next(iter(divisions.values())).id
    accounts = {a.code: a.label for a in master_data.accounts(scope, include_control=True)}
    group_accounts = {a.code: a.label for a in writeback.group_accounts()}
    if not group_accounts:
        st.info(
            _(
                "The group chart is empty. The standard group chart has every account the "
                "consolidation needs and maps every account of the standard chart."
            )
        )
        if st.button(_("Install the standard group chart"), key="account_mapping_install"):
            created = attempt(lambda uid: writeback.install_group_chart(user_id=uid), errors)
            if created is not None:
                st.session_state[INSTALLED] = created
                st.rerun()
        errors.slot(GENERAL)
        return
    with st.form(f"account_mapping_form_{generation}"):
        account_codes = list(accounts)
        account = st.selectbox(
            _("Account"),
            account_codes,
            index=account_codes.index(picked_account) if picked_account in accounts else None,
            format_func=accounts.__getitem__,
            key=f"account_mapping_account_{generation}_{picked_account}",
        )
        errors.slot("account")
        group_account = st.selectbox(
            _("Group account"),
            list(group_accounts),
            index=None,
            format_func=group_accounts.__getitem__,
            key=f"account_mapping_group_{generation}",
        )
        errors.slot("group_account")
        save = st.form_submit_button(_("Save mapping"), type="primary")
        errors.slot(GENERAL)
    if save:
        FORM.submit(
            lambda uid: writeback.map_account(
                user_id=uid,
                account=account or "",
                group_account=group_account or "",
                division=division or None,
            ),
            errors,
        )


main()
