"""The look every chart of the Insights pages shares: title, currency axis, legend below,
tight margins; and how a period is named on a month axis."""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
from babel.dates import get_month_names

from dashboards.language import current_locale, language_of

# Plotly's decimal and thousands separators (axes, hover texts) per language, as the
# tables write numbers: 1.234,50 in Dutch, 1 234,50 in French.
_SEPARATORS = {"nl": ",.", "fr": ",\u00a0"}


def standard(fig: go.Figure, title: str, currency: str, *, unified_hover: bool = True) -> go.Figure:
    """``fig`` with the shared layout (hover over a whole x position unless told not to)."""
    fig.update_layout(
        title=title,
        yaxis_title=currency,
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        separators=_SEPARATORS.get(language_of(current_locale()), ".,"),
    )
    if unified_hover:
        fig.update_layout(hovermode="x unified")
    return fig


def month(period_number: int, width: Literal["abbreviated", "wide"] = "abbreviated") -> str:
    """``Jan`` for period 1 ... ``Dec`` for 12 (``jan``, ``janv.`` in Dutch and French;
    ``January`` with ``width="wide"``); ``P13`` for a closing period."""
    if not 1 <= period_number <= 12:
        return f"P{period_number}"
    names = get_month_names(width, "stand-alone", locale=current_locale())
    return str(names[period_number])
