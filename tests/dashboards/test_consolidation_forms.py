"""The consolidation forms, driven as a group accountant would, against a copy of a
generated demo ledger (no warehouse: the forms write to the ledger only).

The demo installs the standard group chart and its structure; a test needing a state
before that (no chart, an unmapped account, a subsidiary not yet recorded) removes it
first, then checks what the form made the services write (and that a refusal writes
nothing).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import count, fill_grid, open_page, report_frame, the_error

STRUCTURE = "app_pages/forms/group_structure.py"
MAPPING = "app_pages/forms/account_mapping.py"
TOPSIDE = "app_pages/forms/topside_entry.py"
UPLOAD = "app_pages/forms/trial_balance_upload.py"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated ledger filled by the demo generator (a tiny group), once per module."""
    from ingestion.demo import generate
    from transactional.migrate import upgrade

    path = tmp_path_factory.mktemp("consolidation_forms") / "erp.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    generate(url, seed=42, scale=0.002)
    return path


@pytest.fixture
def ledger(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh copy of the generated ledger for one test; the app reads no warehouse."""
    target = tmp_path / "erp.db"
    shutil.copy(generated, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    # The forms default their dates to today: a day inside the demo's open years.
    monkeypatch.setenv("ERP_TODAY", "2026-03-10")
    return url


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return [tuple(r) for r in con.execute(text(sql)).all()]
    finally:
        engine.dispose()


def _click(at: AppTest, label: str) -> AppTest:
    """Click the page's button labelled ``label`` (a form's submit button has no key)."""
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as con:
            for sql in statements:
                con.execute(text(sql))
    finally:
        engine.dispose()


def test_an_empty_group_chart_is_installed_and_maps_every_account(ledger: str) -> None:
    # A ledger without group chart (the demo installs one): every account is unmapped.
    _execute(ledger, "delete from group_account_map", "delete from group_account")
    at = open_page(MAPPING, user="accountant")
    assert at.title[0].value == "Account mapping"
    assert "not mapped" in at.warning[0].value
    assert len(report_frame(at, "account_mapping_unmapped")) > 10
    at.button(key="account_mapping_install").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert count(ledger, "group_account") > 10
    assert any("Installed the standard group chart" in s.value for s in at.success)
    assert any("Every account with ledger lines is mapped" in s.value for s in at.success)


def test_an_unmapped_account_is_picked_from_the_list_and_mapped(ledger: str) -> None:
    _ensure_group(ledger)
    # Rent (4300) has lines in every division; without its shared mapping it is unmapped.
    (group_code,) = _rows(
        ledger,
        "select g.code from group_account_map m join group_account g on g.id = m.group_account_id "
        "join account a on a.id = m.account_id where a.code = '4300' and m.division_id is null",
    )[0]
    _execute(
        ledger,
        "delete from group_account_map where division_id is null "
        "and account_id = (select id from account where code = '4300')",
    )
    at = open_page(MAPPING, user="accountant")
    unmapped = report_frame(at, "account_mapping_unmapped")
    assert sorted(set(unmapped["account_code"])) == ["4300"]
    assert sorted(unmapped["division_code"]) == ["HOLD", "NL01", "UK01", "US01"]
    row = unmapped["division_code"].tolist().index("NL01")
    at.session_state["account_mapping_unmapped"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    generation = at.session_state["account_mapping_generation"]
    assert at.selectbox(key=f"account_mapping_division_{generation}_NL01").value == "NL01"
    assert at.selectbox(key=f"account_mapping_account_{generation}_4300").value == "4300"
    at.selectbox(key=f"account_mapping_group_{generation}").set_value(group_code)
    _click(at, "Save mapping")
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    rows = _rows(
        ledger,
        "select d.code, a.code, g.code from group_account_map m "
        "join account a on a.id = m.account_id join division d on d.id = m.division_id "
        "join group_account g on g.id = m.group_account_id where a.code = '4300'",
    )
    assert rows == [("NL01", "4300", group_code)]
    assert "Posted account mapping" in at.success[0].value
    # The other three divisions' rent is still unmapped.
    assert sorted(report_frame(at, "account_mapping_unmapped")["division_code"]) == [
        "HOLD",
        "UK01",
        "US01",
    ]


def test_a_membership_is_saved_and_a_bad_share_refused(ledger: str) -> None:
    # US01 not (yet) in the structure: the accountant records that HOLD holds 80 %.
    _execute(
        ledger,
        "delete from group_member "
        "where division_id = (select id from division where code = 'US01')",
    )
    members = count(ledger, "group_member")
    at = open_page(STRUCTURE, user="accountant")
    assert at.title[0].value == "Group structure"
    generation = at.session_state["group_structure_generation"]
    # It opens on the division not yet in the group, held by the top: never a cycle.
    assert at.selectbox(key=f"group_structure_division_{generation}").value == "US01"
    assert at.selectbox(key=f"group_structure_parent_{generation}").value == "HOLD"
    # The recorded memberships' dates read in the user's format.
    listed = at.dataframe[0].value
    assert str(listed["valid_from"].dtype).startswith("datetime64"), listed.dtypes
    at.selectbox(key=f"group_structure_division_{generation}").set_value("US01").run()
    at.selectbox(key=f"group_structure_parent_{generation}").set_value("HOLD").run()
    at.text_input(key=f"group_structure_pct_{generation}").input("150")
    at.date_input(key=f"group_structure_from_{generation}").set_value(date(2024, 1, 1))
    _click(at, "Save membership")
    assert "100" in the_error(at).value
    assert count(ledger, "group_member") == members
    at.text_input(key=f"group_structure_pct_{generation}").input("80")
    _click(at, "Save membership")
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    rows = _rows(
        ledger,
        "select s.code, p.code, m.ownership_pct / 1e8, m.valid_from from group_member m "
        "join division s on s.id = m.division_id join division p on p.id = m.parent_division_id "
        "where s.code = 'US01'",
    )
    assert [(s, p, float(pct), str(on)[:10]) for s, p, pct, on in rows] == [
        ("US01", "HOLD", 80.0, "2024-01-01")
    ]
    # The saved membership is listed above the form.
    assert "US01" in at.dataframe[0].value["division_code"].tolist()


def _ensure_group(ledger: str) -> None:
    """The standard group chart and HOLD holding NL01 (100 %) and US01 (80 %), unless the
    demo set them up already."""
    from sqlmodel import select

    from transactional.consolidation.group_chart import install_standard_group_chart
    from transactional.consolidation.structure import set_membership
    from transactional.database import make_engine, session_scope
    from transactional.organisation.models import User

    with session_scope(make_engine(ledger)) as s:
        accountant = s.exec(select(User).where(User.username == "accountant")).one()
        if count(ledger, "group_account") == 0:
            install_standard_group_chart(session=s, user=accountant)
        if count(ledger, "group_member"):
            return
        for division, pct in (("NL01", "100"), ("US01", "80")):
            set_membership(
                session=s,
                user=accountant,
                division=division,
                parent="HOLD",
                ownership_pct=pct,
                valid_from=date(2024, 1, 1),
            )


def _topside_page(ledger: str) -> tuple[AppTest, int]:
    _ensure_group(ledger)
    at = open_page(TOPSIDE, user="accountant")
    assert at.title[0].value == "Top-side entry"
    generation = at.session_state["topside_entry_generation"]
    assert at.selectbox(key=f"topside_group_{generation}").value == "HOLD"
    return at, generation


def _accounts(ledger: str) -> tuple[str, str]:
    (expense,) = _rows(
        ledger, "select code from group_account where account_class = 'expense' order by code"
    )[0]
    (payable,) = _rows(
        ledger, "select code from group_account where account_class = 'liability' order by code"
    )[0]
    return expense, payable


def test_a_topside_entry_is_posted_in_the_level(ledger: str) -> None:
    at, generation = _topside_page(ledger)
    expense, payable = _accounts(ledger)
    at.text_input(key=f"topside_description_{generation}").input("Audit fee accrual")
    fill_grid(
        at,
        f"topside_lines_{generation}",
        [
            {"division": "NL01", "group_account": expense, "debit": "1,250.00"},
            {"division": "NL01", "group_account": payable, "credit": "1,250.00"},
        ],
    )
    _click(at, "Post entry")
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    lines = _rows(
        ledger,
        "select d.code, g.code, l.amount / 1e4 from consolidation_line l "
        "join division d on d.id = l.division_id join group_account g on g.id = l.group_account_id "
        "order by l.line_number",
    )
    assert [(d, g, float(a)) for d, g, a in lines] == [
        ("NL01", expense, 1250.0),
        ("NL01", payable, -1250.0),
    ]
    assert count(ledger, "consolidation_entry") == 1
    assert "Posted top-side entry **HOLD-1**" in at.success[0].value


def test_a_topside_line_without_division_is_refused_in_plain_words(ledger: str) -> None:
    at, generation = _topside_page(ledger)
    expense, payable = _accounts(ledger)
    fill_grid(
        at,
        f"topside_lines_{generation}",
        [
            {"group_account": expense, "debit": "100"},
            {"division": "NL01", "group_account": payable, "credit": "100"},
        ],
    )
    _click(at, "Post entry")
    assert "Division is required." in the_error(at).value
    assert "does not exist" not in the_error(at).value
    assert count(ledger, "consolidation_entry") == 0


def test_a_fully_recorded_group_opens_on_a_subsidiary_held_by_the_top(ledger: str) -> None:
    at = open_page(STRUCTURE, user="accountant")
    generation = at.session_state["group_structure_generation"]
    held = at.selectbox(key=f"group_structure_division_{generation}").value
    assert held != "HOLD"
    assert at.selectbox(key=f"group_structure_parent_{generation}").value == "HOLD"


def test_an_unbalanced_topside_entry_is_refused(ledger: str) -> None:
    at, generation = _topside_page(ledger)
    expense, payable = _accounts(ledger)
    fill_grid(
        at,
        f"topside_lines_{generation}",
        [
            {"division": "NL01", "group_account": expense, "debit": "100"},
            {"division": "US01", "group_account": payable, "credit": "90"},
        ],
    )
    _click(at, "Post entry")
    assert "balance" in the_error(at).value.lower()
    assert count(ledger, "consolidation_entry") == 0


def test_a_manager_is_not_offered_the_consolidation_forms(ledger: str) -> None:
    at = open_page(user="manager")
    for page in (STRUCTURE, MAPPING, TOPSIDE, UPLOAD):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def _csv(*rows: str) -> bytes:
    return ("account,debit,credit\n" + "\n".join(rows) + "\n").encode()


def test_a_trial_balance_is_checked_then_loaded_once(ledger: str) -> None:
    _ensure_group(ledger)
    at = open_page(UPLOAD, user="accountant")
    assert at.title[0].value == "Trial-balance upload"
    at.selectbox(key="trial_balance_division").set_value(_division_id(ledger, "US01")).run()
    at.text_input(key="trial_balance_period").input("2026-02").run()
    content = _csv("1100,1000,", "4300,,1000")
    at.file_uploader[0].set_value(("us01.csv", content, "text/csv")).run()
    entries = count(ledger, "journal_entry")
    at.button(key="trial_balance_check").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    # The dry run lists the changes and writes nothing.
    assert any("nothing is written yet" in m.value for m in at.markdown)
    # The month end in the user's format, not ISO.
    assert any("Feb 28, 2026" in m.value for m in at.markdown)
    assert not any("2026-02-28" in m.value for m in at.markdown)
    assert count(ledger, "journal_entry") == entries
    assert count(ledger, "trial_balance_load") == 0
    at.button(key="trial_balance_load").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert count(ledger, "journal_entry") == entries + 1
    assert count(ledger, "trial_balance_load") == 1
    assert "Posted trial-balance entry" in at.success[0].value
    # The same file again: the ledger matches it, nothing to load.
    at.file_uploader[0].set_value(("us01.csv", content, "text/csv")).run()
    at.button(key="trial_balance_check").click().run()
    assert any("changes nothing" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "trial_balance_load"]
    assert count(ledger, "journal_entry") == entries + 1


def _division_id(url: str, code: str) -> int:
    return int(_rows(url, f"select id from division where code = '{code}'")[0][0])
