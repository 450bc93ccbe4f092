"""Manufacturing form: import the files a manufacturer brings (docs/manufacturing.md
section 7): work centres, items, bills of materials, routings, a sales plan and opening
stock, CSV or Excel. First a dry run listing what would be created and changed (nothing
written), then, confirmed, the load through the same service; loading the same file
again changes nothing."""

from __future__ import annotations

import hashlib

import streamlit as st

from dashboards.forms.form_feedback import GENERAL, FieldErrors, pick_division
from dashboards.forms.submit import ClerkForm, attempt
from dashboards.language import N_, _, date_input_format
from dashboards.report_table import report_table
from dashboards.writeback import manufacturing_posting as writeback
from dashboards.writeback.clerk_posting import Posted
from transactional import clock

FORM = ClerkForm("manufacturing_import")
PREVIEW = "manufacturing_import_preview"
ACTIONS = {
    "create": N_("create"),
    "update": N_("update"),
    "unchanged": N_("unchanged"),
    "remove": N_("remove"),
    "add": N_("add"),
}
LABELS = {
    "row": N_("Row"),
    "record": N_("Record"),
    "action": N_("Change"),
    "detail": N_("What"),
    "item_code": N_("Item"),
    "warehouse": N_("Warehouse"),
    "lot": N_("Lot"),
    "on_hand": N_("On hand"),
    "file_quantity": N_("In the file"),
    "difference": N_("Difference"),
    "stock_value": N_("Value"),
}


def main() -> None:
    st.title(_("Manufacturing import"))
    st.caption(
        _(
            "CSV (; or ,) or Excel (the first sheet) with a header row, one row per record; "
            "docs/manufacturing.md section 7 lists the columns of each kind. Load them in "
            "this order: work centres, items, bills of materials, routings, sales plan, "
            "opening stock. Check the file first: the dry run lists what would change and "
            "writes nothing; a bad row is named and nothing is loaded."
        )
    )
    FORM.notice()
    errors = FieldErrors({"on": "on"})
    division = pick_division("manufacturing_import_division", "manufacture", errors)
    if division is None:
        return
    kind = st.selectbox(
        _("Kind of file"),
        list(writeback.IMPORT_KINDS),
        format_func=lambda k: _(writeback.IMPORT_KINDS[k]),
        key="manufacturing_import_kind",
    )
    errors.slot("kind")
    on = None
    if kind in ("opening-stock", "items"):
        on = st.date_input(
            _("Posting date"),
            value=clock.today(),
            format=date_input_format(),
            key="manufacturing_import_on",
            help=_(
                "Opening stock is posted on this day; a changed standard cost revalues the "
                "stock on hand on it."
            ),
        )
        errors.slot("on")
    upload = st.file_uploader(
        _("File"),
        type=["csv", "xlsx"],
        key=f"manufacturing_import_file_{FORM.generation}",
    )
    errors.slot("file")
    errors.slot("rows")
    errors.slot(GENERAL)
    if upload is None:
        st.session_state.pop(PREVIEW, None)
        return
    content = upload.getvalue()
    wanted = (division.code, kind, str(on), upload.name, hashlib.sha256(content).hexdigest())

    def load(dry_run: bool):  # type: ignore[no-untyped-def]
        return lambda uid: writeback.import_file(
            user_id=uid,
            kind=str(kind),
            division=division.code,
            content=content,
            file_name=upload.name,
            on=on,  # type: ignore[arg-type]
            dry_run=dry_run,
        )

    if st.button(
        _("Check the file"), key="manufacturing_import_check", icon=":material/fact_check:"
    ):
        preview = attempt(load(True), errors)
        st.session_state[PREVIEW] = (wanted, preview) if preview is not None else None
    held = st.session_state.get(PREVIEW)
    if not held or held[0] != wanted:
        return
    preview = held[1]
    if preview.changed == 0:
        st.info(
            _(
                "Everything in this file is already in {division}: loading it changes nothing.",
                division=division.code,
            )
        )
        return
    st.markdown(
        _(
            "**What the load would do** in {division}: {n} changes (nothing is written yet).",
            division=division.code,
            n=preview.changed,
        )
    )
    report_table(
        preview.changes,
        key="manufacturing_import_changes",
        file_name=f"manufacturing_import_{kind}",
        title=_("Import preview: {kind}", kind=_(writeback.IMPORT_KINDS[str(kind)])),
        labels={k: _(v) for k, v in LABELS.items()},
        values={"action": {k: _(v) for k, v in ACTIONS.items()}},
        filters={
            _("Divisions"): division.code,
            _("Currency"): division.currency_code,
            _("Fiscal year"): None,
            _("Through period"): None,
            _("Kind of file"): _(writeback.IMPORT_KINDS[str(kind)]),
            _("File"): upload.name,
        },
    )
    if st.button(_("Load"), type="primary", key="manufacturing_import_load"):
        st.session_state.pop(PREVIEW, None)
        FORM.submit(
            load(False),
            errors,
            posted=lambda done: Posted(
                done.document_number or upload.name,
                N_("import"),
            ),
        )


main()
