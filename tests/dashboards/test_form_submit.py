"""The one submit loop of the clerk forms (dashboards.forms.submit), on a page of its own:
a refusal lands under the field it names and nothing else is shown or kept; a success is
shown once, with its number, and the form starts afresh.

The page's write-back is a plain function standing in for a service call: what is under
test is what the form does with a refusal or a posted document, not the posting.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import input_above


def _page() -> None:
    import streamlit as st

    from dashboards.forms.form_feedback import GENERAL, FieldErrors
    from dashboards.forms.submit import ClerkForm
    from dashboards.writeback.clerk_posting import Posted
    from transactional.errors import ValidationError

    form = ClerkForm("probe")
    form.notice()
    errors = FieldErrors({"entry_date": "amount"})
    generation = form.generation
    reference = st.text_input("Reference", key=f"probe_reference_{generation}")
    errors.slot("reference")
    amount = st.text_input("Amount", key=f"probe_amount_{generation}")
    errors.slot("amount")
    post = st.button("Post", key=f"probe_post_{generation}")
    errors.slot(GENERAL)

    def post_probe(user_id: int | None) -> Posted:
        st.session_state["probe_calls"] = st.session_state.get("probe_calls", 0) + 1
        if not reference:
            raise ValidationError("Type the reference.", field="reference")
        if amount == "bad date":
            # A service field the form knows under another name (the alias).
            raise ValidationError("Not a date.", field="entry_date")
        if amount == "boom":
            raise ValidationError("The period is closed.", field="period")
        return Posted(f"P-{reference}-{user_id}", "probe document")

    if post:
        form.submit(post_probe, errors, keep=lambda posted: {"probe_kept": posted.what})


def _open() -> AppTest:
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["signed_in_user_id"] = 7
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _post(at: AppTest) -> None:
    at.button(key=f"probe_post_{at.session_state['probe_generation']}").click().run()
    assert not at.exception, [e.message for e in at.exception]


def test_a_refusal_is_shown_under_its_field_and_nothing_else() -> None:
    at = _open()
    at.text_input(key="probe_amount_0").input("12")
    _post(at)
    assert [e.value for e in at.error] == ["Type the reference."]
    assert input_above(at, at.error[0]).label == "Reference"
    assert not at.success
    assert at.session_state["probe_generation"] == 0  # the typed input stays
    assert at.text_input(key="probe_amount_0").value == "12"
    assert "probe_posted" not in at.session_state and "probe_kept" not in at.session_state

    # A field the form knows by another name, and one it has no slot for (general slot,
    # under the button).
    at.text_input(key="probe_reference_0").input("R1")
    at.text_input(key="probe_amount_0").input("bad date")
    _post(at)
    assert [e.value for e in at.error] == ["Not a date."]
    assert input_above(at, at.error[0]).label == "Amount"
    at.text_input(key="probe_amount_0").input("boom")
    _post(at)
    assert [e.value for e in at.error] == ["The period is closed."]
    nodes = list(at.main)
    assert nodes.index(at.error[0]) > nodes.index(at.button(key="probe_post_0"))
    assert not at.success


def test_a_success_shows_the_number_once_and_starts_a_fresh_form() -> None:
    at = _open()
    at.text_input(key="probe_reference_0").input("R1")
    at.text_input(key="probe_amount_0").input("12")
    _post(at)
    assert not at.error
    assert at.session_state["probe_calls"] == 1  # posted once, not again on the rerun
    shown = [s.value for s in at.success]
    assert len(shown) == 1 and shown[0].count("P-R1-7") == 1
    assert "probe document" in shown[0] and "erp refresh" in shown[0]
    assert any(b.label == "Refresh warehouse now" for b in at.button)
    assert at.session_state["probe_kept"] == "probe document"
    # A fresh form: new keys, empty inputs.
    assert at.session_state["probe_generation"] == 1
    assert at.text_input(key="probe_reference_1").value == ""

    # Another run (any widget) shows the same notice once more, not twice.
    at.run()
    assert len(at.success) == 1
    assert at.session_state["probe_calls"] == 1
