"""Plotly figures for budget against actual and the 13-week cash forecast."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import layout

_ACTUAL = "#1f77b4"
_BUDGET = "#aec7e8"
_RESULT_ACTUAL = "#2ca02c"
_RESULT_BUDGET = "#98df8a"
_FLOWS = {
    "receipts_open_items": ("Receipts (open invoices)", "#2ca02c"),
    "payments_open_items": ("Payments (open invoices)", "#d62728"),
    "recurring_costs": ("Wages and rent", "#ff7f0e"),
    "budget_flows": ("Budget flows", "#9467bd"),
}


def budget_vs_actual_by_month(df: pd.DataFrame, period_through: int, currency: str) -> go.Figure:
    """Revenue bars, budget against actual, and both net results as lines, per month.

    The budget covers the whole year; actuals stop at the selected period.
    """
    months = [layout.month(int(p)) for p in df["period_number"]]
    done = df[df["period_number"] <= period_through]
    done_months = [layout.month(int(p)) for p in done["period_number"]]
    fig = go.Figure()
    fig.add_bar(x=months, y=df["revenue_budget"], name="Revenue budget", marker_color=_BUDGET)
    fig.add_bar(
        x=done_months, y=done["revenue_actual"], name="Revenue actual", marker_color=_ACTUAL
    )
    fig.add_scatter(
        x=months,
        y=df["result_budget"],
        name="Net result budget",
        mode="lines+markers",
        line={"color": _RESULT_BUDGET, "dash": "dot"},
    )
    fig.add_scatter(
        x=done_months,
        y=done["result_actual"],
        name="Net result actual",
        mode="lines+markers",
        line={"color": _RESULT_ACTUAL},
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(categoryorder="array", categoryarray=[layout.month(p) for p in range(1, 13)])
    return layout.standard(fig, "Budget against actual by month", currency)


def cash_forecast(df: pd.DataFrame, currency: str) -> go.Figure:
    """The weekly flows as stacked bars (in above zero, out below) and the cash line."""
    weeks = [f"W{int(r.week_number)} {pd.Timestamp(r.week_start):%d %b}" for r in df.itertuples()]  # type: ignore[arg-type]
    fig = go.Figure()
    for column, (name, colour) in _FLOWS.items():
        fig.add_bar(x=weeks, y=df[column], name=name, marker_color=colour)
    fig.add_scatter(
        x=weeks,
        y=df["opening_cash"],
        name="Opening cash",
        mode="lines",
        line={"color": "#7f7f7f", "dash": "dot"},
    )
    fig.add_scatter(
        x=weeks,
        y=df["closing_cash"],
        name="Closing cash",
        mode="lines+markers",
        line={"color": _ACTUAL, "width": 3},
    )
    fig.update_layout(barmode="relative")
    fig.update_xaxes(categoryorder="array", categoryarray=weeks)
    return layout.standard(fig, "13-week cash forecast", currency)
