"""The rule for posting dates, shared by the services' lookups and the master-data copy."""

from __future__ import annotations

from datetime import date

from transactional.errors import PeriodClosed, ValidationError


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
            f"Fiscal year {year} of division {division_code} is closed; "
            f"nothing can be posted on {on.isoformat()}.",
            field=field,
        )
    if period_status == "closed":
        raise PeriodClosed(
            f"Period {year}-{period_number:02d} of division {division_code} is closed; "
            f"nothing can be posted on {on.isoformat()}.",
            field=field,
        )


def no_period(division_code: str, on: date, *, field: str) -> ValidationError:
    """The error for a date no fiscal period of the division covers."""
    return ValidationError(
        f"No fiscal period of division {division_code} covers {on.isoformat()}; "
        "ask your accountant to open that fiscal year.",
        field=field,
    )
