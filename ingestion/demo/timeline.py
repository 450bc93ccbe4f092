"""The months the demo company trades in, business days, seasonality and growth."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# Relative sales volume per calendar month: a summer dip and a strong fourth quarter,
# so seasonal charts and month-on-month comparisons show something.
SEASON: tuple[float, ...] = (0.86, 0.88, 1.0, 0.97, 1.02, 0.95, 0.8, 0.78, 1.05, 1.12, 1.2, 1.37)
YEARS_OF_HISTORY = 3
# The demo's "today": ageing is interesting both at the end date and a few weeks later.
DAYS_FROM_END_TO_TODAY = 23


@dataclass(frozen=True)
class Month:
    """A calendar month, cut off at the generator's end date."""

    index: int
    year: int
    month: int
    first: date
    last: date  # the month's last day, or the end date in the final month

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def share_active(self) -> float:
        """Share of the month before the end date (1.0 except in a cut-off last month)."""
        return ((self.last - self.first).days + 1) / self.days_in_month

    @property
    def month_end(self) -> date:
        return date(self.year, self.month, self.days_in_month)

    def day(self, number: int) -> date:
        """The given day of the month (clipped to the month's length)."""
        return date(self.year, self.month, min(number, self.days_in_month))

    def business_days(self) -> list[date]:
        days = [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]
        return [d for d in days if d.weekday() < 5]


def fiscal_years(end: date) -> list[int]:
    return list(range(end.year - YEARS_OF_HISTORY + 1, end.year + 1))


def months(end: date) -> list[Month]:
    """Every month from the first fiscal year's January up to and including ``end``."""
    result: list[Month] = []
    year, month = fiscal_years(end)[0], 1
    while (year, month) <= (end.year, end.month):
        last = date(year, month, calendar.monthrange(year, month)[1])
        result.append(Month(len(result), year, month, date(year, month, 1), min(last, end)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def next_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def last_business_day(month: Month) -> date | None:
    days = month.business_days()
    return days[-1] if days else None
