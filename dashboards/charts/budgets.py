"""Plotly figures for budget against actual and the 13-week cash forecast."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import layout
from dashboards.language import N_, _

_ACTUAL = "#1f77b4"
_BUDGET = "#aec7e8"
_RESULT_ACTUAL = "#2ca02c"
_RESULT_BUDGET = "#98df8a"
_FLOWS = {
    "receipts_open_items": (N_("Receipts (open invoices)"), "#2ca02c"),
    "payments_open_items": (N_("Payments (open invoices)"), "#d62728"),
    "recurring_costs": (N_("Wages and rent"), "#ff7f0e"),
    "budget_flows": (N_("Budget flows"), "#9467bd"),
}


def budget_vs_actual_by_month(df: pd.DataFrame, period_through: int, currency: str) -> go.Figure:
    """Revenue bars, budget against actual, and both net results as lines, per month.

    The budget covers the whole year; actuals stop at the selected period.
    """
    months = [layout.month(int(p)) for p in df["period_number"]]
    done = df[df["period_number"] <= period_through]
    done_months = [layout.month(int(p)) for p in done["period_number"]]
    fig = go.Figure()
    fig.add_bar(x=months, y=df["revenue_budget"], name=_("Revenue budget"), marker_color=_BUDGET)
    fig.add_bar(
        x=done_months, y=done["revenue_actual"], name=_("Revenue actual"), marker_color=_ACTUAL
    )
    fig.add_scatter(
        x=months,
        y=df["result_budget"],
        name=_("Net result budget"),
        mode="lines+markers",
        line={"color": _RESULT_BUDGET, "dash": "dot"},
    )
    fig.add_scatter(
        x=done_months,
        y=done["result_actual"],
        name=_("Net result actual"),
        mode="lines+markers",
        line={"color": _RESULT_ACTUAL},
    )
    fig.update_layout(barmode="group")
    layout.in_order(fig, [layout.month(p) for p in range(1, 13)])
    return layout.standard(fig, _("Budget against actual by month"), currency)


def cash_forecast(df: pd.DataFrame, currency: str) -> go.Figure:
    """The weekly flows as stacked bars (in above zero, out below) and the cash line."""
    weeks = [
        layout.week_of(pd.Timestamp(start).date(), int(number))
        for number, start in zip(df["week_number"], df["week_start"], strict=True)
    ]
    fig = go.Figure()
    for column, (name, colour) in _FLOWS.items():
        fig.add_bar(x=weeks, y=df[column], name=_(name), marker_color=colour)
    fig.add_scatter(
        x=weeks,
        y=df["opening_cash"],
        name=_("Opening cash"),
        mode="lines",
        line={"color": "#7f7f7f", "dash": "dot"},
    )
    fig.add_scatter(
        x=weeks,
        y=df["closing_cash"],
        name=_("Closing cash"),
        mode="lines+markers",
        line={"color": _ACTUAL, "width": 3},
    )
    fig.update_layout(barmode="relative")
    layout.in_order(fig, weeks)
    return layout.standard(fig, _("13-week cash forecast"), currency)
