"""The look every chart of the Insights pages shares: title, amount axis, legend below,
tight margins; and how periods are named on an axis, in the user's language.

Plotly writes dates on a date axis itself, in English ("Oct 2026"), and the plotly.js
bundled with Streamlit carries no other locale. So no chart puts dates on a date axis:
each names its months, weeks or period ends with the functions here (CLDR through babel:
"okt 2026", "oct. 2026") and shows them as categories in time order
(:func:`in_order`). The hover of a whole x position then reads the same name.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

import plotly.graph_objects as go
from babel.dates import format_skeleton, get_month_names

from dashboards.language import _, current_locale, language_of

# Plotly's decimal and thousands separators (axes, hover texts) per language, as the
# tables write numbers: 1.234,50 in Dutch, 1 234,50 in French.
_SEPARATORS = {"nl": ",.", "fr": ",\u00a0"}


def standard(
    fig: go.Figure, title: str, currency: str, *, unified_hover: bool = True, decimals: int = 2
) -> go.Figure:
    """``fig`` with the shared layout (hover over a whole x position unless told not to;
    the y values in the hover with ``decimals`` decimals, as the tables write amounts)."""
    fig.update_layout(
        title=title,
        yaxis_title=currency,
        # Whole numbers with thousands separators ("1.500.000"), as the tables write them:
        # plotly's default abbreviations ("1.5M", "2B") are English.
        yaxis_exponentformat="none",
        yaxis_separatethousands=True,
        # Plotly picks the hover's precision per value ("158.290,7" beside "11.160,55").
        yaxis_hoverformat=f",.{decimals}f",
        legend={"orientation": "h", "y": -0.2},
        # Plotly cuts series names in the hover after 15 characters: translated names
        # ("Trésorerie de début", "Trésorerie de fin") would read the same.
        hoverlabel={"namelength": -1},
        # Room on the right for the last x label ("okt 2026"), which plotly centres on
        # the axis end.
        margin={"l": 10, "r": 30, "t": 50, "b": 10},
        separators=_SEPARATORS.get(language_of(current_locale()), ".,"),
    )
    if unified_hover:
        fig.update_layout(hovermode="x unified")
    return fig


def in_order(fig: go.Figure, labels: Iterable[str]) -> go.Figure:
    """``fig`` with its x axis showing ``labels`` (period names) as categories in this
    order, also those no trace has a value for (a week without load stays a gap)."""
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(labels))
    return fig


def month(period_number: int, width: Literal["abbreviated", "wide"] = "abbreviated") -> str:
    """``Jan`` for period 1 ... ``Dec`` for 12 (``jan``, ``janv.`` in Dutch and French;
    ``January`` with ``width="wide"``); ``P13`` for a closing period."""
    if not 1 <= period_number <= 12:
        return f"P{period_number}"
    names = get_month_names(width, "stand-alone", locale=current_locale())
    return str(names[period_number])


def month_of(day: date) -> str:
    """The month ``day`` falls in, with its year: ``Oct 2026``, ``okt 2026`` in Dutch,
    ``oct. 2026`` in French (CLDR's year-and-abbreviated-month form)."""
    return str(format_skeleton("yMMM", day, locale=current_locale()))


def week_of(start: date, number: int | None = None) -> str:
    """A week by its number and first day: ``W42 Oct 12``, ``W42 12 okt`` in Dutch,
    ``S42 12 oct.`` in French. ``number`` is the ISO week of ``start`` unless given (the
    cash forecast counts its own weeks 1 to 13)."""
    return _(
        "W{number} {day}",
        number=start.isocalendar().week if number is None else number,
        day=format_skeleton("MMMd", start, locale=current_locale()),
    )


def weeks_between(first: date, last: date) -> list[date]:
    """Every week's first day from ``first`` through ``last`` (both week starts), for a
    week axis that keeps the weeks without data in their place."""
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
