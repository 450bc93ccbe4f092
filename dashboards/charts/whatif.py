"""Plotly figures for the What-if page, built from the engine's figures (Decimal -> float
only here, for plotting)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dashboards.charts import layout
from dashboards.language import _
from transactional.planning.whatif import CASH, LABELS, NET_RESULT, PNL_LINES, Figures, Month

_BASELINE = "#aec7e8"
_SCENARIO = "#1f77b4"
_UP = "#2ca02c"
_DOWN = "#d62728"


def month_label(month: Month) -> str:
    """``Jan 2026``: the calendar month a period starts in (``jan 2026`` in Dutch)."""
    return layout.month_of(month.start)


def net_result_bridge(baseline: Figures, scenario: Figures) -> go.Figure:
    """Waterfall from the baseline's net result to the scenario's: one bar per P&L line's
    change for the year (natural sign: a bar up raises the result)."""
    changes = [float(scenario.total(line) - baseline.total(line)) for line in PNL_LINES]
    before = float(baseline.total(NET_RESULT))
    after = float(scenario.total(NET_RESULT))
    fig = go.Figure(
        go.Waterfall(
            x=[
                _("Baseline net result"),
                *(_(LABELS[line]) for line in PNL_LINES),
                _("Scenario net result"),
            ],
            y=[before, *changes, after],
            measure=["absolute", *(["relative"] * len(changes)), "total"],
            increasing={"marker": {"color": _UP}},
            decreasing={"marker": {"color": _DOWN}},
            totals={"marker": {"color": _SCENARIO}},
            connector={"line": {"color": "#999", "dash": "dot"}},
            hovertemplate="%{x}: %{y:,.2f}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    title = _("Net result: baseline to scenario, full year")
    return layout.standard(fig, title, baseline.currency, unified_hover=False)


def monthly_cash(
    months: Sequence[Month], baseline: Figures, scenario: Figures, actual_months: int = 0
) -> go.Figure:
    """Month-end cash, baseline against scenario; the first ``actual_months`` are actuals."""
    labels = [month_label(m) for m in months]
    fig = go.Figure()
    fig.add_scatter(
        x=labels,
        y=[float(v) for v in baseline.balances[CASH]],
        name=_("Baseline"),
        mode="lines+markers",
        line={"color": _BASELINE, "dash": "dot"},
    )
    fig.add_scatter(
        x=labels,
        y=[float(v) for v in scenario.balances[CASH]],
        name=_("Scenario"),
        mode="lines+markers",
        line={"color": _SCENARIO},
    )
    if 0 < actual_months < len(labels):
        # Shade the months whose baseline is the real cash position.
        fig.add_vrect(
            x0=-0.5,
            x1=actual_months - 0.5,
            fillcolor="#eee",
            opacity=0.5,
            line_width=0,
            annotation_text=_("actuals"),
            annotation_position="top left",
        )
    layout.in_order(fig, labels)
    return layout.standard(fig, _("Cash at month end"), baseline.currency)


def weekly_cash(baseline: Figures, scenario: Figures) -> go.Figure:
    """The 13-week forecast's closing cash per week, baseline against scenario."""
    labels = [layout.week_of(w.week_start, w.week_number) for w in baseline.weekly_cash]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=[float(w.closing_cash) for w in baseline.weekly_cash],
        name=_("Baseline"),
        marker_color=_BASELINE,
    )
    fig.add_bar(
        x=labels,
        y=[float(w.closing_cash) for w in scenario.weekly_cash],
        name=_("Scenario"),
        marker_color=_SCENARIO,
    )
    fig.update_layout(barmode="group")
    layout.in_order(fig, labels)
    return layout.standard(
        fig, _("13-week cash forecast: closing cash per week"), baseline.currency
    )
