"""Dates as users type them: a date, or an ISO / day-month-year string.

Below every service package (organisation, finance, wholesale...), so each can read a
typed date without importing another's services.
"""

from __future__ import annotations

from datetime import date

from transactional.errors import N_, ValidationError

FIRST_YEAR = 1900


def parse_date(value: object, *, field: str, label: str) -> date:
    """Accept a date or an ISO / day-month-year string typed by a user."""
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(N_("{label} is required."), field=field, label=label)
    text = str(value).strip()
    for parse in (_iso, _dmy):
        parsed = parse(text)
        # A year typed short ("31-12-27") or mistyped ("0027") would be year 27: in the
        # past, so accepted as a date already gone by (an expired lot, a back-dated entry)
        # and never noticed. Books are kept in four-digit years from 1900.
        if parsed is not None and parsed.year >= FIRST_YEAR:
            return parsed
    raise ValidationError(
        N_("{label} '{text}' is not a date; use YYYY-MM-DD or DD-MM-YYYY."),
        field=field,
        label=label,
        text=text,
    )


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _dmy(text: str) -> date | None:
    for sep in ("-", "/", "."):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    return None
