"""The look every chart of the Insights pages shares: title, currency axis, legend below,
tight margins; and how a period is named on a month axis."""

from __future__ import annotations

import calendar

import plotly.graph_objects as go


def standard(fig: go.Figure, title: str, currency: str, *, unified_hover: bool = True) -> go.Figure:
    """``fig`` with the shared layout (hover over a whole x position unless told not to)."""
    fig.update_layout(
        title=title,
        yaxis_title=currency,
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    if unified_hover:
        fig.update_layout(hovermode="x unified")
    return fig


def month(period_number: int) -> str:
    """``Jan`` for period 1 ... ``Dec`` for 12; ``P13`` for a closing period."""
    return calendar.month_abbr[period_number] if 1 <= period_number <= 12 else f"P{period_number}"
