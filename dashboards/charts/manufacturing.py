"""Plotly figures for the Manufacturing page, built from the query DataFrames as they are."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import layout
from dashboards.language import _

_UNFAVOURABLE = "#cf222e"
_FAVOURABLE = "#1a7f37"
_NOW = "#1f77b4"
_WHATIF = "#ff7f0e"
_AVAILABLE = "#555555"
_LEDGER = "#9e9e9e"


def variance_by(
    df: pd.DataFrame, column: str, names: Mapping[str, str], currency: str, title: str
) -> go.Figure:
    """Cost variance (actual - standard) per ``column`` value: red where more was spent
    than the standard (unfavourable), green where less."""
    values = [float(v) for v in df["variance"]]
    fig = go.Figure(
        go.Bar(
            x=[names.get(str(v), str(v)) for v in df[column]],
            y=values,
            marker_color=[_UNFAVOURABLE if v > 0 else _FAVOURABLE for v in values],
            name=_("Variance"),
        )
    )
    return layout.standard(fig, title, currency, unified_hover=False)


def material_loss(df: pd.DataFrame, currency: str) -> go.Figure:
    """Loss value per component (the components lost most first)."""
    fig = go.Figure(
        go.Bar(
            x=df["component_code"],
            y=df["loss_value"],
            marker_color=_UNFAVOURABLE,
            name=_("Loss value"),
        )
    )
    return layout.standard(fig, _("Material loss by component"), currency, unified_hover=False)


def lead_times(df: pd.DataFrame) -> go.Figure:
    """Planned against actual lead time per completed order: above the diagonal is late."""
    fig = go.Figure()
    fig.add_scatter(
        x=df["planned_days"],
        y=df["actual_days"],
        mode="markers",
        marker={"color": _NOW},
        customdata=df[["order_number"]].to_numpy(),
        hovertemplate="%{customdata[0]}: %{x} → %{y}<extra></extra>",
        name=_("Orders"),
    )
    top = float(max([1.0, *df["planned_days"].astype(float), *df["actual_days"].astype(float)]))
    fig.add_scatter(
        x=[0, top],
        y=[0, top],
        mode="lines",
        line={"color": _AVAILABLE, "dash": "dash", "width": 1},
        name=_("As planned"),
        hoverinfo="skip",
    )
    fig.update_layout(xaxis_title=_("Planned days"))
    return layout.standard(
        fig,
        _("Lead time: planned against actual"),
        _("Actual days"),
        unified_hover=False,
        decimals=0,
    )


def wip_against_ledger(df: pd.DataFrame, currency: str) -> go.Figure:
    """Work in progress from the production transactions and the WIP account's balance at
    each period end: the two lines lie on each other when they reconcile."""
    periods = [layout.month_of(pd.Timestamp(d).date()) for d in df["period_end"]]
    fig = go.Figure()
    fig.add_scatter(
        x=periods,
        y=df["wip_transactions"],
        name=_("WIP from production transactions"),
        mode="lines+markers",
        line={"color": _NOW},
    )
    fig.add_scatter(
        x=periods,
        y=df["wip_ledger"],
        name=_("WIP account balance"),
        mode="lines",
        line={"color": _LEDGER, "dash": "dot"},
    )
    layout.in_order(fig, periods)
    return layout.standard(fig, _("Work in progress at each period end"), currency)


def capacity_load(load: pd.DataFrame, scenario: pd.DataFrame | None, work_centre: str) -> go.Figure:
    """One work centre's load per week (hours) against its available hours; with a
    what-if, its new load beside the current one. Every week from the first loaded to the
    last has its place on the axis, a week without load too."""
    starts = [pd.Timestamp(d).date() for d in load["week_start"]]
    scenario_starts = (
        [] if scenario is None else [pd.Timestamp(d).date() for d in scenario["week_start"]]
    )
    every = [*starts, *scenario_starts]
    fig = go.Figure()
    weeks = [layout.week_of(d) for d in starts]
    fig.add_bar(x=weeks, y=load["load_hours"], name=_("Load now"), marker_color=_NOW)
    if scenario is not None:
        fig.add_bar(
            x=[layout.week_of(d) for d in scenario_starts],
            y=scenario["load_hours"],
            name=_("Load in the what-if"),
            marker_color=_WHATIF,
        )
    fig.add_scatter(
        x=weeks,
        y=load["available_hours"],
        name=_("Available"),
        mode="lines",
        line={"color": _AVAILABLE, "dash": "dash", "shape": "hv"},
    )
    fig.update_layout(barmode="group")
    if every:
        layout.in_order(fig, map(layout.week_of, layout.weeks_between(min(every), max(every))))
    return layout.standard(
        fig, _("Capacity load of {work_centre}", work_centre=work_centre), _("Hours")
    )
