"""Finance Insights: KPIs vs last year, P&L, balance sheet, ageing, cash, ledger drill-down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import sidebar
from dashboards.amounts import format_amount, format_change
from dashboards.charts import finance as charts
from dashboards.queries import finance, ledger
from dashboards.report_cache import cached
from dashboards.report_table import report_table
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

DRILL_KEY = "drill_figure"
PNL_TABLE_KEY = "pnl_accounts"
BS_TABLE_KEY = "balance_sheet"
# Positions where a rise is bad news: show their change in the inverse colour.
_INVERSE = {"payables", "overdue_receivables"}
_POSITIONS = {"cash", "receivables", "payables", "overdue_receivables"}
LABELS = {
    "pl_section": "Section",
    "bs_section": "Section",
    "account_code": "Account",
    "account_name": "Account name",
    "line_code": "Line",
    "line_name": "Description",
    "division_code": "Division",
    "relation_code": "Relation code",
    "relation_name": "Relation",
    "document_number": "Document",
    "journal_code": "Journal",
    "entry_date": "Date",
    "currency_code": "Currency",
    "amount_foreign": "Amount (line currency)",
    "debit_base": "Debit (division currency)",
    "credit_base": "Credit (division currency)",
    "amount_currency": "Currency of amount",
    "ageing_bucket": "Overdue (days)",
    "open_amount": "Open (invoice currency)",
    "open_amount_base": "Open (division currency)",
    "open_amount_group": "Open (group currency)",
    "base_currency": "Division currency",
    "as_of_date": "As of",
    "cost_centre_code": "Cost centre",
    "cost_unit_code": "Cost unit",
}


def _flow_labels(sel: Selection) -> dict[str, str]:
    through = f"P01-{sel.period_through:02d}"
    return {
        **LABELS,
        "this_year": f"{sel.fiscal_year} {through}",
        "last_year": f"{sel.previous_year} {through}",
    }


def _position_labels(sel: Selection) -> dict[str, str]:
    return {
        **LABELS,
        "this_year": f"End of {sel.fiscal_year}-{sel.period_through:02d}",
        "last_year": f"End of {sel.previous_year}-{sel.period_through:02d}",
    }


def kpi_cards(wh: PublishedWarehouse, sel: Selection) -> None:
    rows = cached(finance.kpis)(wh, sel)
    labels = dict(finance.KPIS)
    # Results first, then positions: seven cards in one row would not fit their amounts.
    columns = [*st.columns(3), *st.columns(4)]
    for column, row in zip(columns, rows.itertuples(), strict=True):
        key = str(row.kpi)
        when = (
            f"at the end of period {sel.period_through:02d}"
            if key in _POSITIONS
            else f"year to date through period {sel.period_through:02d}"
        )
        # The currency is in the caption above the cards: with it, amounts would not fit.
        column.metric(
            labels[key],
            format_amount(row.this_year),  # type: ignore[arg-type]
            delta=format_change(row.change),  # type: ignore[arg-type]
            delta_color="inverse" if key in _INVERSE else "normal",
            help=f"{sel.currency}, {sel.fiscal_year} {when}; change against the same "
            f"period of {sel.previous_year}.",
            border=True,
        )


def _select_into_drilldown(table_key: str, keys: list[str]) -> None:
    """A row picked in a table becomes the drill-down figure."""
    picked = st.session_state[table_key].selection.rows
    if picked:
        st.session_state[DRILL_KEY] = keys[picked[0]]


def profit_and_loss(wh: PublishedWarehouse, sel: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    by_month = cached(finance.pnl_by_month)(wh, sel)
    st.plotly_chart(charts.pnl_by_month(by_month, sel.fiscal_year, sel.currency))
    sections = cached(finance.pnl_by_section)(wh, sel)
    st.markdown(f"**P&L by section**, year to date through period {sel.period_through:02d}")
    report_table(
        sections,
        key="pnl_sections",
        file_name="pnl_by_section",
        title="P&L by section",
        labels=_flow_labels(sel),
    )
    accounts = cached(finance.pnl_by_account)(wh, sel)
    st.markdown("**P&L by account** — pick a row to see the ledger lines behind it")
    account_keys = [ledger.account_figure(r).key for r in accounts.itertuples()]
    report_table(
        accounts,
        key=PNL_TABLE_KEY,
        file_name="pnl_by_account",
        title="P&L by account",
        labels=_flow_labels(sel),
        on_select=lambda: _select_into_drilldown(PNL_TABLE_KEY, account_keys),
        hide=("account_id",),
    )
    return sections, accounts


def balance_sheet(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    bs = cached(finance.balance_sheet)(wh, sel)
    st.plotly_chart(charts.balance_sheet(bs, sel.currency))
    totals = bs.groupby("side", sort=False)[["this_year", "last_year"]].sum()
    st.caption(
        " · ".join(
            f"Total {str(side).replace('_', ' ')}: {format_amount(row.this_year, sel.currency)}"
            for side, row in totals.iterrows()
        )
    )
    st.markdown(
        f"**Balance sheet** at the end of period {sel.period_through:02d} "
        "— pick a row to see the ledger lines behind it"
    )
    keys = [ledger.balance_sheet_figure(r).key for r in bs.itertuples()]
    report_table(
        bs,
        key=BS_TABLE_KEY,
        file_name="balance_sheet",
        title="Balance sheet",
        labels=_position_labels(sel),
        on_select=lambda: _select_into_drilldown(BS_TABLE_KEY, keys),
        hide=("account_id",),
    )
    return bs


def ageing(wh: PublishedWarehouse, sel: Selection, kind: str) -> None:
    title = "Receivables ageing" if kind == "receivables" else "Payables ageing"
    buckets = cached(finance.ageing_buckets)(wh, sel, kind)
    invoices = cached(finance.open_invoices)(wh, sel, kind)
    st.plotly_chart(charts.ageing(buckets, title, sel.currency), key=f"ageing_{kind}")
    as_of = invoices["as_of_date"].iloc[0] if len(invoices) else None
    st.caption(
        f"Open {'sales' if kind == 'receivables' else 'purchase'} invoices as of "
        f"{pd.Timestamp(as_of).date() if as_of is not None else 'the last refresh'}; "
        f"buckets in {sel.currency}"
        + (", translated at that day's rate." if sel.in_group_currency else ".")
    )
    report_table(
        buckets,
        key=f"{kind}_buckets",
        file_name=f"{kind}_ageing_buckets",
        title=title,
        labels=LABELS,
        hide=("bucket_order",),
    )
    st.markdown(f"**Open {'sales' if kind == 'receivables' else 'purchase'} invoices**")
    report_table(
        invoices,
        key=f"{kind}_open_invoices",
        file_name=f"open_{kind}",
        title=f"Open {kind}",
        labels=LABELS,
    )


def cash(wh: PublishedWarehouse, sel: Selection) -> None:
    position = cached(finance.cash_position)(wh, sel)
    st.plotly_chart(charts.cash_position(position, sel.currency))
    report_table(
        position,
        key="cash_position",
        file_name="cash_position",
        title="Cash position",
        labels={"balance": f"Balance ({sel.currency})"},
    )


def drilldown(
    wh: PublishedWarehouse,
    sel: Selection,
    sections: pd.DataFrame,
    accounts: pd.DataFrame,
    bs: pd.DataFrame,
) -> None:
    st.subheader("Ledger lines behind a figure")
    options = {f.key: f for f in ledger.figures(sections, accounts, bs)}
    if st.session_state.get(DRILL_KEY) not in options:
        st.session_state.pop(DRILL_KEY, None)
    key = st.selectbox(
        "Figure",
        options=list(options),
        index=None,
        key=DRILL_KEY,
        format_func=lambda k: options[k].label,
        placeholder="Pick a P&L section, account or balance-sheet line",
    )
    if key is None:
        return
    figure = options[key]
    lines = cached(ledger.ledger_lines)(wh, sel, figure)
    check = cached(ledger.reconciliation)(wh, sel, figure)
    for row in check.itertuples():
        cur = str(row.amount_currency)
        left, middle, right = st.columns(3)
        left.metric(f"Figure ({cur})", format_amount(row.figure, cur))  # type: ignore[arg-type]
        middle.metric(
            f"Total of {row.lines} ledger lines ({cur})", format_amount(row.lines_total, cur)
        )  # type: ignore[arg-type]
        right.metric(f"Difference ({cur})", format_amount(row.difference, cur))  # type: ignore[arg-type]
    if figure.is_balance_sheet and sel.in_group_currency:
        st.caption(
            "The balance sheet translates at the period-end rate, which individual lines do "
            "not carry: the lines are shown and reconciled in each division's own currency."
        )
    if (check["difference"].abs() >= 0.005).any():
        st.error("The ledger lines do not add up to the figure; report this to the analysts.")
    report_table(
        lines,
        key="drill_lines",
        file_name="ledger_lines",
        title=f"Ledger lines: {figure.label}",
        labels=LABELS,
    )


def main() -> None:
    st.title("Finance")
    wh: PublishedWarehouse | None = st.session_state.get(sidebar.WAREHOUSE)
    sel: Selection | None = st.session_state.get(sidebar.SELECTION)
    if wh is None:
        st.info(sidebar.NOT_PUBLISHED)
        return
    if sel is None:
        st.info("Pick divisions, a fiscal year and a period in the sidebar.")
        return
    st.caption(sel.currency_note)
    kpi_cards(wh, sel)
    pnl_tab, bs_tab, open_tab, cash_tab = st.tabs(
        ["Profit and loss", "Balance sheet", "Receivables and payables", "Cash"]
    )
    with pnl_tab:
        sections, accounts = profit_and_loss(wh, sel)
    with bs_tab:
        bs = balance_sheet(wh, sel)
    with open_tab:
        ageing(wh, sel, "receivables")
        ageing(wh, sel, "payables")
    with cash_tab:
        cash(wh, sel)
    drilldown(wh, sel, sections, accounts, bs)


main()
