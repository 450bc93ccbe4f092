"""The Audit trail page, its reads and the ledger drill's audit rows.

Postings go through the real services into a copy of the demo ledger; the page and the
drill read them back. A user scoped to some divisions must not receive a row of another
division, on screen or in the workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlmodel import select
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboards import audit_drill
from tests.dashboards.apptest_helpers import open_page, report_frame
from tests.dashboards.conftest import Company
from transactional.database import make_engine, session_scope
from transactional.errors import SignInRefused
from transactional.finance.posting import EntryDraft, LineDraft, post_entry
from transactional.organisation import sign_in
from transactional.organisation import users as user_services
from transactional.organisation.models import Division, User
from transactional.reads import audit_trail

PAGE = "app_pages/audit_trail.py"
CHANGES = "audit_changes"
SIGN_INS = "audit_sign_ins"


@pytest.fixture
def workbooks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """What each download button would build, by the button's key: the deferred
    callable Streamlit keeps until a browser asks (as tests/dashboards/test_downloads)."""
    made: dict[str, Callable[[], Any]] = {}
    register = MediaFileManager.add_deferred

    def note(
        self: MediaFileManager,
        data_callable: Callable[[], Any],
        mimetype: str | None,
        coordinates: str,
        file_name: str | None = None,
        *,
        element_id: str = "",
    ) -> str:
        made[file_name or ""] = data_callable
        return register(
            self, data_callable, mimetype, coordinates, file_name, element_id=element_id
        )

    monkeypatch.setattr(MediaFileManager, "add_deferred", note)
    return made


def _sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(BytesIO(data)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def _post(url: str, username: str, division: str, description: str, amount: str) -> int:
    """A rent entry posted by ``username`` in ``division``; its id."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            user = s.exec(select(User).where(User.username == username)).one()
            entry = post_entry(
                session=s,
                user=user,
                entry=EntryDraft(
                    division=division,
                    journal="MEM",
                    entry_date=date(2026, 3, 10),
                    description=description,
                    lines=[
                        LineDraft(account="4300", debit=amount),
                        LineDraft(account="1100", credit=amount),
                    ],
                ),
            )
            assert entry.id is not None
            return entry.id
    finally:
        engine.dispose()


def _as_admin(url: str, change: Callable[[Any, User], object]) -> None:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            change(s, s.exec(select(User).where(User.username == "admin")).one())
    finally:
        engine.dispose()


def _division_id(url: str, code: str) -> int:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            found = s.exec(select(Division.id).where(Division.code == code)).one()
            assert found is not None
            return found
    finally:
        engine.dispose()


def _field(frame: pd.DataFrame, table: str, key: int | str, field: str) -> tuple[str, str]:
    rows = frame[
        (frame["table_name"] == table)
        & (frame["record_key"] == str(key))
        & (frame["field"] == field)
    ]
    assert len(rows) == 1, (table, key, field, frame.to_string())
    return rows.iloc[0]["old"], rows.iloc[0]["new"]


# --- the page ------------------------------------------------------------------------------


def test_a_linked_entry_shows_its_audit_rows_with_values(app_env: Company) -> None:
    entry_id = _post(app_env.url, "clerk8", "HOLD", "Rent for the audit", "250.00")
    at = open_page(PAGE)
    at.query_params["table"] = "journal_entry"
    at.query_params["key"] = str(entry_id)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="audit_table").value == "journal_entry"
    assert at.text_input(key="audit_record").value == str(entry_id)
    frame = report_frame(at, CHANGES)
    assert set(frame["table_name"]) == {"journal_entry"}
    assert set(frame["record_key"]) == {str(entry_id)}
    assert set(frame["username"]) == {"clerk8"} and set(frame["action"]) == {"created"}
    assert _field(frame, "journal_entry", entry_id, "description") == ("", "Rent for the audit")
    assert _field(frame, "journal_entry", entry_id, "entry_date") == ("", "2026-03-10")
    assert "Showing the latest 1 of 1 changes." in " ".join(c.value for c in at.caption)

    # The entry's lines, one row per field of each line.
    at.selectbox(key="audit_table").select("journal_line").run()
    lines = report_frame(at, CHANGES)
    assert _field(lines, "journal_line", entry_id, "line 1: amount_base") == ("", "250.00")
    assert _field(lines, "journal_line", entry_id, "line 2: amount_base") == ("", "-250.00")


