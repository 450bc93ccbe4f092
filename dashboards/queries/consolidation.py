"""Consolidation queries: select and filter the consolidation marts, nothing recomputed.

docs/consolidation.md section 3 defines the marts. Every function takes the published
warehouse and a :class:`Level` (a group level at one month end); the published
connection of a scoped user holds only the levels whose every division is in their scope
(``orchestration.publish.connect``), so a level they may not see has no rows at all.
The statements come long (one row per line and column); :func:`by_column` pivots them
for display, one column per division then eliminations, adjustments and the group.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboards.language import N_
from dashboards.warehouse import PublishedWarehouse

# The KPI cards, in the order shown: (key, label; a message id shown through ``_()``).
KPIS: list[tuple[str, str]] = [
    ("revenue", N_("Group revenue")),
    ("profit", N_("Profit")),
    ("profit_owners", N_("Profit attributable to owners")),
    ("equity", N_("Total equity")),
    ("nci", N_("Non-controlling interests")),
]
# Column kinds of the statement marts, in the order the columns are shown.
COLUMN_KINDS = ("division", "elimination", "adjustment", "group")
GROUP_COLUMN = "GROUP"


@dataclass(frozen=True)
class Level:
    """A group level (its parent division) at a month end; hashable, keys cached queries."""

    group_division_id: int
    period_end: dt.date

    @property
    def fiscal_year(self) -> int:
        return self.period_end.year

    @property
    def last_year_end(self) -> dt.date:
        """The same month end a year earlier (28 or 29 February as the year has it)."""
        year, month = self.period_end.year - 1, self.period_end.month
        return dt.date(year, month, calendar.monthrange(year, month)[1])

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.period_end.year, 1, 1)

    def params(self, **more: Any) -> dict[str, Any]:
        return {
            "level": self.group_division_id,
            "period_end": self.period_end,
            "last_year_end": self.last_year_end,
            "year_start": self.year_start,
            "previous_year_end": dt.date(self.period_end.year - 1, 12, 31),
            **more,
        }


def levels(wh: PublishedWarehouse) -> pd.DataFrame:
    """The group levels the connection holds: whole group (its top division) first."""
    return wh.query(
        """
        select l.group_division_id, any_value(l.group_division_code) as group_division_code,
               any_value(l.group_currency) as group_currency,
               coalesce(bool_or(d.is_group_top), false) as is_top,
               count(distinct l.division_id) as divisions
        from dim_group_levels l
        left join dim_divisions d on d.division_id = l.group_division_id
        group by l.group_division_id
        order by is_top desc, divisions desc, group_division_code
        """
    )


def members(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The divisions of the level valid at the period end, the parent first."""
    return wh.query(
        """
        select division_id, division_code, currency_code, ownership_pct, method,
               acquisition_date, valid_from, valid_to, is_level_parent
        from dim_group_levels
        where group_division_id = $level
          and (valid_from is null or valid_from <= $period_end)
          and (valid_to is null or valid_to >= $period_end)
        order by is_level_parent desc, division_code
        """,
        level.params(),
    )


def level_divisions(wh: PublishedWarehouse, group_division_id: int) -> pd.DataFrame:
    """Every division ever in the level (what a user's scope must hold to see it)."""
    return wh.query(
        """
        select distinct division_id, division_code
        from dim_group_levels where group_division_id = $level
        order by division_code
        """,
        {"level": group_division_id},
    )


def group_accounts(wh: PublishedWarehouse) -> pd.DataFrame:
    """The group chart."""
    return wh.query(
        """
        select group_account_id, code, name, account_type, account_class, rate_type, role,
               eliminate_intercompany, sort_order
        from dim_group_accounts
        order by sort_order, code
        """
    )


def period_ends(wh: PublishedWarehouse, group_division_id: int) -> pd.DataFrame:
    """The month ends the consolidated trial balance holds for the level, latest first."""
    return wh.query(
        """
        select distinct period_end, fiscal_year
        from mart_consolidated_trial_balance
        where group_division_id = $level
        order by period_end desc
        """,
        {"level": group_division_id},
    )


