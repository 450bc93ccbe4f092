"""Consolidation: the group's consolidated statements per group level and month end.

KPIs against the same month end last year; the P&L, balance sheet and trial balance with
one column per division, the eliminations, the adjustments (top-side entries) and the
group; currency effects and the movements in the translation reserve and in
non-controlling interests; the intercompany reconciliation; and the drill-down from any
consolidated figure to the eliminations behind it and to a division's ledger lines in
its own currency. Everything is read from the consolidation marts
(docs/consolidation.md, section 3); a user sees a level only when their scope holds
every division of it (section 6).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards import sidebar, signed_in
from dashboards.amounts import (
    compact_amount,
    delta_style,
    format_amount,
    format_change,
    format_day,
    format_quantity,
    format_share,
)
from dashboards.charts import consolidation as charts
from dashboards.charts.finance import sides
from dashboards.language import N_, _, ngettext
from dashboards.queries import consolidation as q
from dashboards.queries.finance import last_posting_date
from dashboards.report_cache import cached
from dashboards.report_table import report_table
from dashboards.selection import default_month_end
from dashboards.warehouse import PublishedWarehouse
from transactional import clock
from transactional.database import session_scope

LEVEL_KEY = "consolidation_level"
PERIOD_KEY = "consolidation_period"
AMOUNTS_KEY = "consolidation_pl_amounts"
DRILL_ACCOUNT_KEY = "consolidation_drill_account"
DRILL_COLUMN_KEY = "consolidation_drill_column"
DRILL_DIVISION_KEY = "consolidation_drill_division"
PL_TABLE_KEY = "consolidated_pl"
BS_TABLE_KEY = "consolidated_bs"
TB_TABLE_KEY = "consolidated_tb"
IC_TABLE_KEY = "intercompany_reconciliation"

# Column headings (message ids: shown through ``labels()``).
LABELS = {
    "line_code": N_("Line"),
    "line_name": N_("Description"),
    "code": N_("Group account"),
    "name": N_("Account name"),
    "division_code": N_("Division"),
    "counterparty_code": N_("Counterparty"),
    "currency_code": N_("Currency"),
    "rate_type": N_("Rate type"),
    "closing_rate": N_("Closing rate"),
    "amount_local": N_("Amount (division currency)"),
    "amount_group": N_("Translated (group currency)"),
    "amount_at_closing": N_("At the closing rate"),
    "currency_effect": N_("Currency effect"),
    "opening": N_("Opening"),
    "movement": N_("Movement"),
    "closing": N_("Closing"),
    "goodwill_translation": N_("Of which goodwill translation"),
    "nci_portion": N_("Share of non-controlling interests"),
    "group_portion": N_("Group share"),
    "ownership_pct": N_("Ownership"),
    "at_acquisition": N_("At acquisition"),
    "result_to_nci": N_("Share of result"),
    "cta_to_nci": N_("Share of translation reserve"),
    "equity_movements_to_nci": N_("Share of dividends and reserves"),
    "kind": N_("Kind"),
    "amount_division": N_("Division's side"),
    "amount_counterparty": N_("Counterparty's side"),
    "difference": N_("Difference"),
    "is_matched": N_("Matched"),
    "column_kind": N_("Column"),
    "elimination_type": N_("Elimination"),
    "description": N_("Description"),
    "cumulative": N_("Cumulative"),
    "amount": N_("In the figure"),
    "journal_code": N_("Journal"),
    "document_number": N_("Document"),
    "entry_date": N_("Date"),
    "account_code": N_("Account"),
    "amount_foreign": N_("Amount (line currency)"),
    "debit_base": N_("Debit (division currency)"),
    "credit_base": N_("Credit (division currency)"),
    "amount_base": N_("Amount (division currency)"),
    "account_name": N_("Account name"),
    "lines": N_("Ledger lines"),
}
# The columns of eliminations, adjustments and the group (their codes in the marts).
COLUMN_NAMES = {"ELIM": N_("Eliminations"), "ADJ": N_("Adjustments"), "GROUP": N_("Group")}
# The lines the marts compute, named here in the user's language.
COMPUTED_LINES = {
    "PROFIT": N_("Profit for the period"),
    "PROFIT_NCI": N_("Attributable to non-controlling interests"),
    "PROFIT_OWNERS": N_("Attributable to owners of the parent"),
    "RE": N_("Retained earnings"),
    "CYR": N_("Result for the year attributable to owners"),
}
RATE_TYPES = {
    "closing": N_("closing"),
    "average": N_("average"),
    "historical": N_("historical"),
}
IC_KINDS = {"balance": N_("Balances"), "transaction": N_("Transactions, year to date")}
COLUMN_KINDS = {
    "elimination": N_("Eliminations"),
    "adjustment": N_("Adjustments"),
}
ELIMINATION_TYPES = {
    "intercompany_balance": N_("Intercompany balance"),
    "intercompany_transaction": N_("Intercompany transaction"),
    "intercompany_difference": N_("Intercompany difference"),
    "dividend": N_("Dividend"),
    "equity_at_acquisition": N_("Equity at acquisition"),
    "investment": N_("Investment"),
    "goodwill": N_("Goodwill"),
    "goodwill_translation": N_("Goodwill translation"),
    "bargain_purchase_gain": N_("Bargain purchase gain"),
    "nci_at_acquisition": N_("NCI at acquisition"),
    "nci_investment": N_("NCI share of the sub-holding's investment"),
    "nci_result": N_("NCI share of result"),
    "nci_cta": N_("NCI share of translation reserve"),
    "nci_equity": N_("NCI share of equity movements"),
    "equity_method_result": N_("Share of associate's result"),
    "equity_method_cta": N_("Share of associate's translation reserve"),
    "topside": N_("Top-side entry"),
}
_DIFFERENCE = "background-color: #ffebe9; color: #cf222e; font-weight: bold"


def labels(**more: str) -> dict[str, str]:
    """The column headings in the current language (division codes stay as they are)."""
    return {
        **{k: _(v) for k, v in LABELS.items()},
        **{k: _(v) for k, v in COLUMN_NAMES.items()},
        **more,
    }


def _translated(mapping: Mapping[str, str]) -> dict[str, str]:
    return {k: _(v) for k, v in mapping.items()}


def _account_names() -> dict[str, str]:
    """The standard group chart's names (message ids) in the user's language; an account
    named otherwise (renamed, or a chart of one's own) keeps its name."""
    from transactional.consolidation.group_chart import STANDARD_GROUP_CHART

    return {a.name: _(a.name) for a in STANDARD_GROUP_CHART}


def _named_accounts(df: pd.DataFrame, column: str = "name") -> pd.DataFrame:
    names = _account_names()
    return df.assign(**{column: [names.get(str(n), n) for n in df[column]]})


def _named_lines(df: pd.DataFrame) -> pd.DataFrame:
    """The lines' names in the user's language: the computed lines' (the marts write them
    once, in English) by their code, the standard group accounts' by their name."""
    computed, names = _translated(COMPUTED_LINES), _account_names()
    return df.assign(
        line_name=[
            computed.get(str(c), names.get(str(n), n))
            for c, n in zip(df["line_code"], df["line_name"], strict=True)
        ]
    )


def _described(eliminated: pd.DataFrame) -> pd.DataFrame:
    """The eliminations' descriptions in the user's language: the mart writes them in
    English ("intercompany transaction NL01 / HOLD"), so they are composed here from the
    type and the divisions; a top-side entry keeps the words its author typed."""
    types = _translated(ELIMINATION_TYPES)

    def text(r: Any) -> str:
        if r.elimination_type == "topside":
            return str(r.description or "")
        codes = [str(c) for c in (r.division_code, r.counterparty_code) if not pd.isna(c)]
        kind = types.get(str(r.elimination_type), str(r.elimination_type))
        return " ".join([kind, " / ".join(codes)]).strip()

    return eliminated.assign(description=[text(r) for r in eliminated.itertuples()])


class Page:
    """The picked level and month end, and what every table's workbook says it holds."""

    def __init__(self, wh: PublishedWarehouse, level_row: Any, level: q.Level) -> None:
        self.wh = wh
        self.level = level
        self.currency = str(level_row.group_currency)
        self.code = str(level_row.group_division_code)
        self.is_top = bool(level_row.is_top)
        self.members = cached(q.members)(wh, level)
        self.columns = cached(q.columns)(wh, level)

    @property
    def column_order(self) -> list[str]:
        return [str(c) for c in self.columns["column_code"]]

    def level_label(self) -> str:
        if self.is_top:
            return _("{code}, the whole group", code=self.code)
        return _("{code}, sub-holding", code=self.code)

    def filters(self, **more: str | None) -> dict[str, str | None]:
        """The workbook's header: the level, its divisions, the currency, the month end;
        the sidebar's selection lines (which this page does not use) dropped."""
        codes = ", ".join(str(c) for c in self.members["division_code"])
        return {
            _("Group level"): self.level_label(),
            _("Divisions"): codes,
            _("Currency"): _("{currency} (group currency, consolidated)", currency=self.currency),
            _("Fiscal year"): str(self.level.fiscal_year),
            _("Through period"): None,
            _("Period end"): format_day(self.level.period_end),
            **more,
        }

    def column_label(self, code: str) -> str:
        return _(COLUMN_NAMES[code]) if code in COLUMN_NAMES else code


def _pick_level(wh: PublishedWarehouse) -> tuple[Any, q.Level] | None:
    """The group level and month end picked at the top of the page, or None (with why)."""
    try:
        levels = cached(q.levels)(wh)
    except duckdb.CatalogException:
        st.info(_("The published warehouse holds no consolidation yet; run `erp refresh`."))
        return None
    if levels.empty:
        who = signed_in.scope()
        if who is not None and who.divisions is not None:
            st.info(
                _(
                    "Consolidated figures are shown to users who see every division of a "
                    "group level; your divisions do not make up a whole group level. Ask an "
                    "administrator if you need them."
                )
            )
        else:
            st.info(
                _(
                    "No group structure has been consolidated yet: set up the group in "
                    "*Group structure* and refresh the warehouse."
                )
            )
        return None
    rows = {int(r.group_division_id): r for r in levels.itertuples()}
    left, right = st.columns(2)

    def level_name(level_id: int) -> str:
        r = rows[level_id]
        if r.is_top:
            return _(
                "{code}, the whole group ({currency})",
                code=r.group_division_code,
                currency=r.group_currency,
            )
        return _(
            "{code}, sub-holding ({currency})",
            code=r.group_division_code,
            currency=r.group_currency,
        )

    level_id = sidebar.select_box(
        _("Group level"),
        list(rows),
        key=LEVEL_KEY,
        format_func=level_name,
        widget=left.selectbox,
        help=_("The whole group, or a sub-holding consolidated on its own."),
    )
    ends = cached(q.period_ends)(wh, int(level_id))
    if ends.empty:
        st.info(_("The warehouse holds no consolidated period for this level yet."))
        return None
    days = [pd.Timestamp(d).date() for d in ends["period_end"]]
    # The latest month end the books have reached, as the sidebar's period: a month end
    # still ahead would compare a partial year with last year's full one.
    opening = default_month_end(days, clock.today(), cached(last_posting_date)(wh))
    period_end = sidebar.select_box(
        _("Month end"),
        days,
        key=PERIOD_KEY,
        format_func=format_day,
        index=days.index(opening),
        widget=right.selectbox,
        help=_("Balances at this month end; the P&L from the start of its year."),
    )
    return rows[int(level_id)], q.Level(int(level_id), period_end)


def unmapped_warning(page: Page) -> None:
    """Accounts of the level's divisions with ledger lines and no group account: the
    refresh refuses to consolidate until they are mapped (the ledger as it is now)."""
    from transactional.consolidation.group_chart import unmapped_accounts

    ids = {int(d) for d in page.members["division_id"]}
    with session_scope() as session:
        found = unmapped_accounts(session, ids)
    if not found:
        return
    st.warning(
        ngettext(
            "{n} account with ledger lines is not mapped to the group chart: the next "
            "refresh will not consolidate until it is (*Account mapping*).",
            "{n} accounts with ledger lines are not mapped to the group chart: the next "
            "refresh will not consolidate until they are (*Account mapping*).",
            len(found),
        ),
        icon=":material/warning:",
    )
    report_table(
        pd.DataFrame(
            [(u.division_code, u.account_code, u.account_name, u.lines) for u in found],
            columns=["division_code", "account_code", "account_name", "lines"],
        ),
        key="unmapped_accounts",
        file_name="unmapped_accounts",
        title=_("Unmapped accounts"),
        labels=labels(),
        filters=page.filters(),
    )


def kpi_cards(page: Page) -> None:
    rows = cached(q.kpis)(page.wh, page.level)
    names = _translated(dict(q.KPIS))
    last_year = format_day(page.level.last_year_end)
    # Results, then positions: five cards in one row cut a group's amounts ("1,380,44…").
    columns = [*st.columns(3), *st.columns(len(rows) - 3)] if len(rows) > 3 else st.columns(3)
    for column, row in zip(columns, rows.itertuples(), strict=False):
        key = str(row.kpi)
        value = float(row.this_year)  # type: ignore[arg-type]
        change = None if pd.isna(row.change) else float(row.change)  # type: ignore[arg-type]
        exact = format_amount(value, page.currency)
        if change is not None:
            exact = _(
                "{amount}, change {change}",
                amount=exact,
                change=format_change(change, page.currency),
            )
        tooltip = (
            N_("{amount}: at {date}; change against {previous}.")
            if key in ("equity", "nci")
            else N_(
                "{amount}: year to date at {date}; change against the same months to {previous}."
            )
        )
        column.metric(
            names[key],
            compact_amount(value),
            delta=None if change is None else compact_amount(change, sign=True),
            **delta_style(change),
            help=_(
                tooltip,
                amount=exact,
                date=format_day(page.level.period_end),
                previous=last_year,
            ),
            border=True,
        )


def _select_account(table_key: str, account_ids: list[int | None]) -> None:
    """A row picked in a statement becomes the drill-down's account (computed lines, such
    as the profit, have none)."""
    picked = st.session_state[table_key].selection.rows
    if picked and account_ids[picked[0]] is not None:
        st.session_state[DRILL_ACCOUNT_KEY] = account_ids[picked[0]]


def _columns_labels(page: Page) -> dict[str, str]:
    return labels(**{c: page.column_label(c) for c in page.column_order})


def income_statement(page: Page, accounts: Mapping[str, int]) -> None:
    amounts = st.radio(
        _("Amounts"),
        ["ytd_amount", "month_amount"],
        format_func=lambda a: _("Year to date") if a == "ytd_amount" else _("Month"),
        horizontal=True,
        key=AMOUNTS_KEY,
    )
    long = _named_lines(cached(q.income_statement)(page.wh, page.level))
    wide = q.by_column(long, ["line_code", "line_name"], amounts, page.column_order)
    ids = [accounts.get(str(c)) for c in wide["line_code"]]
    st.markdown(
        _(
            "**Consolidated P&L** ({amounts}, income positive) — pick a line to drill down",
            amounts=_("year to date") if amounts == "ytd_amount" else _("month"),
        )
    )
    report_table(
        wide,
        key=PL_TABLE_KEY,
        file_name="consolidated_income_statement",
        title=_("Consolidated P&L"),
        labels=_columns_labels(page),
        on_select=lambda: _select_account(PL_TABLE_KEY, ids),
        filters=page.filters(
            **{_("Amounts"): _("Year to date") if amounts == "ytd_amount" else _("Month")}
        ),
    )
    result = cached(q.profit_by_column)(page.wh, page.level)
    if not result.empty:
        st.plotly_chart(
            charts.result_by_column(result, _columns_labels(page), page.currency),
            key="consolidation_result_chart",
        )


def balance_sheet(page: Page, accounts: Mapping[str, int], retained: int | None) -> None:
    long = _named_lines(cached(q.balance_sheet)(page.wh, page.level))
    wide = q.by_column(long, ["side", "line_code", "line_name"], "amount", page.column_order)
    ids = [retained if c == "RE" else accounts.get(str(c)) for c in wide["line_code"]]
    if "GROUP" in wide.columns:
        totals = wide.groupby("side", sort=False)["GROUP"].sum()
        names = sides()
        st.caption(
            " · ".join(
                _(
                    "{side}: {amount}",
                    side=names.get(str(side), str(side)),
                    amount=format_amount(float(value), page.currency),
                )
                for side, value in totals.items()
            )
        )
    st.markdown(
        _(
            "**Consolidated balance sheet** at {date} — pick a line to drill down",
            date=format_day(page.level.period_end),
        )
    )
    report_table(
        wide,
        key=BS_TABLE_KEY,
        file_name="consolidated_balance_sheet",
        title=_("Consolidated balance sheet"),
        labels=_columns_labels(page),
        on_select=lambda: _select_account(BS_TABLE_KEY, ids),
        values={"side": sides()},
        filters=page.filters(),
    )


def trial_balance(page: Page, tb: pd.DataFrame) -> None:
    wide = q.by_column(tb, ["group_account_id", "code", "name"], "balance", page.column_order)
    ids: list[int | None] = [int(i) for i in wide["group_account_id"]]
    unbalanced = [
        page.column_label(c)
        for c in page.column_order
        if c in wide.columns and abs(float(wide[c].sum())) >= 0.005
    ]
    if unbalanced:
        st.error(
            _(
                "These columns do not sum to zero: {columns}. Report this to the analysts.",
                columns=", ".join(unbalanced),
            )
        )
    st.markdown(
        _(
            "**Consolidated trial balance** at {date}, debit positive: balance-sheet accounts "
            "cumulative, P&L accounts year to date, earlier years' results in retained "
            "earnings. Every column sums to zero — pick an account to drill down",
            date=format_day(page.level.period_end),
        )
    )
    report_table(
        wide.drop(columns="group_account_id"),
        key=TB_TABLE_KEY,
        file_name="consolidated_trial_balance",
        title=_("Consolidated trial balance"),
        labels=_columns_labels(page),
        on_select=lambda: _select_account(TB_TABLE_KEY, ids),
        filters=page.filters(),
    )


def currency_effects(page: Page) -> None:
    st.caption(
        _(
            "Each division is translated into {currency}: balance-sheet accounts at the "
            "closing rate, the P&L at each month's average rate, equity at historical "
            "rates. The currency effect is what those rates change against translating "
            "everything at the closing rate; the translation reserve (CTA) makes each "
            "translated trial balance balance.",
            currency=page.currency,
        )
    )
    by_division = cached(q.currency_effect_by_division)(page.wh, page.level)
    if not by_division.empty:
        st.plotly_chart(
            charts.currency_effects(by_division, page.currency), key="currency_effect_chart"
        )
    effects = _named_accounts(cached(q.currency_effects)(page.wh, page.level))
    st.markdown(_("**Currency effect by account**"))
    report_table(
        effects,
        key="currency_effects",
        file_name="currency_effects",
        title=_("Currency effects"),
        labels=labels(),
        values={"rate_type": _translated(RATE_TYPES)},
        filters=page.filters(),
    )
    st.markdown(_("**Movement in the translation reserve (CTA)**, this year to the month end"))
    report_table(
        cached(q.cta_movement)(page.wh, page.level),
        key="cta_movement",
        file_name="cta_movement",
        title=_("Movement in the translation reserve"),
        labels=labels(),
        filters=page.filters(),
    )
    st.markdown(_("**Movement in non-controlling interests**, this year to the month end"))
    nci = cached(q.nci_movement)(page.wh, page.level)
    report_table(
        nci.rename(columns={"ownership_pct": "ownership_share"}),
        key="nci_movement",
        file_name="nci_movement",
        title=_("Movement in non-controlling interests"),
        labels=labels(ownership_share=_("Ownership")),
        filters=page.filters(),
    )


def _difference_style(df: pd.DataFrame) -> Any:
    """Pairs whose two sides differ stand out."""

    def row(r: pd.Series) -> list[str]:
        differs = abs(float(r["difference"])) >= 0.005
        return [_DIFFERENCE if differs else "" for _ in r]

    return df.style.apply(row, axis=1)


def intercompany(page: Page) -> None:
    rows = cached(q.intercompany)(page.wh, page.level)
    unmatched = int((~rows["is_matched"].astype(bool)).sum()) if len(rows) else 0
    if unmatched:
        st.warning(
            ngettext(
                "{n} intercompany pair does not match: the difference is posted to the "
                "intercompany-difference account, not silently eliminated.",
                "{n} intercompany pairs do not match: the differences are posted to the "
                "intercompany-difference account, not silently eliminated.",
                unmatched,
            ),
            icon=":material/compare_arrows:",
        )
    else:
        st.success(_("Every intercompany pair matches."), icon=":material/check_circle:")
    st.caption(
        _(
            "Both sides translated into {currency}, debit positive: they match when they add "
            "up to zero. A difference comes from the bookings (one side booked something the "
            "other did not, or another amount) or from exchange rates: two companies in "
            "different currencies are translated at their own rates (balances at the closing "
            "rate, transactions at each month's average), so even matching bookings can "
            "differ by a few {currency}. The drill-down on an intercompany account shows each "
            "division's amount in its own currency.",
            currency=page.currency,
        )
    )
    shown = rows.assign(is_matched=[_("yes") if m else _("no") for m in rows["is_matched"]])
    report_table(
        shown,
        key=IC_TABLE_KEY,
        file_name="intercompany_reconciliation",
        title=_("Intercompany reconciliation"),
        labels=labels(),
        style=_difference_style,
        values={"kind": _translated(IC_KINDS)},
        filters=page.filters(),
    )


def _figure(page: Page, tb: pd.DataFrame) -> q.Figure | None:
    """The consolidated figure picked: a group account (a row picked above, or here) and
    a column."""
    accounts = tb.drop_duplicates("group_account_id").sort_values(["sort_order", "code"])
    by_id = {int(r.group_account_id): r for r in accounts.itertuples()}  # type: ignore[arg-type]
    if st.session_state.get(DRILL_ACCOUNT_KEY) not in by_id:
        st.session_state.pop(DRILL_ACCOUNT_KEY, None)
    left, right = st.columns(2)
    account_id = left.selectbox(
        _("Group account"),
        list(by_id),
        index=None,
        key=DRILL_ACCOUNT_KEY,
        format_func=lambda a: f"{by_id[a].code} {by_id[a].name}",
        placeholder=_("Pick an account (or a line above)"),
    )
    columns = {str(r.column_code): r for r in page.columns.itertuples()}
    column = sidebar.select_box(
        _("Column"),
        list(columns),
        index=len(columns) - 1,
        key=DRILL_COLUMN_KEY,
        format_func=page.column_label,
        widget=right.selectbox,
    )
    if account_id is None or column is None:
        return None
    row, col = by_id[int(account_id)], columns[str(column)]
    return q.Figure(
        int(account_id),
        str(row.code),
        str(row.name),
        str(row.account_type),
        str(column),
        str(col.column_kind),
        None if pd.isna(col.division_id) else int(col.division_id),
    )


def drilldown(page: Page, tb: pd.DataFrame, retained: int | None) -> None:
    st.subheader(_("Behind a consolidated figure"))
    figure = _figure(page, tb)
    if figure is None:
        return
    label = f"{figure.code} {figure.name} · {page.column_label(figure.column_code)}"
    wh, level = page.wh, page.level
    amount = cached(q.figure_amount)(wh, level, figure)
    translated = cached(q.translations)(wh, level, figure)
    eliminated = cached(q.eliminations)(wh, level, figure)
    parts = float(translated["amount_group"].sum()) if len(translated) else 0.0
    parts += float(eliminated["amount"].sum()) if len(eliminated) else 0.0
    left, middle, right = st.columns(3)
    left.metric(_("Figure ({currency})", currency=page.currency), format_amount(amount))
    middle.metric(_("Divisions and eliminations behind it"), format_amount(parts))
    right.metric(_("Difference"), format_amount(amount - parts))
    st.caption(
        _(
            "Year to date at {date}, debit positive as in the trial balance.",
            date=format_day(level.period_end),
        )
        if figure.is_profit_loss
        else _(
            "Balance at {date}, debit positive as in the trial balance.",
            date=format_day(level.period_end),
        )
    )
    if figure.group_account_id == retained:
        st.caption(
            _(
                "Retained earnings also hold the results of earlier years, which the "
                "trial balance folds in: drill into the P&L accounts for those."
            )
        )
    elif abs(amount - parts) >= 0.005:
        st.error(_("The rows behind the figure do not add up to it; report this to the analysts."))
    shown = {_("Figure"): label}
    if len(translated):
        st.markdown(_("**Translated divisions** (amount in each division's own currency)"))
        report_table(
            translated.drop(columns="division_id"),
            key="drill_translations",
            file_name="consolidation_drill_translations",
            title=_("Translated divisions"),
            labels=labels(),
            values={"rate_type": _translated(RATE_TYPES)},
            filters=page.filters(**shown),
        )
    if figure.column_kind != "division":
        st.markdown(_("**Eliminations and adjustments behind the figure**"))
        report_table(
            _described(eliminated).drop(columns="elimination_id"),
            key="drill_eliminations",
            file_name="consolidation_drill_eliminations",
            title=_("Eliminations behind a figure"),
            labels=labels(),
            values={
                "column_kind": _translated(COLUMN_KINDS),
                "elimination_type": _translated(ELIMINATION_TYPES),
            },
            filters=page.filters(**shown),
        )
    if len(translated):
        ledger(page, figure, translated, shown)


def ledger(
    page: Page, figure: q.Figure, translated: pd.DataFrame, shown: Mapping[str, str]
) -> None:
    """One division's ledger lines behind its translated amount, in its own currency."""
    rows = {int(r.division_id): r for r in translated.itertuples()}  # type: ignore[arg-type]
    if st.session_state.get(DRILL_DIVISION_KEY) not in rows:
        st.session_state.pop(DRILL_DIVISION_KEY, None)
    division_id = st.selectbox(
        _("Ledger lines of division"),
        list(rows),
        key=DRILL_DIVISION_KEY,
        format_func=lambda d: f"{rows[d].division_code} ({rows[d].currency_code})",
    )
    if division_id is None:
        return
    row = rows[int(division_id)]
    currency = str(row.currency_code)
    totals = cached(q.ledger_total)(page.wh, page.level, figure, int(division_id))
    count = int(totals["lines"].iloc[0])
    total = float(totals["total"].iloc[0])
    local = float(row.amount_local)  # type: ignore[arg-type]
    st.markdown(
        ngettext(
            "**{division}'s ledger lines** on the accounts it maps to {account}: {count} "
            "line, total {total} against {local} translated above.",
            "**{division}'s ledger lines** on the accounts it maps to {account}: {count} "
            "lines, total {total} against {local} translated above.",
            count,
            division=row.division_code,
            account=figure.code,
            count=format_quantity(count),
            total=format_amount(total, currency),
            local=format_amount(local, currency),
        )
    )
    if abs(total - local) >= 0.005:
        st.error(
            _(
                "The ledger lines do not add up to the translated amount; report this to "
                "the analysts."
            )
        )
    if count > q.LINES_SHOWN:
        st.caption(
            _(
                "The first {shown} of {count} lines, oldest first; the download holds them all.",
                shown=format_quantity(q.LINES_SHOWN),
                count=format_quantity(count),
            )
        )
    wh, level = page.wh, page.level
    report_table(
        cached(q.ledger_lines)(wh, level, figure, int(division_id)),
        key="drill_ledger_lines",
        file_name="consolidation_ledger_lines",
        title=_("Ledger lines: {division}", division=row.division_code),
        labels=labels(),
        download=lambda: q.ledger_lines(wh, level, figure, int(division_id), limit=None),
        filters=page.filters(
            **shown,
            **{_("Division"): str(row.division_code), _("Currency"): currency},
        ),
    )


def main() -> None:
    st.title(_("Consolidation"))
    wh: PublishedWarehouse | None = st.session_state.get(sidebar.WAREHOUSE)
    if wh is None:
        st.info(_(sidebar.NOT_PUBLISHED))
        return
    picked = _pick_level(wh)
    if picked is None:
        return
    level_row, level = picked
    page = Page(wh, level_row, level)
    members = ", ".join(
        f"{r.division_code} ({format_share(float(r.ownership_pct))})"
        if not r.is_level_parent and not pd.isna(r.ownership_pct)
        else str(r.division_code)
        for r in page.members.itertuples()
    )
    st.caption(
        _(
            "Consolidated in {currency}: {divisions}. The sidebar's division filter does not "
            "apply here: a group level always holds all its divisions.",
            currency=page.currency,
            divisions=members,
        )
    )
    unmapped_warning(page)
    kpi_cards(page)
    tb = _named_accounts(cached(q.trial_balance)(wh, level))
    accounts = {
        str(r.code): int(r.group_account_id) for r in tb.drop_duplicates("code").itertuples()
    }  # type: ignore[arg-type]
    retained = _retained_earnings_account(wh)
    pl_tab, bs_tab, tb_tab, fx_tab, ic_tab = st.tabs(
        [
            _("Profit and loss"),
            _("Balance sheet"),
            _("Trial balance"),
            _("Currency effects"),
            _("Intercompany"),
        ]
    )
    with pl_tab:
        income_statement(page, accounts)
    with bs_tab:
        balance_sheet(page, accounts, retained)
    with tb_tab:
        trial_balance(page, tb)
    with fx_tab:
        currency_effects(page)
    with ic_tab:
        intercompany(page)
    drilldown(page, tb, retained)


def _retained_earnings_account(wh: PublishedWarehouse) -> int | None:
    found = cached(q.group_accounts)(wh)
    rows = found[found["role"] == "retained_earnings"]
    return int(rows["group_account_id"].iloc[0]) if len(rows) else None


main()