def test_a_change_shows_the_old_and_the_new_value(app_env: Company) -> None:
    _as_admin(
        app_env.url,
        lambda s, admin: user_services.set_role(
            session=s, user=admin, username="clerk1", role="accountant"
        ),
    )
    at = open_page(PAGE)
    at.selectbox(key="audit_table").select("app_user").run()
    at.text_input(key="audit_record").input(str(app_env.user("clerk1"))).run()
    frame = report_frame(at, CHANGES)
    changed = frame[(frame["action"] == "changed") & (frame["field"] == "role")]
    assert list(zip(changed["old"], changed["new"], changed["username"], strict=True)) == [
        ("clerk", "accountant", "admin")
    ]


def test_the_user_filter_narrows_the_rows(app_env: Company) -> None:
    _post(app_env.url, "clerk8", "HOLD", "Rent by clerk8", "100.00")
    _post(app_env.url, "clerk1", "NL01", "Rent by clerk1", "100.00")
    at = open_page(PAGE)
    everyone = report_frame(at, CHANGES)
    assert {"clerk8", "clerk1"} <= set(everyone["username"])
    at.selectbox(key="audit_user").select(app_env.user("clerk8")).run()
    narrowed = report_frame(at, CHANGES)
    assert set(narrowed["username"]) == {"clerk8"}
    assert "Rent by clerk8" in set(narrowed["new"])
    assert "Rent by clerk1" not in set(narrowed["new"])


def test_a_scoped_user_sees_no_row_of_another_division(
    app_env: Company, workbooks: dict[str, Callable[[], Any]]
) -> None:
    hold_entry = _post(app_env.url, "clerk8", "HOLD", "Rent in the holding", "300.00")
    nl_entry = _post(app_env.url, "clerk1", "NL01", "Rent in the Netherlands", "400.00")
    # accountant_be may see HOLD and UK01 (and reads the app in French).
    at = open_page(PAGE, user="accountant_be")
    at.selectbox(key="audit_limit").select(2000).run()
    assert not at.exception, [e.message for e in at.exception]
    frame = report_frame(at, CHANGES)
    entries = frame[frame["table_name"].isin(["journal_entry", "journal_line"])]
    assert str(hold_entry) in set(entries["record_key"])
    assert str(nl_entry) not in set(entries["record_key"])
    assert "Rent in the Netherlands" not in set(frame["new"])
    # Nothing whose division cannot be told: no user records, no currencies.
    assert not {"app_user", "currency", "exchange_rate"} & set(frame["table_name"])
    # Every row shown is of a record in HOLD or UK01, as the reads find it.
    allowed = frozenset({_division_id(app_env.url, "HOLD"), _division_id(app_env.url, "UK01")})
    found = audit_trail.audit_rows(audit_trail.AuditFilter(divisions=allowed), limit=2000)
    assert len(found.rows) == min(found.total, 2000) and found.total > 0
    assert {r.id for r in found.rows} >= {
        r.id for r in audit_trail.entry_audit(hold_entry, divisions=allowed)
    }
    assert not audit_trail.entry_audit(nl_entry, divisions=allowed)
    for row in found.rows:
        for value in (row.old_value, row.new_value):
            records = value if isinstance(value, list) else [value]
            named = {
                r["division_id"] for r in records if isinstance(r, dict) and "division_id" in r
            }
            assert named <= allowed, (row.table_name, row.record_key, named)
    # The workbook holds the same rows, and no row of NL01.
    rows = _sheet_rows(workbooks["audit_trail.xlsx"]())
    cells = {str(c) for row in rows for c in row if c is not None}
    assert "Rent in the holding" in cells
    assert "Rent in the Netherlands" not in cells
    assert "Noordwind Nederland B.V." not in cells


