"""Consolidation form: the group structure, one membership at a time (who holds whom,
how much, from when, at what cost), through ``transactional.consolidation.structure``.

The whole structure can also be loaded from a file (`erp consolidation load-structure`,
docs/consolidation.md section 4).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.forms.form_feedback import GENERAL, NO_DIVISIONS, FieldErrors
from dashboards.forms.submit import ClerkForm
from dashboards.grid_columns import amount_help
from dashboards.language import N_, _, date_input_format
from dashboards.report_table import report_table
from dashboards.signed_in import user_id
from dashboards.writeback import consolidation_posting as writeback
from transactional import clock
from transactional.reads import master_data, wholesale_lookups

FORM = ClerkForm("group_structure")
METHODS = {"full": N_("Full consolidation"), "equity": N_("Equity method (associate)")}
_LABELS = {
    "division_code": N_("Division"),
    "parent_code": N_("Held by"),
    "ownership_pct": N_("Ownership %"),
    "method": N_("Method"),
    "valid_from": N_("Valid from"),
    "valid_to": N_("Valid to"),
    "acquisition_date": N_("Acquisition date"),
    "investment_cost": N_("Investment cost (parent's currency)"),
}


def default_pair(structure: pd.DataFrame, codes: list[str]) -> tuple[str, str | None]:
    """The membership the form opens on: the first division not yet held by anyone (else
    the first held one) and the top of the group as its parent (a parent holding others
    and held by none), so it never proposes a subsidiary holding its own parent. Without
    a structure: the first division, and no parent preferred."""
    held = set() if structure.empty else {str(c) for c in structure["division_code"]}
    parents = [] if structure.empty else [str(c) for c in structure["parent_code"]]
    tops = [c for c in dict.fromkeys(parents) if c not in held and c in codes]
    top = tops[0] if tops else None
    free = [c for c in codes if c not in held and c != top]
    if free:
        return free[0], top
    taken = [c for c in codes if c != top]
    return (taken[0] if taken else codes[0]), top


def main() -> None:
    st.title(_("Group structure"))
    st.caption(
        _(
            "Which division holds which, the share held, and from when: a change of "
            "ownership is a new membership from the day it changes. The investment cost, in "
            "the parent's currency, gives the goodwill."
        )
    )
    FORM.notice()
    structure = writeback.memberships()
    methods = {k: _(v) for k, v in METHODS.items()}
    if structure.empty:
        st.info(_("No membership yet: the first one below starts the group."))
    else:
        # Dates as dates (the user's format), not Python date objects read as text.
        days = ("valid_from", "valid_to", "acquisition_date")
        report_table(
            structure.assign(**{c: pd.to_datetime(structure[c]) for c in days}),
            key="group_structure_members",
            file_name="group_structure",
            title=_("Group structure"),
            labels={k: _(v) for k, v in _LABELS.items()},
            values={"method": methods},
            filters={
                _("Divisions"): ", ".join(
                    sorted({*structure["division_code"], *structure["parent_code"]})
                ),
                _("Currency"): _("investment costs in each parent's currency"),
                _("Fiscal year"): None,
                _("Through period"): None,
            },
        )
    errors = FieldErrors()
    divisions = {d.code: d for d in wholesale_lookups.user_divisions(user_id(), "consolidate")}
    if not divisions:
        if not master_data.divisions():
            st.info(_(NO_DIVISIONS))
        else:
            st.info(
                _("You may not maintain the group structure in any division; ask an administrator.")
            )
        return
    generation = FORM.generation
    held, top = default_pair(structure, list(divisions))
    left, right = st.columns(2)
    division = left.selectbox(
        _("Division (held)"),
        list(divisions),
        index=list(divisions).index(held),
        format_func=lambda c: divisions[c].label,
        key=f"group_structure_division_{generation}",
    )
    errors.slot("division")
    parents = [c for c in divisions if c != division]
    parent = right.selectbox(
        _("Held by (parent)"),
        parents,
        index=parents.index(top) if top in parents else 0,
        format_func=lambda c: divisions[c].label,
        key=f"group_structure_parent_{generation}",
    )
    errors.slot("parent")
    if parent is None:
        st.info(_("A membership needs a second division, the parent."))
        return
    accounts = master_data.accounts(divisions[parent].id, include_control=True)
    account_labels = {a.code: a.label for a in accounts}
    with st.form(f"group_structure_form_{generation}"):
        first, second = st.columns(2)
        ownership = first.text_input(
            _("Ownership %"),
            key=f"group_structure_pct_{generation}",
            help=_("The parent's direct share, above 0 and at most 100."),
        )
        errors.slot("ownership_pct")
        method = second.radio(
            _("Method"),
            list(methods),
            format_func=methods.__getitem__,
            horizontal=True,
            key=f"group_structure_method_{generation}",
        )
        errors.slot("method")
        valid_from = first.date_input(
            _("Valid from"),
            value=clock.today(),
            format=date_input_format(),
            key=f"group_structure_from_{generation}",
        )
        errors.slot("valid_from")
        valid_to = second.date_input(
            _("Valid to (empty: open-ended)"),
            value=None,
            format=date_input_format(),
            key=f"group_structure_to_{generation}",
        )
        errors.slot("valid_to")
        acquired = first.date_input(
            _("Acquisition date (empty: valid from)"),
            value=None,
            format=date_input_format(),
            key=f"group_structure_acquired_{generation}",
        )
        errors.slot("acquisition_date")
        cost = second.text_input(
            _("Investment cost ({currency})", currency=divisions[parent].currency_code),
            key=f"group_structure_cost_{generation}",
            help=amount_help(),
        )
        errors.slot("investment_cost")
        account = st.selectbox(
            _("Investment account (the parent's)"),
            list(account_labels),
            index=None,
            format_func=account_labels.__getitem__,
            key=f"group_structure_account_{generation}",
            placeholder=_("Needed with an investment cost"),
        )
        errors.slot("investment_account")
        save = st.form_submit_button(_("Save membership"), type="primary")
        errors.slot(GENERAL)
    if save:
        FORM.submit(
            lambda uid: writeback.set_membership(
                user_id=uid,
                division=str(division),
                parent=str(parent),
                ownership_pct=ownership,
                method=str(method),
                valid_from=valid_from,  # type: ignore[arg-type]
                valid_to=valid_to,  # type: ignore[arg-type]
                acquisition_date=acquired,  # type: ignore[arg-type]
                investment_cost=cost,
                investment_account=account or "",
            ),
            errors,
        )


main()
