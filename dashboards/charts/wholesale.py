"""Plotly figures for the Wholesale page, built from the query DataFrames as they are."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import layout
from dashboards.charts.finance import _LAST_YEAR, _THIS_YEAR
from dashboards.language import _

CLASS_COLOURS = {"A": "#2ca02c", "B": "#ff7f0e", "C": "#9e9e9e"}
_DEAD = "#d62728"


def pareto(
    classified: pd.DataFrame, a: float, b: float, measure: str, unit: str | None
) -> go.Figure:
    """Bars of value by rank coloured by class, the cumulative share line, A/B thresholds.

    One bar trace per class (so the legend explains the colours) on the rank axis, which
    stays readable for thousands of items; the code and name are in the hover.
    """
    fig = go.Figure()
    for cls, colour in CLASS_COLOURS.items():
        rows = classified[classified["abc_class"] == cls]
        fig.add_bar(
            x=rows["rank"],
            y=rows["value"],
            name=_("Class {abc_class}", abc_class=cls),
            marker={"color": colour, "line": {"width": 0}},
            customdata=rows[["code", "name"]].to_numpy(),
            hovertemplate="#%{x} %{customdata[0]} %{customdata[1]}: %{y:,.2f}<extra></extra>",
        )
    positive = classified[classified["cumulative_share"].notna()]
    fig.add_scatter(
        x=positive["rank"],
        y=positive["cumulative_share"],
        name=_("Cumulative share"),
        mode="lines",
        yaxis="y2",
        line={"color": "#1f77b4", "width": 2},
        # The %{...} parts are plotly's, filled in the browser.
        hovertemplate=_("#%{x}: %{y:.1%} cumulative") + "<extra></extra>",
    )
    for level, label in ((a, f"A {a:.0%}"), (a + b, f"A+B {a + b:.0%}")):
        fig.add_shape(
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            yref="y2",
            y0=level,
            y1=level,
            line={"color": "#555555", "dash": "dash", "width": 1},
        )
        fig.add_annotation(
            xref="paper",
            x=1,
            yref="y2",
            y=level,
            text=label,
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"size": 11},
        )
    fig.update_layout(
        barmode="overlay",
        bargap=0,
        xaxis_title=_("Rank"),
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickformat": ".0%",
            "showgrid": False,
        },
    )
    layout.standard(fig, _("Pareto: {measure} by rank", measure=measure), unit or "")
    fig.update_layout(hovermode="closest")
    return fig


def stock_by_group(stock: pd.DataFrame, currency: str) -> go.Figure:
    """Stock value per item group, the dead stock stacked on top of the moving stock."""
    fig = go.Figure()
    groups = stock.groupby(["item_group_code", "is_dead_stock"], dropna=False)["stock_value"].sum()
    table = groups.unstack(fill_value=0.0)
    for dead, name, colour in (
        (False, _("Moving stock"), _THIS_YEAR),
        (True, _("Dead stock"), _DEAD),
    ):
        values = table[dead] if dead in table.columns else pd.Series(0.0, index=table.index)
        fig.add_bar(x=[str(g) for g in table.index], y=values, name=name, marker_color=colour)
    fig.update_layout(barmode="stack")
    return layout.standard(fig, _("Stock value by item group"), currency)


def supplier_performance(df: pd.DataFrame) -> go.Figure:
    """Promised vs actual lead days per supplier, with the on-time % on the right axis."""
    labels = [f"{r.supplier_code} ({r.division_code})" for r in df.itertuples()]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=df["avg_promised_lead_days"],
        name=_("Promised lead days"),
        marker_color=_LAST_YEAR,
    )
    fig.add_bar(
        x=labels, y=df["avg_actual_lead_days"], name=_("Actual lead days"), marker_color=_THIS_YEAR
    )
    fig.add_scatter(
        x=labels,
        y=df["on_time_pct"],
        name=_("On time %"),
        mode="markers",
        yaxis="y2",
        marker={"size": 11, "color": "#2ca02c", "symbol": "diamond"},
    )
    fig.update_layout(
        barmode="group",
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "showgrid": False},
    )
    return layout.standard(fig, _("Supplier lead times and on-time delivery"), _("days"))


def sales_vs_last_year(
    df: pd.DataFrame,
    dimension: str,
    label: str,
    year: int,
    currency: str,
    previous_year: bool = True,
) -> go.Figure:
    """Revenue this year and last by the chosen dimension, year to date (this year only
    when there is no previous year: its bars would be zeros)."""
    fig = go.Figure()
    names = [str(v) for v in df[dimension]]
    if previous_year:
        fig.add_bar(x=names, y=df["last_year"], name=f"{year - 1}", marker_color=_LAST_YEAR)
    fig.add_bar(x=names, y=df["this_year"], name=f"{year}", marker_color=_THIS_YEAR)
    fig.update_layout(barmode="group")
    # ``label`` is the dimension's name, already in the user's language.
    title = (
        _("Revenue by {dimension} vs last year", dimension=label.lower())
        if previous_year
        else _("Revenue by {dimension}", dimension=label.lower())
    )
    return layout.standard(fig, title, currency)