def test_the_workbook_holds_the_rows_and_the_filters(
    app_env: Company, workbooks: dict[str, Callable[[], Any]]
) -> None:
    entry_id = _post(app_env.url, "clerk8", "HOLD", "Rent to download", "120.00")
    at = open_page(PAGE)
    at.selectbox(key="audit_table").select("journal_entry").run()
    at.text_input(key="audit_record").input(str(entry_id)).run()
    rows = _sheet_rows(workbooks["audit_trail.xlsx"]())
    assert rows[0][0] == "Audit trail"
    blank = rows.index((None,) * len(rows[0]))
    header = {r[0]: r[1] for r in rows[1:blank]}
    assert header["Table"] == "journal_entry" and header["Record"] == str(entry_id)
    assert header["Rows"] == "Showing the latest 1 of 1 changes."
    assert header["Divisions"] == "All divisions, and records of no division"
    columns = list(rows[blank + 1])
    assert columns[:6] == ["Changed at (UTC)", "User", "Action", "Table", "Record", "Field"]
    body = [dict(zip(columns, r, strict=True)) for r in rows[blank + 2 :]]
    described = [r for r in body if r["Field"] == "description"]
    assert [(r["User"], r["Old value"] or "", r["New value"]) for r in described] == [
        ("clerk8", "", "Rent to download")
    ]


def test_sign_in_failures_appear_in_the_sign_in_table(
    app_env: Company, workbooks: dict[str, Callable[[], Any]]
) -> None:
    engine = make_engine(app_env.url)
    try:
        for _ in range(2):
            with session_scope(engine) as s, pytest.raises(SignInRefused):
                sign_in.sign_in(s, "clerk4", "not-the-password")
        with session_scope(engine) as s, pytest.raises(SignInRefused):
            sign_in.sign_in(s, "nobody-at-all", "whatever-it-is")
    finally:
        engine.dispose()
    at = open_page(PAGE)
    at.selectbox(key="audit_sign_in_user").select(app_env.user("clerk4")).run()
    frame = report_frame(at, SIGN_INS)
    assert set(frame["username"]) == {"clerk4"}
    failed = "failed (wrong user name or password)"
    # Newest first: the two failures, then the demo's "password set".
    assert list(frame["outcome"])[:2] == [failed, failed]
    assert list(frame["outcome"]).count(failed) == 2
    rows = _sheet_rows(workbooks["sign_ins.xlsx"]())
    assert sum(1 for r in rows if r[1:3] == ("clerk4", failed)) == 2
    # All users: the name typed that belongs to no user is there too (for admins).
    at.selectbox(key="audit_sign_in_user").select(None).run()
    assert "nobody-at-all" in set(report_frame(at, SIGN_INS)["username"])


def test_a_scoped_user_sees_only_sign_ins_of_users_sharing_a_division(
    app_env: Company,
) -> None:
    engine = make_engine(app_env.url)
    try:
        for username in ("clerk4", "clerk8"):  # US01; HOLD and NL01
            with session_scope(engine) as s, pytest.raises(SignInRefused):
                sign_in.sign_in(s, username, "not-the-password")
    finally:
        engine.dispose()
    at = open_page(PAGE, user="accountant_be")  # HOLD and UK01
    names = set(report_frame(at, SIGN_INS)["username"])
    assert "clerk8" in names and "clerk4" not in names