def kpis(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """One row per KPI (group column): this period end, the same month end last year, and
    the change. Flows are year to date; equity and NCI at the month end. ``last_year`` is
    empty when the mart holds no such month end."""
    order = " ".join(f"when '{key}' then {n}" for n, (key, _) in enumerate(KPIS))
    return wh.query(
        f"""
        with ends as (
            select distinct period_end from mart_consolidated_trial_balance
            where group_division_id = $level and period_end in ($period_end, $last_year_end)
        ),
        pl as (
            select i.period_end,
                   sum(case when a.account_class = 'revenue' then i.ytd_amount else 0 end)
                       as revenue,
                   sum(case when i.line_code = 'PROFIT' then i.ytd_amount else 0 end)
                       as profit,
                   sum(case when i.line_code = 'PROFIT_OWNERS' then i.ytd_amount else 0 end)
                       as profit_owners
            from mart_consolidated_income_statement i
            left join dim_group_accounts a on a.code = i.line_code
            where i.group_division_id = $level and i.column_kind = 'group'
              and i.period_end in ($period_end, $last_year_end)
            group by i.period_end
        ),
        bs as (
            select b.period_end,
                   sum(case when b.line_code in ('RE', 'CYR') or a.account_class = 'equity'
                            then b.amount else 0 end) as equity,
                   sum(case when a.role = 'nci' then b.amount else 0 end) as nci
            from mart_consolidated_balance_sheet b
            left join dim_group_accounts a on a.code = b.line_code
            where b.group_division_id = $level and b.column_kind = 'group'
              and b.side = 'equity_and_liabilities'
              and b.period_end in ($period_end, $last_year_end)
            group by b.period_end
        ),
        wide as (
            select e.period_end, coalesce(pl.revenue, 0) as revenue,
                   coalesce(pl.profit, 0) as profit,
                   coalesce(pl.profit_owners, 0) as profit_owners,
                   coalesce(bs.equity, 0) as equity, coalesce(bs.nci, 0) as nci
            from ends e
            left join pl on pl.period_end = e.period_end
            left join bs on bs.period_end = e.period_end
        ),
        long as (
            unpivot wide on revenue, profit, profit_owners, equity, nci
            into name kpi value amount
        ),
        kpi_names as (select unnest($names) as kpi)
        select k.kpi,
               coalesce(sum(case when l.period_end = $period_end then l.amount end), 0)
                   as this_year,
               sum(case when l.period_end = $last_year_end then l.amount end) as last_year,
               this_year - last_year as change
        from kpi_names k
        left join long l on l.kpi = k.kpi
        group by k.kpi
        order by case k.kpi {order} end
        """,
        level.params(names=[key for key, _ in KPIS]),
    )


_COLUMN_ORDER = """case column_kind when 'division' then 0 when 'elimination' then 1
                   when 'adjustment' then 2 else 3 end"""


def columns(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The statement columns at the period end, in the order shown: the level's parent,
    the other divisions by code, eliminations, adjustments, group."""
    return wh.query(
        f"""
        select distinct t.column_code, t.column_kind, t.division_id,
               coalesce(l.is_level_parent, false) as is_level_parent, {_COLUMN_ORDER} as kind_order
        from mart_consolidated_trial_balance t
        left join dim_group_levels l
            on l.group_division_id = t.group_division_id and l.division_id = t.division_id
        where t.group_division_id = $level and t.period_end = $period_end
        order by kind_order, is_level_parent desc, column_code
        """,
        level.params(),
    )


def income_statement(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The consolidated P&L, one row per line and column: the month and the year to date."""
    return wh.query(
        """
        select line_code, line_name, sort_order, column_code, column_kind, division_id,
               month_amount, ytd_amount
        from mart_consolidated_income_statement
        where group_division_id = $level and period_end = $period_end
        order by sort_order, line_code
        """,
        level.params(),
    )


def balance_sheet(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The consolidated balance sheet, one row per line and column."""
    return wh.query(
        """
        select side, line_code, line_name, sort_order, column_code, column_kind, division_id,
               amount
        from mart_consolidated_balance_sheet
        where group_division_id = $level and period_end = $period_end
        order by case side when 'assets' then 1 else 2 end, sort_order, line_code
        """,
        level.params(),
    )


def trial_balance(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The consolidated trial balance (debit positive), one row per group account and
    column."""
    return wh.query(
        """
        select group_account_id, code, name, account_type, account_class, sort_order,
               column_code, column_kind, division_id, balance
        from mart_consolidated_trial_balance
        where group_division_id = $level and period_end = $period_end
        order by sort_order, code
        """,
        level.params(),
    )


def by_column(long: pd.DataFrame, rows: list[str], value: str, order: list[str]) -> pd.DataFrame:
    """A statement pivoted for display: ``rows`` then one column per ``order`` entry
    (column codes; a column the statement lacks is left out), blanks as 0."""
    if long.empty:
        return pd.DataFrame(columns=[*rows, *order])
    keyed = long.assign(_row=range(len(long)))
    first = keyed.groupby(rows, dropna=False, sort=False)["_row"].min()
    wide = keyed.pivot_table(
        index=rows, columns="column_code", values=value, aggfunc="sum", dropna=False
    )
    wide = wide.reindex(first.sort_values().index)
    shown = [c for c in order if c in wide.columns]
    return wide[shown].fillna(0).reset_index()


def profit_by_column(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The year-to-date profit of each column (divisions, eliminations, adjustments) and
    the group: what the result chart stacks."""
    return wh.query(
        f"""
        select column_code, column_kind, ytd_amount as profit, {_COLUMN_ORDER} as kind_order
        from mart_consolidated_income_statement
        where group_division_id = $level and period_end = $period_end and line_code = 'PROFIT'
        order by kind_order, column_code
        """,
        level.params(),
    )


# Each division's translation at the period end, balance-sheet accounts at the month end
# and P&L accounts year to date as every statement shows them (the translation holds them
# cumulative: less the previous 31 December's, the year's local amount at the closing
# rate). ``amount_at_closing``: money, not named ``*_rate`` (report tables show those as
# rates).
_TRANSLATION_YTD = """
    ytd as (
        select t.division_id, t.group_account_id, t.rate_type, t.closing_rate,
               a.code, a.name, a.sort_order, a.role,
               case when a.account_type = 'profit_loss'
                    then t.amount_local - coalesce(b.amount_local, 0)
                    else t.amount_local end as amount_local,
               case when a.account_type = 'profit_loss'
                    then t.amount_group - coalesce(b.amount_group, 0)
                    else t.amount_group end as amount_group,
               case when a.account_type = 'profit_loss'
                    then round((t.amount_local - coalesce(b.amount_local, 0))
                               * t.closing_rate, 2)
                    else t.amount_at_closing_rate end as amount_at_closing
        from fct_consolidation_translation t
        join dim_group_accounts a on a.group_account_id = t.group_account_id
        left join fct_consolidation_translation b
            on b.group_division_id = t.group_division_id
           and b.division_id = t.division_id
           and b.group_account_id = t.group_account_id
           and b.period_end = $previous_year_end
        where t.group_division_id = $level and t.period_end = $period_end
    ),
    divisions as (
        select distinct division_id, division_code, currency_code, is_level_parent
        from dim_group_levels where group_division_id = $level
    )"""


def currency_effects(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """Per division and group account: the amount in the division's currency, translated,
    at the closing rate, and the currency effect (the CTA rows with them); only the
    accounts where the rate makes a difference or that hold the CTA (``_TRANSLATION_YTD``:
    P&L accounts year to date)."""
    return wh.query(
        f"""
        with {_TRANSLATION_YTD}
        select l.division_code, l.currency_code, y.code, y.name, y.rate_type, y.closing_rate,
               y.amount_local, y.amount_group, y.amount_at_closing,
               y.amount_group - y.amount_at_closing as currency_effect
        from ytd y
        join divisions l on l.division_id = y.division_id
        where (y.amount_group <> y.amount_at_closing or y.role = 'cta')
        order by l.is_level_parent desc, l.division_code, y.sort_order, y.code
        """,
        level.params(),
    )


def currency_effect_by_division(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The currency effect (rate types) and the CTA per division, for the chart: the same
    amounts as :func:`currency_effects` (P&L year to date)."""
    return wh.query(
        f"""
        with {_TRANSLATION_YTD}
        select l.division_code,
               sum(case when y.role = 'cta' then 0
                        else y.amount_group - y.amount_at_closing end) as currency_effect,
               sum(case when y.role = 'cta' then y.amount_group else 0 end) as cta
        from ytd y
        join divisions l on l.division_id = y.division_id
        group by l.division_code, l.is_level_parent
        order by l.is_level_parent desc, l.division_code
        """,
        level.params(),
    )


# The movement marts name money columns "share" (the NCI's share of the CTA, of the
# result): renamed here, as report tables read ``*_share`` / ``share_*`` as fractions of
# one (``grid_columns.column_kind``) and would show these euros as percentages.


def cta_movement(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The movement in each division's CTA over the year to the period end (money)."""
    return wh.query(
        """
        select l.division_code, m.opening, m.movement, m.closing, m.goodwill_translation,
               m.nci_share as nci_portion, m.group_share as group_portion
        from mart_cta_movement m
        join dim_group_levels l
            on l.group_division_id = m.group_division_id and l.division_id = m.division_id
        where m.group_division_id = $level and m.period_end = $period_end
        order by l.division_code
        """,
        level.params(),
    )


def nci_movement(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """The movement in each subsidiary's non-controlling interests over the year."""
    return wh.query(
        """
        select l.division_code, l.ownership_pct, m.opening, m.at_acquisition,
               m.share_of_result as result_to_nci, m.share_of_cta as cta_to_nci,
               m.share_of_equity_movements as equity_movements_to_nci, m.closing
        from mart_nci_movement m
        join dim_group_levels l
            on l.group_division_id = m.group_division_id and l.division_id = m.division_id
        where m.group_division_id = $level and m.period_end = $period_end
        order by l.division_code
        """,
        level.params(),
    )


def intercompany(wh: PublishedWarehouse, level: Level) -> pd.DataFrame:
    """Each pair of group companies' intercompany balances and year-to-date transactions
    as both sides booked them, translated, with the difference (0 when they match)."""
    return wh.query(
        """
        select a.division_code, b.division_code as counterparty_code, r.kind,
               r.amount_division, r.amount_counterparty, r.difference, r.is_matched
        from mart_intercompany_reconciliation r
        join (select distinct division_id, division_code from dim_group_levels
              where group_division_id = $level) a on a.division_id = r.division_id
        join (select distinct division_id, division_code from dim_group_levels
              where group_division_id = $level) b on b.division_id = r.counterparty_division_id
        where r.group_division_id = $level and r.period_end = $period_end
        order by r.is_matched, a.division_code, b.division_code, r.kind
        """,
        level.params(),
    )


# --- drill-down -------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One consolidated figure: a group account in one column (a division's code,
    'ELIM', 'ADJ' or 'GROUP'). P&L accounts are year to date, balance-sheet ones
    cumulative, as the trial balance shows them."""

    group_account_id: int
    code: str
    name: str
    account_type: str
    column_code: str
    column_kind: str
    division_id: int | None = None

    @property
    def is_profit_loss(self) -> bool:
        return self.account_type == "profit_loss"


def figure_amount(wh: PublishedWarehouse, level: Level, figure: Figure) -> float:
    """The figure as the consolidated trial balance shows it."""
    found = wh.query(
        """
        select coalesce(sum(balance), 0) as balance
        from mart_consolidated_trial_balance
        where group_division_id = $level and period_end = $period_end
          and group_account_id = $account and column_code = $column
        """,
        level.params(account=figure.group_account_id, column=figure.column_code),
    )
    return float(found["balance"].iloc[0])


def _since(figure: Figure) -> str:
    """P&L figures are year to date: the cumulative amount less the one at the end of the
    previous year (none before the first year)."""
    return "$previous_year_end" if figure.is_profit_loss else "null"


def eliminations(wh: PublishedWarehouse, level: Level, figure: Figure) -> pd.DataFrame:
    """The elimination and adjustment rows behind the figure (all of them for the group
    column, the column's own kind for ELIM and ADJ, none for a division's column), with
    the cumulative amount and the part of it in the figure (year to date for P&L)."""
    kinds = {"elimination": ["elimination"], "adjustment": ["adjustment"]}.get(
        figure.column_kind, ["elimination", "adjustment"] if figure.column_kind == "group" else []
    )
    return wh.query(
        f"""
        with now as (
            select * from fct_consolidation_eliminations
            where group_division_id = $level and period_end = $period_end
              and group_account_id = $account and list_contains($kinds, column_kind)
        ),
        before as (
            select elimination_id, amount_group from fct_consolidation_eliminations
            where group_division_id = $level and period_end = {_since(figure)}
              and group_account_id = $account and list_contains($kinds, column_kind)
        )
        select n.column_kind, n.elimination_type, d.division_code,
               c.division_code as counterparty_code, n.description,
               n.amount_group as cumulative,
               n.amount_group - coalesce(b.amount_group, 0) as amount, n.elimination_id
        from now n
        left join before b on b.elimination_id = n.elimination_id
        left join (select distinct division_id, division_code from dim_group_levels
                   where group_division_id = $level) d on d.division_id = n.division_id
        left join (select distinct division_id, division_code from dim_group_levels
                   where group_division_id = $level) c
            on c.division_id = n.counterparty_division_id
        order by n.column_kind, n.elimination_type, d.division_code, n.elimination_id
        """,
        level.params(account=figure.group_account_id, kinds=kinds),
    )


def translations(wh: PublishedWarehouse, level: Level, figure: Figure) -> pd.DataFrame:
    """Each division's translated amount on the figure's account (one division for its
    column, all of them for the group column): in its own currency and in the group's,
    the part in the figure (year to date for P&L)."""
    if figure.column_kind not in ("division", "group"):
        return pd.DataFrame()
    one = "and t.division_id = $division" if figure.column_kind == "division" else ""
    return wh.query(
        f"""
        with now as (
            select * from fct_consolidation_translation t
            where t.group_division_id = $level and t.period_end = $period_end
              and t.group_account_id = $account {one}
        ),
        before as (
            select division_id, amount_local, amount_group from fct_consolidation_translation
            where group_division_id = $level and period_end = {_since(figure)}
              and group_account_id = $account
        )
        select l.division_id, l.division_code, l.currency_code, n.rate_type,
               n.amount_local - coalesce(b.amount_local, 0) as amount_local,
               n.amount_group - coalesce(b.amount_group, 0) as amount_group
        from now n
        left join before b on b.division_id = n.division_id
        join dim_group_levels l
            on l.group_division_id = n.group_division_id and l.division_id = n.division_id
        order by l.is_level_parent desc, l.division_code
        """,
        level.params(account=figure.group_account_id, division=figure.division_id),
    )


def _line_scope(figure: Figure) -> str:
    """The ledger lines of a division on the accounts it maps to the figure's group
    account (aliases: g = fct_gl_lines, m = dim_group_account_map): cumulative to the
    period end, or the calendar year to date for P&L accounts."""
    since = "and g.entry_date >= $year_start" if figure.is_profit_loss else ""
    return f"""
        g.division_id = $division and g.entry_date <= $period_end {since}
        and g.account_id in (
            select m.account_id from dim_group_account_map m
            where m.division_id = $division and m.group_account_id = $account)"""


# At most this many lines on screen; the download holds them all.
LINES_SHOWN = 1000


def ledger_lines(
    wh: PublishedWarehouse,
    level: Level,
    figure: Figure,
    division_id: int,
    limit: int | None = LINES_SHOWN,
) -> pd.DataFrame:
    """The division's ledger lines behind its translated amount on the figure's account,
    in its own currency (debit positive), oldest first."""
    top = "" if limit is None else f"limit {int(limit)}"
    return wh.query(
        f"""
        select g.journal_code, g.document_number, g.entry_date, g.account_code,
               g.description, g.currency_code, g.amount_foreign, g.debit_base, g.credit_base,
               g.amount_base
        from fct_gl_lines g
        where {_line_scope(figure)}
        order by g.entry_date, g.document_number, g.gl_line_id
        {top}
        """,
        level.params(account=figure.group_account_id, division=division_id),
    )


def ledger_total(
    wh: PublishedWarehouse, level: Level, figure: Figure, division_id: int
) -> pd.DataFrame:
    """How many lines and their total in the division's currency."""
    return wh.query(
        f"""
        select count(*) as lines, coalesce(sum(g.amount_base), 0) as total
        from fct_gl_lines g
        where {_line_scope(figure)}
        """,
        level.params(account=figure.group_account_id, division=division_id),
    )
