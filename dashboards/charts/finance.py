"""Plotly figures for the Finance page, built from the query DataFrames as they are."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import layout
from dashboards.language import N_, _

_THIS_YEAR = "#1f77b4"
_LAST_YEAR = "#aec7e8"
# The balance-sheet mart's sides, as the chart and the table name them (message ids:
# shown through ``sides()``).
SIDES = {"assets": N_("Assets"), "equity_and_liabilities": N_("Equity and liabilities")}


def sides() -> dict[str, str]:
    """The sides in the current language."""
    return {k: _(v) for k, v in SIDES.items()}


def pnl_by_month(df: pd.DataFrame, fiscal_year: int, currency: str) -> go.Figure:
    """Revenue bars this year vs last year, with both years' net result as lines."""
    fig = go.Figure()
    for year, colour, dash in (
        (fiscal_year - 1, _LAST_YEAR, "dot"),
        (fiscal_year, _THIS_YEAR, "solid"),
    ):
        rows = df[df["fiscal_year"] == year]
        months = [layout.month(int(p)) for p in rows["period_number"]]
        fig.add_bar(
            x=months, y=rows["revenue"], name=_("Revenue {year}", year=year), marker_color=colour
        )
        fig.add_scatter(
            x=months,
            y=rows["net_result"],
            name=_("Net result {year}", year=year),
            mode="lines+markers",
            line={"color": colour, "dash": dash},
        )
    fig.update_layout(barmode="group")
    layout.in_order(fig, [layout.month(p) for p in range(1, 13)])
    # The first year the warehouse holds has no last year to be compared with.
    compared = bool((df["fiscal_year"] == fiscal_year - 1).any())
    title = _("P&L by month vs last year") if compared else _("P&L by month")
    return layout.standard(fig, title, currency)


def balance_sheet(df: pd.DataFrame, currency: str) -> go.Figure:
    """Assets against equity and liabilities, stacked by section."""
    fig = go.Figure()
    names = sides()
    for section, rows in df.groupby("bs_section", sort=False):
        totals = rows.groupby("side")["this_year"].sum()
        fig.add_bar(
            x=[names.get(str(s), str(s)) for s in totals.index], y=totals.values, name=str(section)
        )
    fig.update_layout(barmode="relative")
    return layout.standard(fig, _("Balance sheet"), currency)


def ageing(df: pd.DataFrame, title: str, currency: str) -> go.Figure:
    """Open amount per ageing bucket, in the shown currency."""
    fig = go.Figure()
    fig.add_bar(
        x=df["ageing_bucket"],
        y=df["open_amount"],
        name=currency,
        customdata=df["invoices"],
        # Plotly's own placeholders stay as they are in every language.
        hovertemplate=_("%{y:,.2f} (%{customdata} invoices)"),
        marker={"color": _THIS_YEAR},
    )
    order = df.sort_values("bucket_order")["ageing_bucket"].tolist()
    layout.in_order(fig, order)
    return layout.standard(fig, title, currency)


def cash_position(df: pd.DataFrame, currency: str) -> go.Figure:
    """Cash and bank balance at each period end, the periods named by their month."""
    periods = [layout.month_of(pd.Timestamp(d).date()) for d in df["period_end"]]
    fig = go.Figure()
    fig.add_scatter(
        x=periods,
        y=df["balance"],
        mode="lines+markers",
        name=_("Cash and bank"),
        line={"color": _THIS_YEAR},
        fill="tozeroy",
    )
    layout.in_order(fig, periods)
    return layout.standard(fig, _("Cash position"), currency)
