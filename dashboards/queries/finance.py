"""Finance Insights queries: select and filter the finance marts, nothing recomputed.

Every function takes the published warehouse and the sidebar :class:`Selection` and
returns a DataFrame. Amounts come from the ``amount`` (division currency) or
``amount_group`` (group currency) columns the marts hold, picked by the selection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from dashboards.language import N_
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

# The KPI cards, in the order shown: (key, label; a message id shown through ``_()``).
KPIS: list[tuple[str, str]] = [
    ("revenue", N_("Revenue")),
    ("gross_margin", N_("Gross margin")),
    ("net_result", N_("Net result")),
    ("cash", N_("Cash")),
    ("receivables", N_("Receivables")),
    ("payables", N_("Payables")),
    ("overdue_receivables", N_("Overdue receivables")),
]

# P&L sections in report order (docs/marts.md); an unknown section sorts last.
_SECTION_ORDER = """case pl_section
        when 'Revenue' then 1 when 'Cost of sales' then 2 when 'Operating expenses' then 3
        when 'Other income and expense' then 4 when 'Income tax' then 5 else 9 end"""


def _params(sel: Selection) -> dict[str, Any]:
    return {
        "divisions": list(sel.division_ids),
        "year": sel.fiscal_year,
        "previous": sel.previous_year,
        "period": sel.period_through,
    }


def divisions(wh: PublishedWarehouse) -> pd.DataFrame:
    """All divisions with their currency and place in the group."""
    return wh.query(
        """
        select division_id, division_code, division_name, currency_code, parent_division_id,
               ownership_pct, is_group_top
        from dim_divisions
        order by is_group_top desc, division_code
        """
    )


def fiscal_periods(wh: PublishedWarehouse) -> pd.DataFrame:
    """The fiscal years and periods known in any division."""
    return wh.query(
        """
        select fiscal_year, period_number, min(period_key) as period_key,
               min(period_start) as period_start, max(period_end) as period_end
        from dim_periods
        group by fiscal_year, period_number
        order by fiscal_year, period_number
        """
    )


def last_posting_date(wh: PublishedWarehouse) -> dt.date | None:
    """The date of the latest ledger line in any division; None while there are none.

    The books reach this far: the sidebar opens on its period rather than on an empty
    month after it (see ``selection.default_period``).
    """
    found = wh.query("select max(entry_date) as last_posting from fct_gl_lines")
    value = found["last_posting"].iloc[0] if len(found) else None
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def kpis(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """One row per KPI: this year, the same period last year, and the change.

    Flows (revenue, margins, result) are year-to-date through the selected period;
    positions (cash, open items) are at the end of the selected period. ``last_year`` is
    empty when the previous fiscal year does not exist for the selected divisions.
    """
    m = sel.pl_amount
    s = sel.suffix
    order = " ".join(f"when '{key}' then {n}" for n, (key, _) in enumerate(KPIS))
    return wh.query(
        f"""
        with years as (
            select distinct fiscal_year from dim_periods
            where list_contains($divisions, division_id) and fiscal_year in ($year, $previous)
        ),
        pl as (
            select fiscal_year,
                   sum(case when pl_section = 'Revenue' then {m} else 0 end) as revenue,
                   sum(case when pl_section in ('Revenue', 'Cost of sales') then {m} else 0 end)
                       as gross_margin,
                   sum({m}) as net_result
            from mart_profit_and_loss
            where list_contains($divisions, division_id) and fiscal_year in ($year, $previous)
              and period_number <= $period
            group by fiscal_year
        ),
        cash as (
            select fiscal_year, sum(balance_{s}) as cash
            from mart_cash_position
            where list_contains($divisions, division_id) and fiscal_year in ($year, $previous)
              and period_number = $period
            group by fiscal_year
        ),
        open_items as (
            select fiscal_year,
                   sum(case when item_type = 'receivable' then open_amount_{s} else 0 end)
                       as receivables,
                   sum(case when item_type = 'payable' then open_amount_{s} else 0 end)
                       as payables,
                   sum(case when item_type = 'receivable' then overdue_amount_{s} else 0 end)
                       as overdue_receivables
            from mart_open_items_by_period
            where list_contains($divisions, division_id) and fiscal_year in ($year, $previous)
              and period_number = $period
            group by fiscal_year
        ),
        wide as (
            select y.fiscal_year,
                   coalesce(pl.revenue, 0) as revenue,
                   coalesce(pl.gross_margin, 0) as gross_margin,
                   coalesce(pl.net_result, 0) as net_result,
                   coalesce(cash.cash, 0) as cash,
                   coalesce(open_items.receivables, 0) as receivables,
                   coalesce(open_items.payables, 0) as payables,
                   coalesce(open_items.overdue_receivables, 0) as overdue_receivables
            from years y
            left join pl on pl.fiscal_year = y.fiscal_year
            left join cash on cash.fiscal_year = y.fiscal_year
            left join open_items on open_items.fiscal_year = y.fiscal_year
        ),
        long as (
            unpivot wide
            on revenue, gross_margin, net_result, cash, receivables, payables,
               overdue_receivables
            into name kpi value amount
        ),
        kpi_names as (select unnest($names) as kpi)
        select k.kpi,
               coalesce(sum(case when l.fiscal_year = $year then l.amount end), 0) as this_year,
               sum(case when l.fiscal_year = $previous then l.amount end) as last_year,
               this_year - last_year as change
        from kpi_names k
        left join long l on l.kpi = k.kpi
        group by k.kpi
        order by case k.kpi {order} end
        """,
        {**_params(sel), "names": [key for key, _ in KPIS]},
    )


def pnl_by_month(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """Revenue, gross margin and net result per period, this year (through the selected
    period) and the whole of last year."""
    m = sel.pl_amount
    return wh.query(
        f"""
        select fiscal_year, period_number,
               sum(case when pl_section = 'Revenue' then {m} else 0 end) as revenue,
               sum(case when pl_section in ('Revenue', 'Cost of sales') then {m} else 0 end)
                   as gross_margin,
               sum({m}) as net_result
        from mart_profit_and_loss
        where list_contains($divisions, division_id)
          and (fiscal_year = $previous or (fiscal_year = $year and period_number <= $period))
        group by fiscal_year, period_number
        order by fiscal_year, period_number
        """,
        _params(sel),
    )


def pnl_by_account(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """The P&L year to date by section and account, against the same months last year."""
    m = sel.pl_amount
    return wh.query(
        f"""
        select pl_section, account_id, account_code, account_name,
               sum(case when fiscal_year = $year then {m} else 0 end) as this_year,
               sum(case when fiscal_year = $previous then {m} else 0 end) as last_year,
               this_year - last_year as change
        from mart_profit_and_loss
        where list_contains($divisions, division_id) and fiscal_year in ($year, $previous)
          and period_number <= $period
        group by pl_section, account_id, account_code, account_name
        order by {_SECTION_ORDER}, account_code
        """,
        _params(sel),
    )


def pnl_by_section(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """The P&L year to date per section, against the same months last year."""
    m = sel.pl_amount
    return wh.query(
        f"""
        select pl_section,
               sum(case when fiscal_year = $year then {m} else 0 end) as this_year,
               sum(case when fiscal_year = $previous then {m} else 0 end) as last_year,
               this_year - last_year as change
        from mart_profit_and_loss
        where list_contains($divisions, division_id) and fiscal_year in ($year, $previous)
          and period_number <= $period
        group by pl_section
        order by {_SECTION_ORDER}
        """,
        _params(sel),
    )


def balance_sheet(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """Balance-sheet lines at the end of the selected period and a year earlier.

    Ordered as the chart of accounts orders them (``dim_accounts.sort_order``), sections
    by their first account, computed lines (result, retained earnings) last in theirs.
    """
    m = sel.pl_amount
    return wh.query(
        f"""
        with lines as (
            select b.side, b.bs_section, b.line_code, b.line_name, b.account_id,
                   min(a.sort_order) as sort_order,
                   sum(case when b.fiscal_year = $year then b.{m} else 0 end) as this_year,
                   sum(case when b.fiscal_year = $previous then b.{m} else 0 end) as last_year
            from mart_balance_sheet b
            left join dim_accounts a on a.account_id = b.account_id
            where list_contains($divisions, b.division_id)
              and b.fiscal_year in ($year, $previous) and b.period_number = $period
            group by b.side, b.bs_section, b.line_code, b.line_name, b.account_id
        )
        select side, bs_section, line_code, line_name, account_id, this_year, last_year,
               this_year - last_year as change
        from lines
        order by case side when 'assets' then 1 else 2 end,
                 min(sort_order) over (partition by side, bs_section) nulls last,
                 bs_section, sort_order nulls last, line_code
        """,
        _params(sel),
    )


def _item_type(kind: str) -> str:
    if kind not in ("receivables", "payables"):
        raise ValueError(f"ageing kind must be receivables or payables, not {kind!r}")
    return kind.removesuffix("s")


# Open invoices shown on screen, most overdue first. At 10M journal lines a division has
# 50,000 open sales invoices: fetching them all cost up to 440 ms per page load and no one
# reads them in a browser; the ageing buckets above the list total them all, and the
# Excel download holds every one (``limit=None``, run when it is clicked).
OPEN_INVOICES_SHOWN = 500


def open_invoices(
    wh: PublishedWarehouse, sel: Selection, kind: str, limit: int | None = OPEN_INVOICES_SHOWN
) -> pd.DataFrame:
    """Open sales (``receivables``) or purchase (``payables``) invoices at the end of the
    selected period, most overdue first: the first ``limit`` of them (all with ``None``).

    ``mart_ageing_by_period`` ages them on the period end, capped at the last posting
    date (its ``as_of_date``), the same date the KPI cards take the open items on.
    """
    top = "" if limit is None else f"limit {int(limit)}"
    return wh.query(
        f"""
        select d.division_code, a.relation_name, a.document_number, a.invoice_date,
               a.due_date, a.days_overdue, a.ageing_bucket, a.currency_code, a.open_amount,
               d.currency_code as base_currency, a.open_amount_base, a.open_amount_group,
               a.as_of_date
        from mart_ageing_by_period a
        join dim_divisions d on d.division_id = a.division_id
        where list_contains($divisions, a.division_id)
          and a.fiscal_year = $year and a.period_number = $period and a.item_type = $item_type
        order by a.days_overdue desc, a.document_number
        {top}
        """,
        {**_params(sel), "item_type": _item_type(kind)},
    )


def ageing_buckets(wh: PublishedWarehouse, sel: Selection, kind: str) -> pd.DataFrame:
    """Open amounts per ageing bucket at the end of the selected period, in the shown
    currency (see ``Selection.currency``); the buckets other than 'Not due' add up to the
    overdue KPI card."""
    return wh.query(
        f"""
        select a.ageing_bucket, a.bucket_order, $currency as currency,
               count(*) as invoices, sum(a.open_amount_{sel.suffix}) as open_amount
        from mart_ageing_by_period a
        where list_contains($divisions, a.division_id)
          and a.fiscal_year = $year and a.period_number = $period and a.item_type = $item_type
        group by a.ageing_bucket, a.bucket_order
        order by a.bucket_order
        """,
        {**_params(sel), "currency": sel.currency, "item_type": _item_type(kind)},
    )


def cash_position(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """Cash and bank balances at every period end up to the selected period."""
    return wh.query(
        f"""
        select fiscal_year, period_number, max(period_end) as period_end,
               sum(balance_{sel.suffix}) as balance
        from mart_cash_position
        where list_contains($divisions, division_id)
          and (fiscal_year < $year or (fiscal_year = $year and period_number <= $period))
        group by fiscal_year, period_number
        order by fiscal_year, period_number
        """,
        _params(sel),
    )
