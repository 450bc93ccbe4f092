"""The rule for posting dates, shared by the services' lookups and the master-data copy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from transactional.errors import N_, PeriodClosed, ValidationError
from transactional.organisation.rights import who_may


def require_open(
    division_code: str,
    on: date,
    *,
    year: int,
    year_status: str,
    period_number: int,
    period_status: str,
    field: str,
) -> None:
    """Refuse a date in a closed fiscal year or a closed period, in the clerk's words."""
    if year_status == "closed":
        raise PeriodClosed(
            N_(
                "Fiscal year {year} of division {division} is closed; nothing can be posted on "
                "{date}."
            ),
            field=field,
            year=year,
            division=division_code,
            date=on.isoformat(),
        )
    if period_status == "closed":
        raise PeriodClosed(
            N_(
                "Period {year}-{period_number} of division {division} is closed; nothing can be "
                "posted on {date}."
            ),
            field=field,
            year=year,
            period_number=format(period_number, "02d"),
            division=division_code,
            date=on.isoformat(),
        )


def no_period(division_code: str, on: date, *, field: str) -> ValidationError:
    """The error for a date no fiscal period of the division covers. It names who may open
    fiscal years, as a refusal of rights does: whoever reads it (a clerk, or an accountant
    who may open it themselves) knows what to do."""
    return ValidationError(
        N_(
            "No fiscal period of division {division} covers {date}; that fiscal year must first "
            "be opened by {who}."
        ),
        field=field,
        division=division_code,
        date=on.isoformat(),
        who=who_may("manage_periods"),
    )


class DatedPeriod(Protocol):
    """What the posting-date rule needs to know of a period and its fiscal year."""

    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date: ...
    @property
    def number(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def year_status(self) -> str: ...


_Period = TypeVar("_Period", bound=DatedPeriod)


def open_period_on(
    division_code: str, on: date, periods: Iterable[_Period], *, field: str
) -> _Period:
    """The division's period covering ``on``, refused when it or its year is closed or
    when none covers the date (the services' lookups and the master-data copy alike)."""
    for p in periods:
        if p.start_date <= on <= p.end_date:
            require_open(
                division_code,
                on,
                year=p.year,
                year_status=p.year_status,
                period_number=p.number,
                period_status=p.status,
                field=field,
            )
            return p
    raise no_period(division_code, on, field=field)
