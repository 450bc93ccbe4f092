"""The one home of "today" for the product: services, forms, dashboards and the demo.

``ERP_TODAY`` (YYYY-MM-DD), when set, is today: the tests freeze it so no outcome depends
on the calendar, and a demo or a training session can be replayed as of a fixed day.
Unset, today is the machine's date. Nothing else in the product calls ``date.today()``;
dbt reads the same variable for its ageing date (``models/macros/portable.sql``).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

ENV = "ERP_TODAY"


def today() -> date:
    """``ERP_TODAY`` when set, else the machine's date; a bad value is a clear error."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{ENV}='{value}' is not a date; use YYYY-MM-DD or unset it.") from None


def last_complete_month_end(on: date | None = None) -> date:
    """The last day of the last month that has fully passed before ``on`` (default today)."""
    day = on or today()
    return day.replace(day=1) - timedelta(days=1)
