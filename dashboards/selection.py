"""What the manager picked in the sidebar: divisions, fiscal year, period, currency."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboards.language import _


@dataclass(frozen=True)
class Selection:
    """Filters shared by the Insights pages; hashable, so it can key cached queries."""

    division_ids: tuple[int, ...]
    fiscal_year: int
    period_through: int
    currency: str
    in_group_currency: bool
    # False when the warehouse holds no fiscal year before this one: the pages then show
    # no "last year" column (it would be a column of zeros labelled with that year).
    has_previous_year: bool = True

    @property
    def previous_year(self) -> int:
        return self.fiscal_year - 1

    @property
    def pl_amount(self) -> str:
        """The P&L / balance-sheet mart column holding amounts in the shown currency."""
        return "amount_group" if self.in_group_currency else "amount"

    @property
    def suffix(self) -> str:
        """Suffix of the ``*_base`` / ``*_group`` columns of the cash and open-item marts."""
        return "group" if self.in_group_currency else "base"

    @property
    def currency_note(self) -> str:
        if self.in_group_currency:
            return _(
                "Amounts in {currency}, the group currency (the selected divisions keep "
                "books in different currencies); divisions are added up, not consolidated.",
                currency=self.currency,
            )
        return _("Amounts in {currency}, the divisions' own currency.", currency=self.currency)


def build_selection(
    divisions: pd.DataFrame,
    chosen_ids: list[int],
    fiscal_year: int,
    period_through: int,
    known_years: Collection[int] | None = None,
) -> Selection:
    """The selection for the chosen divisions (none chosen means all of them).

    One currency among the chosen divisions: show their own amounts; several: show the
    group currency (the top division's) columns the marts already hold. ``known_years``
    are the fiscal years the warehouse holds (None: assume the previous year is there).
    """
    previous = known_years is None or fiscal_year - 1 in known_years
    ids = [int(i) for i in chosen_ids] or [int(i) for i in divisions["division_id"]]
    chosen = divisions[divisions["division_id"].isin(ids)]
    currencies = sorted(set(chosen["currency_code"]))
    if len(currencies) == 1:
        return Selection(
            tuple(sorted(ids)), fiscal_year, period_through, currencies[0], False, previous
        )
    top = divisions[divisions["is_group_top"].astype(bool)]
    group_currency = str(top["currency_code"].iloc[0]) if len(top) else currencies[0]
    return Selection(
        tuple(sorted(ids)), fiscal_year, period_through, group_currency, True, previous
    )


def describe(
    sel: Selection, division_codes: Mapping[int, str], *, whole_group: bool = True
) -> dict[str, str]:
    """What a selection holds, line by line, as a downloaded workbook states it.

    ``division_codes`` are the divisions the user can see. When the selection holds every
    one of them it says so: "All divisions" only for a user who sees the whole group
    (``whole_group``), "All your divisions" for a user with some divisions, whose "all"
    is not the group's.
    """
    codes = ", ".join(division_codes.get(i, str(i)) for i in sel.division_ids)
    if division_codes and set(sel.division_ids) >= set(division_codes):
        if whole_group:
            codes = _("All divisions ({codes})", codes=codes)
        else:
            codes = _("All your divisions ({codes})", codes=codes)
    if sel.in_group_currency:
        currency = _(
            "{currency} (group currency; divisions added up, not consolidated)",
            currency=sel.currency,
        )
    else:
        currency = sel.currency
    return {
        _("Divisions"): codes,
        _("Currency"): currency,
        _("Fiscal year"): str(sel.fiscal_year),
        _("Through period"): f"{sel.period_through:02d}",
    }


def as_of_day(today: date, last_posting: date | None) -> date:
    """The day the books reach: today, or the last posting date when they stop earlier.
    The dashboards open on the period holding it (:func:`default_period`); the
    Consolidation page on the latest month end not after it (:func:`default_month_end`)."""
    return today if last_posting is None else min(today, last_posting)


def default_month_end(ends: Sequence[date], today: date, last_posting: date | None) -> date:
    """The month end a page of closed months opens on (the Consolidation page): the latest
    of ``ends`` not after :func:`as_of_day`, so its year to date is never a partial month
    compared with a full one a year earlier; the earliest when none is (books that have not
    yet closed a month). ``ends`` must not be empty."""
    day = as_of_day(today, last_posting)
    closed = [e for e in ends if e <= day]
    return max(closed) if closed else min(ends)


def default_period(
    periods: pd.DataFrame, today: date, last_posting: date | None
) -> tuple[int, int]:
    """The fiscal year and period the dashboards open on: the one holding today, or the
    last posting date when the books stop earlier (a demo generated months ago, a
    ledger not yet posted this month), so they never open on an empty future month.

    Pure: ``today`` (``transactional.clock.today()``) and ``last_posting`` (the latest
    ledger line's date, None when there is none) are inputs. Before the first period the
    last one, as after it.
    """
    day = as_of_day(today, last_posting)
    started = periods[pd.to_datetime(periods["period_start"]).dt.date <= day]
    if started.empty:
        started = periods
    last = started.sort_values(["fiscal_year", "period_number"]).iloc[-1]
    return int(last["fiscal_year"]), int(last["period_number"])
