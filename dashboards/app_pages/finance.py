"""Finance Insights: KPIs vs last year, P&L, balance sheet, ageing, cash, budget against
actual, the 13-week cash forecast, ledger drill-down."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import audit_drill, sidebar, signed_in
from dashboards.amounts import (
    compact_amount,
    delta_style,
    format_amount,
    format_change,
    format_day,
    format_percent,
    format_quantity,
)
from dashboards.audit_drill import show_audit_for_entry
from dashboards.charts import budgets as budget_charts
from dashboards.charts import finance as charts
from dashboards.language import N_, _, ngettext
from dashboards.queries import budgets, finance, ledger
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
# Column headings (message ids: shown through ``labels()``).
LABELS = {
    "pl_section": N_("Section"),
    "bs_section": N_("Section"),
    "account_code": N_("Account"),
    "account_name": N_("Account name"),
    "line_code": N_("Line"),
    "line_name": N_("Description"),
    "division_code": N_("Division"),
    "relation_code": N_("Relation code"),
    "relation_name": N_("Relation"),
    "document_number": N_("Document"),
    "journal_code": N_("Journal"),
    "entry_date": N_("Date"),
    "currency_code": N_("Currency"),
    "amount_foreign": N_("Amount (line currency)"),
    "debit_base": N_("Debit (division currency)"),
    "credit_base": N_("Credit (division currency)"),
    "amount_currency": N_("Currency of amount"),
    "ageing_bucket": N_("Overdue (days)"),
    "open_amount": N_("Open (invoice currency)"),
    "open_amount_base": N_("Open (division currency)"),
    "open_amount_group": N_("Open (group currency)"),
    "base_currency": N_("Division currency"),
    "as_of_date": N_("As of"),
    "cost_centre_code": N_("Cost centre"),
    "cost_unit_code": N_("Cost unit"),
    "budget": N_("Budget"),
    "actual": N_("Actual"),
    "variance": N_("Variance"),
    "variance_pct": N_("Variance %"),
    "budget_full_year": N_("Budget full year"),
    "version_name": N_("Budget version"),
    "period_number": N_("Period"),
    "variance_to_date": N_("Variance year to date"),
    "week_number": N_("Week"),
    "week_start": N_("Week from (Monday)"),
    "opening_cash": N_("Opening cash"),
    "receipts_open_items": N_("Receipts, open invoices"),
    "payments_open_items": N_("Payments, open invoices"),
    "recurring_costs": N_("Wages and rent"),
    "budget_flows": N_("Budget flows"),
    "net_flow": N_("Net flow"),
    "closing_cash": N_("Closing cash"),
    "ledger_cash": N_("Ledger cash on the as-of date"),
    "cash_tab_period": N_("Cash tab period"),
    "period_end_cash": N_("Cash tab, period end"),
    "posted_after": N_("Cash posted after the as-of date"),
    "difference": N_("Difference"),
}
# Budget against actual (Finance tab): widget keys a browser test drives.
BVA_VERSION_KEY = "bva_version"
BVA_CURRENCY_KEY = "bva_currency"
BVA_TABLE_KEY = "bva_accounts"
BVA_ACCOUNT_KEY = "bva_account"
FORECAST_CURRENCY_KEY = "forecast_currency"
# The balance sheet's totals line, per side.
_SIDE_TOTALS = {
    "assets": N_("Total assets: {amount}"),
    "equity_and_liabilities": N_("Total equity and liabilities: {amount}"),
}
_FAVOURABLE = "color: #1a7f37"
_UNFAVOURABLE = "color: #cf222e"


def labels(**more: str) -> dict[str, str]:
    """The column headings in the current language, with ``more`` (already translated)."""
    return {**{k: _(v) for k, v in LABELS.items()}, **more}


def _period(sel: Selection) -> str:
    return f"{sel.period_through:02d}"


def _flow_labels(sel: Selection) -> dict[str, str]:
    through = f"P01-{sel.period_through:02d}"
    return {
        **labels(),
        "this_year": f"{sel.fiscal_year} {through}",
        "last_year": f"{sel.previous_year} {through}",
    }


def _position_labels(sel: Selection) -> dict[str, str]:
    return {
        **labels(),
        "this_year": _("End of {year}-{period}", year=sel.fiscal_year, period=_period(sel)),
        "last_year": _("End of {year}-{period}", year=sel.previous_year, period=_period(sel)),
    }


def kpi_cards(wh: PublishedWarehouse, sel: Selection) -> None:
    rows = cached(finance.kpis)(wh, sel)
    names = {key: _(label) for key, label in finance.KPIS}
    # Results first, then positions: seven cards in one row would not fit their amounts.
    columns = [*st.columns(3), *st.columns(4)]
    for column, row in zip(columns, rows.itertuples(), strict=True):
        key = str(row.kpi)
        # The currency is in the caption above the cards: with it, amounts would not fit;
        # large ones are compact ("1.01 bn"), the exact amounts are in the tooltip.
        value = float(row.this_year)  # type: ignore[arg-type]
        change = row.change if sel.has_previous_year and not pd.isna(row.change) else None
        exact = format_amount(value, sel.currency)
        if change is not None:
            exact = _(
                "{amount}, change {change}",
                amount=exact,
                change=format_change(float(change), sel.currency),  # type: ignore[arg-type]
            )
        tooltip = (
            N_(
                "{amount}: {year} at the end of period {period}; change against the same "
                "period of {previous}."
            )
            if key in _POSITIONS
            else N_(
                "{amount}: {year} year to date through period {period}; change against the "
                "same period of {previous}."
            )
        )
        column.metric(
            names[key],
            compact_amount(value),
            delta=None if change is None else compact_amount(float(change), sign=True),  # type: ignore[arg-type]
            **delta_style(change, "inverse" if key in _INVERSE else "normal"),
            help=_(
                tooltip,
                amount=exact,
                year=sel.fiscal_year,
                period=_period(sel),
                previous=sel.previous_year,
            ),
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
    st.markdown(_("**P&L by section**, year to date through period {period}", period=_period(sel)))
    report_table(
        sections,
        key="pnl_sections",
        file_name="pnl_by_section",
        title=_("P&L by section"),
        labels=_flow_labels(sel),
        previous_year=sel.has_previous_year,
    )
    accounts = cached(finance.pnl_by_account)(wh, sel)
    st.markdown(_("**P&L by account** — pick a row to see the ledger lines behind it"))
    account_keys = [ledger.account_figure(r).key for r in accounts.itertuples()]
    report_table(
        accounts,
        key=PNL_TABLE_KEY,
        file_name="pnl_by_account",
        title=_("P&L by account"),
        labels=_flow_labels(sel),
        on_select=lambda: _select_into_drilldown(PNL_TABLE_KEY, account_keys),
        hide=("account_id",),
        previous_year=sel.has_previous_year,
    )
    return sections, accounts


def balance_sheet(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    bs = cached(finance.balance_sheet)(wh, sel)
    st.plotly_chart(charts.balance_sheet(bs, sel.currency))
    totals = bs.groupby("side", sort=False)[["this_year", "last_year"]].sum()
    st.caption(
        " · ".join(
            _(
                _SIDE_TOTALS.get(str(side), "{side}: {amount}"),
                side=str(side),
                amount=format_amount(row.this_year, sel.currency),
            )
            for side, row in totals.iterrows()
        )
    )
    st.markdown(
        _(
            "**Balance sheet** at the end of period {period} — pick a row to see the ledger "
            "lines behind it",
            period=_period(sel),
        )
    )
    keys = [ledger.balance_sheet_figure(r).key for r in bs.itertuples()]
    report_table(
        bs,
        key=BS_TABLE_KEY,
        file_name="balance_sheet",
        title=_("Balance sheet"),
        labels=_position_labels(sel),
        on_select=lambda: _select_into_drilldown(BS_TABLE_KEY, keys),
        hide=("account_id",),
        values={"side": charts.sides()},
        previous_year=sel.has_previous_year,
    )
    return bs


def ageing(wh: PublishedWarehouse, sel: Selection, kind: str) -> None:
    sales = kind == "receivables"
    title = _("Receivables ageing") if sales else _("Payables ageing")
    buckets = cached(finance.ageing_buckets)(wh, sel, kind)
    invoices = cached(finance.open_invoices)(wh, sel, kind, finance.OPEN_INVOICES_SHOWN)
    st.plotly_chart(charts.ageing(buckets, title, sel.currency), key=f"ageing_{kind}")
    as_of = invoices["as_of_date"].iloc[0] if len(invoices) else None
    if as_of is None:
        when = (
            _("Open sales invoices as of the last refresh.")
            if sales
            else _("Open purchase invoices as of the last refresh.")
        )
    else:
        day = format_day(pd.Timestamp(as_of).date())
        when = (
            _("Open sales invoices as of {date}.", date=day)
            if sales
            else _("Open purchase invoices as of {date}.", date=day)
        )
    buckets_in = (
        _("Buckets in {currency}, translated at that day's rate.", currency=sel.currency)
        if sel.in_group_currency
        else _("Buckets in {currency}.", currency=sel.currency)
    )
    st.caption(" ".join((when, buckets_in)))  # two sentences, each translated
    report_table(
        buckets,
        key=f"{kind}_buckets",
        file_name=f"{kind}_ageing_buckets",
        title=title,
        # Summed in the selection's currency (the caption names it), not the invoices'.
        labels=labels(open_amount=_("Open")),
        hide=("bucket_order",),
    )
    st.markdown(_("**Open sales invoices**") if sales else _("**Open purchase invoices**"))
    total = int(buckets["invoices"].sum()) if len(buckets) else 0
    if total > len(invoices):
        st.caption(
            ngettext(
                "The {shown} most overdue of {total} open invoice; the Excel download holds "
                "all of them.",
                "The {shown} most overdue of {total} open invoices; the Excel download holds "
                "all of them.",
                total,
                shown=format_quantity(len(invoices)),
                total=format_quantity(total),
            )
        )
    report_table(
        invoices,
        key=f"{kind}_open_invoices",
        file_name=f"open_{kind}",
        title=_("Open receivables") if sales else _("Open payables"),
        labels=labels(),
        download=lambda: finance.open_invoices(wh, sel, kind, limit=None),
    )


def cash(wh: PublishedWarehouse, sel: Selection) -> None:
    position = cached(finance.cash_position)(wh, sel)
    st.plotly_chart(charts.cash_position(position, sel.currency))
    report_table(
        position,
        key="cash_position",
        file_name="cash_position",
        title=_("Cash position"),
        labels={"balance": _("Balance ({currency})", currency=sel.currency)},
    )


def _variance_colour(value: object) -> str:
    """Favourable (positive) variances green, unfavourable (negative) red."""
    if not isinstance(value, int | float) or pd.isna(value) or value == 0:
        return ""
    return _FAVOURABLE if value > 0 else _UNFAVOURABLE


def _variance_style(df: pd.DataFrame) -> Any:
    """Favourable variances green and unfavourable ones red (report_table formats them)."""
    coloured = [c for c in df.columns if str(c).startswith("variance")]
    return df.style.map(_variance_colour, subset=coloured)


def variance_table(df: pd.DataFrame, **table: Any) -> None:
    """A :func:`report_table` (Excel download right under it) with variances in colour."""
    report_table(df, style=_variance_style, **table)


def _currency_picker(
    groups: dict[str, tuple[int, ...]], codes: dict[int, str], key: str
) -> str | None:
    """One of the currencies the divisions keep books in (a radio when there are several)."""
    if not groups:
        return None
    if len(groups) == 1:
        return next(iter(groups))
    if st.session_state.get(key) not in groups:
        st.session_state.pop(key, None)
    picked: str = st.radio(
        _("Currency"),
        list(groups),
        horizontal=True,
        key=key,
        format_func=lambda c: f"{c} ({', '.join(codes[d] for d in groups[c])})",
        help=_(
            "These marts keep each division's own currency; divisions in different "
            "currencies are not added up."
        ),
    )
    return picked


def _division_codes(wh: PublishedWarehouse) -> dict[int, str]:
    divisions = cached(finance.divisions)(wh)
    return {int(r.division_id): str(r.division_code) for r in divisions.itertuples()}  # type: ignore[arg-type]


def _select_account(table_key: str, account_ids: list[int]) -> None:
    """A row picked in the budget table becomes the account shown in detail."""
    picked = st.session_state[table_key].selection.rows
    if picked:
        st.session_state[BVA_ACCOUNT_KEY] = account_ids[picked[0]]


def _totals_line(df: pd.DataFrame, currency: str, period: str) -> str:
    budget, actual = float(df["budget"].sum()), float(df["actual"].sum())
    variance = actual - budget
    amounts = {
        "period": period,
        "budget": format_amount(budget, currency),
        "actual": format_amount(actual, currency),
        "variance": format_change(variance, currency),
    }
    if not budget:
        return _(
            "**Net result, year to date through period {period}:** budget {budget} · actual "
            "{actual} · variance {variance}",
            **amounts,
        )
    pct = 100 * variance / abs(budget)
    return _(
        "**Net result, year to date through period {period}:** budget {budget} · actual "
        "{actual} · variance {variance} ({percent})",
        **amounts,
        percent=("+" if pct >= 0 else "") + format_percent(pct),
    )


def budget_vs_actual(wh: PublishedWarehouse, sel: Selection) -> None:
    """Budget against actual for one version: by month, section and account, drillable."""
    found = cached(budgets.versions)(wh, sel)
    if found.empty:
        st.info(
            _(
                "The warehouse holds no budget for {year} of the selected divisions. Make one "
                "on the Budgets page; it shows here after the next warehouse refresh.",
                year=sel.fiscal_year,
            )
        )
        return
    choices = budgets.version_choices(found)
    if st.session_state.get(BVA_VERSION_KEY) not in choices:
        st.session_state.pop(BVA_VERSION_KEY, None)
    # The labels name the year ("Budget 2026 · ..."): the shown one must follow it.
    key = sidebar.select_box(
        _("Budget version"),
        list(choices),
        key=BVA_VERSION_KEY,
        format_func=choices.__getitem__,
        help=_(
            "Versions as of the last warehouse refresh. A name stands for that version in "
            "every selected division that has it."
        ),
    )
    version_ids = budgets.chosen_versions(found, str(key))
    chosen = found[found["version_id"].isin(version_ids)]
    codes = _division_codes(wh)
    version_sel = Selection(
        tuple(sorted(int(d) for d in chosen["division_id"])),
        sel.fiscal_year,
        sel.period_through,
        sel.currency,
        sel.in_group_currency,
    )
    groups = budgets.divisions_by_currency(cached(finance.divisions)(wh), version_sel)
    period = _period(sel)
    st.caption(_(budgets.SIGN_CONVENTION))
    if len(groups) > 1:
        st.caption(
            _(
                "Budgets are kept in each division's own currency and are not translated: the "
                "divisions below are listed each in its own currency, the details further down "
                "show the divisions of one currency at a time."
            )
        )
        overview = cached(budgets.by_division)(wh, sel, version_ids)
        st.markdown(
            _("**Net result per division**, year to date through period {period}", period=period)
        )
        variance_table(
            overview,
            key="bva_divisions",
            file_name="budget_vs_actual_by_division",
            title=_("Budget vs actual by division"),
            labels=labels(currency_code=_("Currency")),
            filters={
                _("Currency"): _("each division's own"),
                _("Budget version"): choices[key],
            },
        )
    currency = _currency_picker(groups, codes, BVA_CURRENCY_KEY)
    if currency is None:
        return
    scope = budgets.in_currency(sel, currency, groups[currency])
    ids = tuple(
        sorted(int(v) for v in chosen[chosen["division_id"].isin(scope.division_ids)]["version_id"])
    )
    names = ", ".join(codes[d] for d in scope.division_ids)
    st.caption(
        _("Amounts in {currency}: {divisions} added up.", currency=currency, divisions=names)
        if len(scope.division_ids) > 1
        else _("Amounts in {currency}: {divisions}.", currency=currency, divisions=names)
    )
    accounts = cached(budgets.by_account)(wh, scope, ids)
    st.markdown(_totals_line(accounts, currency, period))
    st.plotly_chart(
        budget_charts.budget_vs_actual_by_month(
            cached(budgets.by_month)(wh, scope, ids), sel.period_through, currency
        ),
        key="bva_chart",
    )
    st.markdown(
        _("**Budget vs actual by section**, year to date through period {period}", period=period)
    )
    version = {_("Budget version"): choices[key]}
    variance_table(
        cached(budgets.by_section)(wh, scope, ids),
        key="bva_sections",
        file_name="budget_vs_actual_by_section",
        title=_("Budget vs actual by section"),
        labels=labels(),
        selection=scope,
        filters=version,
    )
    st.markdown(
        _(
            "**Budget vs actual by account**, year to date through period {period} — pick a "
            "row to see its months and the ledger lines behind its actual",
            period=period,
        )
    )
    account_ids = [int(a) for a in accounts["account_id"]]
    variance_table(
        accounts,
        key=BVA_TABLE_KEY,
        file_name="budget_vs_actual_by_account",
        title=_("Budget vs actual by account"),
        labels=labels(),
        on_select=lambda: _select_account(BVA_TABLE_KEY, account_ids),
        hide=("account_id",),
        selection=scope,
        filters=version,
    )
    budget_account_detail(wh, scope, ids, accounts, version)


def budget_account_detail(
    wh: PublishedWarehouse,
    scope: Selection,
    version_ids: tuple[int, ...],
    accounts: pd.DataFrame,
    version: Mapping[str, str | None] | None = None,
) -> None:
    """One account of the budget table: its months, and the ledger lines behind its actual."""
    rows = {int(r.account_id): r for r in accounts.itertuples()}  # type: ignore[arg-type]
    if st.session_state.get(BVA_ACCOUNT_KEY) not in rows:
        st.session_state.pop(BVA_ACCOUNT_KEY, None)
    account_id = st.selectbox(
        _("Account"),
        list(rows),
        index=None,
        key=BVA_ACCOUNT_KEY,
        format_func=lambda a: f"{rows[a].account_code} {rows[a].account_name}",
        placeholder=_("Pick an account (or a row above)"),
    )
    if account_id is None:
        return
    row = rows[int(account_id)]
    label = f"{row.account_code} {row.account_name}"
    st.markdown(
        _(
            "**{account} by month** (actuals through period {period})",
            account=label,
            period=_period(scope),
        )
    )
    filters = {**(version or {}), _("Account"): label}
    variance_table(
        cached(budgets.account_months)(wh, scope, version_ids, int(account_id)),
        key="bva_account_months",
        file_name="budget_vs_actual_account_months",
        title=_("Budget vs actual: {account}", account=label)[:80],
        labels=labels(),
        selection=scope,
        filters=filters,
    )
    figure = ledger.account_figure(row)
    check = cached(ledger.reconciliation)(wh, scope, figure)
    count = int(check["lines"].sum())
    total = float(check["lines_total"].sum())
    actual = float(row.actual)  # type: ignore[arg-type]
    st.markdown(
        ngettext(
            "**Ledger lines behind the actual** of {account}: {count} line, total {total} "
            "against the actual {actual} in the table (P&L sign).",
            "**Ledger lines behind the actual** of {account}: {count} lines, total {total} "
            "against the actual {actual} in the table (P&L sign).",
            count,
            account=label,
            count=format_quantity(count),
            total=format_amount(total, scope.currency),
            actual=format_amount(actual, scope.currency),
        )
    )
    if abs(total - actual) >= 0.005:
        st.error(_("The ledger lines do not add up to the actual; report this to the analysts."))
    lines_page(
        wh,
        scope,
        figure,
        count,
        key="bva_ledger_lines",
        file_name="budget_actual_ledger_lines",
        title=_("Ledger lines: {figure}", figure=label)[:80],
    )


def lines_page(
    wh: PublishedWarehouse,
    sel: Selection,
    figure: ledger.Figure,
    count: int,
    *,
    key: str,
    file_name: str,
    title: str,
    filters: Mapping[str, str | None] | None = None,
) -> None:
    """The ledger lines behind a figure, a page at a time: a figure can stand on millions."""
    per_page = ledger.LINES_PER_PAGE
    pages = ledger.page_count(count, per_page)
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                _("Page (of {pages})", pages=format_quantity(pages)),
                min_value=1,
                max_value=pages,
                value=1,
                key=f"{key}_page",
            )
        )
        first = (page - 1) * per_page + 1
        last = min(page * per_page, count)
        st.caption(
            _(
                "Lines {first} to {last} of {count}, oldest first; the download holds the "
                "lines of this page.",
                first=format_quantity(first),
                last=format_quantity(last),
                count=format_quantity(count),
            )
        )
    lines = cached(ledger.ledger_lines)(wh, sel, figure, page=page, per_page=per_page, total=count)
    shown: dict[str, str | None] = {_("Figure"): figure.label, **(filters or {})}
    if pages > 1:
        shown[_("Lines")] = _(
            "page {page} of {pages} ({count} lines)",
            page=format_quantity(page),
            pages=format_quantity(pages),
            count=format_quantity(count),
        )
    report_table(
        lines,
        key=key,
        file_name=file_name,
        title=title,
        labels=labels(),
        selection=sel,
        filters=shown,
        hide=("entry_id",),
        # A line picked opens its entry's audit rows below (who posted or reversed it).
        on_select=(lambda: None) if _may_view_audit() else None,
    )
    picked = st.session_state.get(key) or {}
    rows = (picked.get("selection") or {}).get("rows") or []
    if rows and rows[0] < len(lines):
        show_audit_for_entry(int(lines.iloc[rows[0]]["entry_id"]), key=f"{key}_audit")


def _may_view_audit() -> bool:
    scope = signed_in.scope()
    return scope is not None and audit_drill.may_view(scope.role)


def cash_forecast(wh: PublishedWarehouse, sel: Selection) -> None:
    """The 13-week cash forecast from the real cash position on the as-of date."""
    codes = _division_codes(wh)
    groups = budgets.divisions_by_currency(cached(finance.divisions)(wh), sel)
    if len(groups) > 1:
        st.caption(
            _(
                "The forecast is kept in each division's own currency and is not translated: "
                "it shows the divisions of one currency at a time."
            )
        )
    currency = _currency_picker(groups, codes, FORECAST_CURRENCY_KEY)
    if currency is None:
        return
    scope = budgets.in_currency(sel, currency, groups[currency])
    weeks = cached(budgets.cash_forecast)(wh, scope)
    if weeks.empty:
        st.info(_("The warehouse holds no cash forecast for these divisions yet."))
        return
    as_of = budgets.as_of_date(wh)
    opening = float(weeks["opening_cash"].iloc[0])
    names = ", ".join(codes[d] for d in scope.division_ids)
    if as_of is not None:
        week_one = _(
            "Week 1 is the week holding the as-of date {date} and opens with the real cash "
            "position on that date: **{opening}**, the balance of the cash and bank accounts "
            "from every posting up to it.",
            date=format_day(as_of),
            opening=format_amount(opening, currency),
        )
    else:
        week_one = _(
            "Week 1 is the week holding the as-of date, the last refresh (week of {date}), "
            "and opens with the real cash position on that date: **{opening}**, the balance "
            "of the cash and bank accounts from every posting up to it.",
            date=format_day(pd.Timestamp(weeks["week_start"].iloc[0]).date()),
            opening=format_amount(opening, currency),
        )
    st.caption(
        " ".join(
            [
                _(
                    "In {currency} ({divisions}), cash sign: money in positive, out negative.",
                    currency=currency,
                    divisions=names,
                ),
                week_one,
                _(
                    "Receipts and payments are the open invoices on their due date shifted by "
                    "the relation's usual payment delay (overdue ones in week 1); wages and "
                    "rent are the average of the last 3 full months; budget flows are the "
                    "approved normal budget of the months not started yet (revenue in, costs "
                    "out; wages, rent and depreciation left out)."
                ),
            ]
        )
    )
    st.plotly_chart(budget_charts.cash_forecast(weeks, currency), key="forecast_chart")
    report_table(
        weeks,
        key="cash_forecast",
        file_name="cash_forecast_13_weeks",
        title=_("13-week cash forecast"),
        labels=labels(),
        selection=scope,  # the divisions of the one currency shown, not the sidebar's
    )
    if as_of is None:
        return
    check = cached(budgets.forecast_opening)(wh, scope, as_of)
    st.markdown(
        _(
            "**Opening cash against the cash position on {date}**, per division in its own "
            "currency: the Cash tab's period-end balance (of the period holding that date) "
            "less what was posted to cash after the date.",
            date=format_day(as_of),
        )
    )
    report_table(
        check,
        key="cash_forecast_opening",
        file_name="cash_forecast_opening",
        title=_("Cash forecast opening check"),
        labels=labels(currency_code=_("Currency")),
        selection=scope,
    )
    if (check["difference"].abs() >= 0.005).any():
        st.error(
            _(
                "Week 1's opening cash differs from the cash position on the as-of date; "
                "report this to the analysts."
            )
        )


def drilldown(
    wh: PublishedWarehouse,
    sel: Selection,
    sections: pd.DataFrame,
    accounts: pd.DataFrame,
    bs: pd.DataFrame,
) -> None:
    st.subheader(_("Ledger lines behind a figure"))
    options = {f.key: f for f in ledger.figures(sections, accounts, bs)}
    if st.session_state.get(DRILL_KEY) not in options:
        st.session_state.pop(DRILL_KEY, None)
    key = st.selectbox(
        _("Figure"),
        options=list(options),
        index=None,
        key=DRILL_KEY,
        format_func=lambda k: options[k].label,
        placeholder=_("Pick a P&L section, account or balance-sheet line"),
    )
    if key is None:
        return
    figure = options[key]
    check = cached(ledger.reconciliation)(wh, sel, figure)
    for row in check.itertuples():
        cur = str(row.amount_currency)
        left, middle, right = st.columns(3)
        lines = int(row.lines)  # type: ignore[arg-type]
        left.metric(_("Figure ({currency})", currency=cur), format_amount(row.figure, cur))  # type: ignore[arg-type]
        middle.metric(
            ngettext(
                "Total of {count} ledger line ({currency})",
                "Total of {count} ledger lines ({currency})",
                lines,
                count=format_quantity(lines),
                currency=cur,
            ),
            format_amount(row.lines_total, cur),  # type: ignore[arg-type]
        )
        right.metric(
            _("Difference ({currency})", currency=cur),
            format_amount(row.difference, cur),  # type: ignore[arg-type]
        )
    if figure.is_balance_sheet and sel.in_group_currency:
        st.caption(
            _(
                "The balance sheet translates at the period-end rate, which individual lines "
                "do not carry: the lines are shown and reconciled in each division's own "
                "currency."
            )
        )
    if (check["difference"].abs() >= 0.005).any():
        st.error(_("The ledger lines do not add up to the figure; report this to the analysts."))
    lines_page(
        wh,
        sel,
        figure,
        int(check["lines"].sum()),
        key="drill_lines",
        file_name="ledger_lines",
        title=_("Ledger lines: {figure}", figure=figure.label),
    )


def main() -> None:
    st.title(_("Finance"))
    context = sidebar.insights_context()
    if context is None:
        return
    wh, sel = context
    st.caption(sel.currency_note)
    kpi_cards(wh, sel)
    pnl_tab, bs_tab, open_tab, cash_tab, budget_tab, forecast_tab = st.tabs(
        [
            _("Profit and loss"),
            _("Balance sheet"),
            _("Receivables and payables"),
            _("Cash"),
            _("Budget vs actual"),
            _("Cash forecast"),
        ]
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
    with budget_tab:
        budget_vs_actual(wh, sel)
    with forecast_tab:
        cash_forecast(wh, sel)
    drilldown(wh, sel, sections, accounts, bs)


main()