def test_a_clerk_has_no_audit_page(app_env: Company) -> None:
    at = open_page(user="clerk1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


# --- the drill from a ledger line -----------------------------------------------------------


def _drill_script(entry_id: int, user_id: int) -> None:
    """A page that only shows the audit drill of one entry, as the Finance page will."""
    import streamlit as st

    from dashboards import audit_drill, signed_in
    from transactional.reads.user_scopes import user_scope

    st.session_state[signed_in.SIGNED_IN] = user_id
    st.session_state[signed_in.SCOPE] = user_scope(user_id)
    audit_drill.show_audit_for_entry(entry_id, key="drill", link=False)


def _drill(entry_id: int, user_id: int) -> AppTest:
    at = AppTest.from_function(_drill_script, args=(entry_id, user_id), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_drill_shows_an_entry_and_its_lines(
    app_env: Company, workbooks: dict[str, Callable[[], Any]]
) -> None:
    entry_id = _post(app_env.url, "clerk8", "HOLD", "Rent to drill into", "75.50")
    at = _drill(entry_id, app_env.user("admin"))
    frame = report_frame(at, "drill")
    assert set(frame["table_name"]) == {"journal_entry", "journal_line"}
    assert set(frame["record_key"]) == {str(entry_id)}
    assert _field(frame, "journal_entry", entry_id, "description") == ("", "Rent to drill into")
    assert _field(frame, "journal_line", entry_id, "line 1: amount_base") == ("", "75.50")
    rows = _sheet_rows(workbooks[f"audit_entry_{entry_id}.xlsx"]())
    assert "Rent to drill into" in {c for r in rows for c in r}


def test_the_drill_shows_nothing_of_another_division(app_env: Company) -> None:
    entry_id = _post(app_env.url, "clerk1", "NL01", "Rent out of scope", "10.00")
    at = _drill(entry_id, app_env.user("accountant_be"))
    assert not at.dataframe
    assert [i.value for i in at.info]  # says there is nothing it may show


def test_the_drill_is_not_for_roles_without_the_right(app_env: Company) -> None:
    entry_id = _post(app_env.url, "clerk8", "HOLD", "Rent seen by an analyst", "10.00")
    at = _drill(entry_id, app_env.user("analyst"))
    assert not at.dataframe
    assert [c.value for c in at.caption] == [
        "The audit trail is shown to accountants and administrators."
    ]


# --- the reads, on SQLite and PostgreSQL ----------------------------------------------------


@pytest.fixture
def ledger(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ERP_DATABASE_URL", db_url)
    yield db_url


def test_reads_find_an_entry_by_division_on_both_databases(ledger: str) -> None:
    engine = make_engine(ledger)
    try:
        with session_scope(engine) as s:
            clerk = s.exec(select(User).where(User.username == "clerk")).one()
            entry = post_entry(
                session=s,
                user=clerk,
                entry=EntryDraft(
                    division="HOLD",
                    journal="MEM",
                    entry_date="2025-03-15",
                    description="March rent",
                    lines=[
                        LineDraft(account="4300", debit=Decimal("10.00")),
                        LineDraft(account="1100", credit=Decimal("10.00")),
                    ],
                ),
            )
            hold = s.exec(select(Division.id).where(Division.code == "HOLD")).one()
            us = s.exec(select(Division.id).where(Division.code == "US01")).one()
            admin = s.exec(select(User).where(User.username == "admin")).one()
            # An update holds only the changed column: its division is the insert's.
            user_services.set_role(session=s, user=admin, username="clerk", role="accountant")
    finally:
        engine.dispose()
    assert entry.id is not None and hold is not None and us is not None
    both = audit_trail.entry_audit(entry.id)
    assert [(r.table_name, r.action) for r in both] == [
        ("journal_entry", "insert"),
        ("journal_line", "insert"),
    ]
    assert [line["amount_base"] for line in both[1].new_value] == ["10.00", "-10.00"]
    assert len(audit_trail.entry_audit(entry.id, divisions=frozenset({hold}))) == 2
    assert audit_trail.entry_audit(entry.id, divisions=frozenset({us})) == []
    # A user record has no division: hidden from a scoped user, shown to the group.
    role_change = audit_trail.AuditFilter(table_name="app_user")
    assert any(r.action == "update" for r in audit_trail.audit_rows(role_change).rows)
    scoped = audit_trail.AuditFilter(table_name="app_user", divisions=frozenset({hold, us}))
    assert audit_trail.audit_rows(scoped).total == 0
    # Newest first, limited, with the count of all.
    everything = audit_trail.audit_rows(audit_trail.AuditFilter(), limit=3)
    assert len(everything.rows) == 3 and everything.total > 3
    assert everything.rows[0].changed_at >= everything.rows[-1].changed_at
    # A period that ended before the posting holds none of it.
    past = audit_trail.AuditFilter(date_to=date(2000, 1, 1))
    assert audit_trail.audit_rows(past).total == 0


def test_field_changes_read_as_old_to_new() -> None:
    assert audit_drill.field_changes({"role": "clerk"}, {"role": "accountant"}, "update") == [
        ("role", "clerk", "accountant")
    ]
    # An insert lists what it filled; the empty fields are left out.
    assert audit_drill.field_changes(None, {"a": 1, "b": None, "c": True}, "insert") == [
        ("a", "", "1"),
        ("c", "", "true"),
    ]
    assert audit_drill.field_changes([{"x": 1}], None, "delete") == [("line 1: x", "1", "")]
