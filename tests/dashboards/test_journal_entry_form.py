"""The journal entry form: posts balanced entries, refuses the rest next to the field."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, create_engine, select
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import count, fill_grid, input_above, open_page, the_error
from tests.dashboards.conftest import Company
from transactional.finance.models import JournalEntry, JournalLine

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline

PAGE = "app_pages/forms/journal_entry.py"
GRID = "journal_entry_lines_0"


def _form(company: Company, username: str | None = None) -> AppTest:
    at = open_page(PAGE, user=company.user(username or company.clerk))
    at.date_input(key="journal_entry_date_0").set_value(company.open_date)
    return at


def _post(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Post entry").click().run()


def test_balanced_entry_is_posted_and_its_number_shown(app_env: Company) -> None:
    company = app_env
    at = _form(company)
    at.text_input(key="journal_entry_description_0").input("Rent March")
    fill_grid(
        at,
        GRID,
        [
            {"account": company.expense_account, "debit": "1250.50", "description": "Rent"},
            {"account": company.bank_account, "credit": "1250.50"},
        ],
    )
    before = count(company.url, "journal_entry")
    _post(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert count(company.url, "journal_entry") == before + 1
    with Session(create_engine(company.url)) as s:
        entry = s.exec(select(JournalEntry).order_by(JournalEntry.id.desc())).first()  # type: ignore[union-attr]
        assert entry is not None
        lines = s.exec(select(JournalLine).where(JournalLine.entry_id == entry.id)).all()
    assert entry.description == "Rent March"
    assert entry.entry_date == company.open_date
    assert entry.created_by == company.user(company.clerk)
    assert sorted(float(ln.amount_base) for ln in lines) == [-1250.5, 1250.5]
    shown = at.success[0].value
    assert entry.document_number in shown and "erp refresh" in shown
    assert any(b.label == "Refresh warehouse now" for b in at.button)
    # The form starts empty again for the next entry.
    assert at.session_state["journal_entry_generation"] == 1


def test_running_totals_follow_the_grid(app_env: Company) -> None:
    at = _form(app_env)
    fill_grid(
        at,
        GRID,
        [
            {"account": app_env.expense_account, "debit": "100"},
            {"account": app_env.bank_account, "credit": "60"},
            {"account": app_env.bank_account, "credit": "zestig"},
        ],
    )
    next(b for b in at.button if b.label == "Check totals").click().run()
    totals = next(m.value for m in at.markdown if "**Debit**" in m.value)
    assert "100.00" in totals and "60.00" in totals and "Difference** 40.00" in totals
    assert any("row 3 credit" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("rows", "words", "grid_row"),
    [
        ([("expense", "debit", "100"), ("bank", "credit", "99.99")], "does not balance", None),
        ([("9999", "debit", "100"), ("bank", "credit", "100")], "9999", "Line 1"),
        ([("expense", "debit", "100"), ("bank", "credit", "1OO")], "must be a number", "Line 2"),
        ([("expense", "debit", "100")], "at least two lines", None),
        (
            [("expense", "debit", "100.12"), ("bank", "credit", "100.123")],
            "Line 2 credit: 100.123 has more decimals than EUR allows (2).",
            "Line 2",
        ),
    ],
    ids=["unbalanced", "unknown-account", "text-amount", "one-line", "tenth-of-a-cent"],
)
def test_bad_lines_are_refused_under_the_grid(
    app_env: Company, rows: list[tuple[str, str, str]], words: str, grid_row: str | None
) -> None:
    accounts = {"expense": app_env.expense_account, "bank": app_env.bank_account}
    at = _form(app_env)
    fill_grid(at, GRID, [{"account": accounts.get(a, a), side: v} for a, side, v in rows])
    before = count(app_env.url, "journal_entry"), count(app_env.url, "journal_line")
    _post(at)
    error = the_error(at)
    assert words in error.value
    if grid_row:
        assert error.value.startswith(grid_row)
    assert input_above(at, error).type == "dataframe"
    assert not at.success
    assert (count(app_env.url, "journal_entry"), count(app_env.url, "journal_line")) == before


@pytest.mark.parametrize(
    ("on", "words"),
    [(dt.date(2031, 1, 15), "No fiscal period"), ("closed", "closed")],
    ids=["no-period", "closed-period"],
)
def test_date_outside_open_periods_is_refused_under_the_date(
    app_env: Company, on: dt.date | str, words: str
) -> None:
    at = _form(app_env)
    at.date_input(key="journal_entry_date_0").set_value(
        app_env.closed_date if on == "closed" else on
    )
    fill_grid(
        at,
        GRID,
        [
            {"account": app_env.expense_account, "debit": "10"},
            {"account": app_env.bank_account, "credit": "10"},
        ],
    )
    before = count(app_env.url, "journal_entry")
    _post(at)
    error = the_error(at)
    assert words in error.value
    assert input_above(at, error).label == "Entry date"
    assert count(app_env.url, "journal_entry") == before


def test_user_without_posting_rights_is_told_so(app_env: Company) -> None:
    """A manager may not post entries: the form is not among the manager's pages, and
    opening it anyway (an old link) does not reach it."""
    before = count(app_env.url, "journal_entry")
    at = open_page(user=app_env.user(app_env.manager))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    assert at.title[0].value == "Finance"
    assert not [b for b in at.button if b.label == "Post entry"]
    assert count(app_env.url, "journal_entry") == before
