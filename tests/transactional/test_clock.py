"""transactional.clock: the product's one "today" (ERP_TODAY, else the machine's date)."""

from __future__ import annotations

from datetime import date

import pytest

from transactional import clock


def test_erp_today_is_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_TODAY", "2031-03-01")
    assert clock.today() == date(2031, 3, 1)


def test_the_suite_runs_on_a_frozen_today() -> None:
    # tests/conftest.py freezes it: no outcome of the suite depends on the calendar.
    assert clock.today() == date(2026, 11, 23)


def test_without_erp_today_it_is_the_machines_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERP_TODAY")
    before = date.today()
    found = clock.today()
    assert before <= found <= date.today()  # bounds, so midnight cannot fail the test
    monkeypatch.setenv("ERP_TODAY", "  ")
    assert before <= clock.today() <= date.today()


@pytest.mark.parametrize("value", ["2026-13-45", "tomorrow", "06.12.2026"])
def test_a_bad_erp_today_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ERP_TODAY", value)
    with pytest.raises(ValueError, match=f"ERP_TODAY='{value}' is not a date; use YYYY-MM-DD"):
        clock.today()


@pytest.mark.parametrize(
    ("on", "month_end"),
    [
        (date(2026, 12, 6), date(2026, 11, 30)),
        (date(2026, 12, 31), date(2026, 11, 30)),  # December is not over until it is
        (date(2026, 12, 1), date(2026, 11, 30)),
        (date(2024, 3, 15), date(2024, 2, 29)),  # leap year
        (date(2027, 1, 10), date(2026, 12, 31)),  # across the year end
    ],
)
def test_last_complete_month_end(on: date, month_end: date) -> None:
    assert clock.last_complete_month_end(on) == month_end


def test_last_complete_month_end_defaults_to_erp_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_TODAY", "2031-03-01")
    assert clock.last_complete_month_end() == date(2031, 2, 28)
