"""Plotly figures for the Consolidation page, built from the query DataFrames as they are."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import layout
from dashboards.language import _

_RISE = "#1a7f37"
_FALL = "#cf222e"
_TOTAL = "#1f77b4"


def result_by_column(df: pd.DataFrame, names: Mapping[str, str], currency: str) -> go.Figure:
    """The group result built up from each division's result, the eliminations and the
    adjustments (a waterfall ending on the group's)."""
    parts = df[df["column_kind"] != "group"]
    group = df[df["column_kind"] == "group"]
    x = [names.get(str(c), str(c)) for c in parts["column_code"]]
    y = [float(v) for v in parts["profit"]]
    measures = ["relative"] * len(x)
    if len(group):
        x.append(names.get("GROUP", "GROUP"))
        y.append(float(group["profit"].iloc[0]))
        measures.append("total")
    fig = go.Figure(
        go.Waterfall(
            x=x,
            y=y,
            measure=measures,
            increasing={"marker": {"color": _RISE}},
            decreasing={"marker": {"color": _FALL}},
            totals={"marker": {"color": _TOTAL}},
            name=_("Profit"),
        )
    )
    return layout.standard(fig, _("Profit year to date, by column"), currency, unified_hover=False)


def currency_effects(df: pd.DataFrame, currency: str) -> go.Figure:
    """Per division: what the rate types change against the closing rate, and its CTA."""
    fig = go.Figure()
    fig.add_bar(x=df["division_code"], y=df["currency_effect"], name=_("Currency effect"))
    fig.add_bar(x=df["division_code"], y=df["cta"], name=_("Translation reserve (CTA)"))
    fig.update_layout(barmode="group")
    return layout.standard(fig, _("Currency effects by division"), currency)
