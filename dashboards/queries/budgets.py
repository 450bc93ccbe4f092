"""Budget against actual, the 13-week cash forecast and the alerts: the published marts
``mart_budget_vs_actual``, ``mart_cash_flow_forecast`` and ``mart_alerts``
selected and added up, nothing recomputed.

The three marts hold each division's own currency only (no group-currency columns), so
these queries add up divisions of one currency: the page shows one currency at a time
(:func:`divisions_by_currency`) and per division where it lists several.

Budget against actual is in the P&L sign of ``mart_profit_and_loss``: revenue
positive, costs negative; ``variance`` = actual - budget, positive when favourable;
``variance_pct`` = variance / |budget| x 100, empty when the budget is 0.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboards.language import N_, _
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

# The version picker's first choice: each division's approved 'normal' budget.
APPROVED = "approved-normal"
# Message ids: shown through ``_()``.
SIGN_CONVENTION = N_(
    "P&L sign: revenue positive, costs negative. Variance = actual - budget: positive is "
    "favourable (more revenue or less cost than budgeted), negative unfavourable. "
    "Variance % = variance / |budget| x 100 (empty when the budget is 0)."
)
ALERT_KINDS: dict[str, str] = {
    "customer_over_limit": N_("Customers over their overdue limit"),
    "invoice_past_due": N_("Invoices past due"),
    "budget_overrun": N_("Budget overruns"),
}

# P&L sections in report order (docs/marts.md); an unknown section sorts last.
_SECTION_ORDER = """case pl_section
        when 'Revenue' then 1 when 'Cost of sales' then 2 when 'Operating expenses' then 3
        when 'Other income and expense' then 4 when 'Income tax' then 5 else 9 end"""
_VARIANCE_PCT = "case when budget <> 0 then round(100 * (actual - budget) / abs(budget), 2) end"


def _params(sel: Selection, version_ids: tuple[int, ...] = ()) -> dict[str, Any]:
    return {
        "divisions": list(sel.division_ids),
        "year": sel.fiscal_year,
        "period": sel.period_through,
        "versions": list(version_ids),
    }


# --- currencies and versions (plain pandas on small frames) ---------------------------------


def divisions_by_currency(divisions: pd.DataFrame, sel: Selection) -> dict[str, tuple[int, ...]]:
    """The selected divisions grouped by their own currency; the shown currency first."""
    chosen = divisions[divisions["division_id"].isin(sel.division_ids)]
    groups: dict[str, list[int]] = {}
    for row in chosen.sort_values("division_id").itertuples():
        groups.setdefault(str(row.currency_code), []).append(int(row.division_id))  # type: ignore[arg-type]
    order = sorted(groups, key=lambda c: (c != sel.currency, c))
    return {c: tuple(groups[c]) for c in order}


def in_currency(sel: Selection, currency: str, division_ids: tuple[int, ...]) -> Selection:
    """The selection narrowed to divisions keeping books in ``currency``, shown in it."""
    return Selection(division_ids, sel.fiscal_year, sel.period_through, currency, False)


def versions(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """The budget versions the warehouse compares for the selected divisions and year."""
    return wh.query(
        """
        select distinct b.version_id, b.division_id, b.division_code, d.currency_code,
               b.version_name, b.scenario, b.status
        from mart_budget_vs_actual b
        join dim_divisions d on d.division_id = b.division_id
        where list_contains($divisions, b.division_id) and b.fiscal_year = $year
        order by b.version_name, b.division_code
        """,
        _params(sel),
    )


def _approved(found: pd.DataFrame) -> pd.DataFrame:
    return found[(found["status"] == "approved") & (found["scenario"] == "normal")]


def version_choices(found: pd.DataFrame) -> dict[str, str]:
    """Picker key -> label: the approved normal budget first, then every version name.

    A name stands for the versions of that name in every shown division (the What-if page
    saves one per division under one name).
    """
    choices: dict[str, str] = {}
    approved = _approved(found)
    if not approved.empty:
        names = ", ".join(f"{r.division_code}: {r.version_name}" for r in approved.itertuples())
        choices[APPROVED] = _("Approved normal budget ({names})", names=names)
    for name, rows in found.groupby("version_name", sort=True):
        scenarios = "/".join(sorted(set(rows["scenario"])))
        statuses = "/".join(sorted(set(rows["status"])))
        divisions = ", ".join(sorted(set(rows["division_code"])))
        choices[str(name)] = f"{name} · {scenarios} · {statuses} · {divisions}"
    return choices


def chosen_versions(found: pd.DataFrame, key: str) -> tuple[int, ...]:
    """The version ids a picker key stands for."""
    rows = _approved(found) if key == APPROVED else found[found["version_name"] == key]
    return tuple(sorted(int(v) for v in rows["version_id"]))


# --- budget against actual ------------------------------------------------------------------


def by_account(
    wh: PublishedWarehouse, sel: Selection, version_ids: tuple[int, ...]
) -> pd.DataFrame:
    """Budget, actual and variance per P&L account, year to date through the period, with
    the full year's budget; accounts with neither budget nor actual left out."""
    return wh.query(
        f"""
        with ytd as (
            select pl_section, account_id, account_code, account_name,
                   sum(case when period_number <= $period then budget else 0 end) as budget,
                   sum(case when period_number <= $period then actual else 0 end) as actual,
                   sum(budget) as budget_full_year
            from mart_budget_vs_actual
            where list_contains($versions, version_id)
            group by pl_section, account_id, account_code, account_name
        )
        select pl_section, account_id, account_code, account_name, budget, actual,
               actual - budget as variance, {_VARIANCE_PCT} as variance_pct, budget_full_year
        from ytd
        where budget <> 0 or actual <> 0 or budget_full_year <> 0
        order by {_SECTION_ORDER}, account_code
        """,
        _params(sel, version_ids),
    )


def by_section(
    wh: PublishedWarehouse, sel: Selection, version_ids: tuple[int, ...]
) -> pd.DataFrame:
    """Budget, actual and variance per P&L section, year to date through the period."""
    return wh.query(
        f"""
        with ytd as (
            select pl_section,
                   sum(case when period_number <= $period then budget else 0 end) as budget,
                   sum(case when period_number <= $period then actual else 0 end) as actual,
                   sum(budget) as budget_full_year
            from mart_budget_vs_actual
            where list_contains($versions, version_id)
            group by pl_section
        )
        select pl_section, budget, actual, actual - budget as variance,
               {_VARIANCE_PCT} as variance_pct, budget_full_year
        from ytd
        order by {_SECTION_ORDER}
        """,
        _params(sel, version_ids),
    )


def by_month(wh: PublishedWarehouse, sel: Selection, version_ids: tuple[int, ...]) -> pd.DataFrame:
    """Revenue and net result, budget and actual, per period of the whole year."""
    return wh.query(
        """
        select period_number,
               sum(case when pl_section = 'Revenue' then budget else 0 end) as revenue_budget,
               sum(case when pl_section = 'Revenue' then actual else 0 end) as revenue_actual,
               sum(budget) as result_budget,
               sum(actual) as result_actual
        from mart_budget_vs_actual
        where list_contains($versions, version_id)
        group by period_number
        order by period_number
        """,
        _params(sel, version_ids),
    )


def by_division(
    wh: PublishedWarehouse, sel: Selection, version_ids: tuple[int, ...]
) -> pd.DataFrame:
    """Net result budget, actual and variance per division in its own currency, year to
    date through the period (the overview when the divisions keep different currencies)."""
    return wh.query(
        f"""
        with ytd as (
            select b.division_id, b.division_code, d.currency_code, b.version_name,
                   sum(case when b.period_number <= $period then b.budget else 0 end) as budget,
                   sum(case when b.period_number <= $period then b.actual else 0 end) as actual,
                   sum(b.budget) as budget_full_year
            from mart_budget_vs_actual b
            join dim_divisions d on d.division_id = b.division_id
            where list_contains($versions, b.version_id)
            group by b.division_id, b.division_code, d.currency_code, b.version_name
        )
        select division_code, currency_code, version_name, budget, actual,
               actual - budget as variance, {_VARIANCE_PCT} as variance_pct, budget_full_year
        from ytd
        order by currency_code, division_code
        """,
        _params(sel, version_ids),
    )


def account_months(
    wh: PublishedWarehouse, sel: Selection, version_ids: tuple[int, ...], account_id: int
) -> pd.DataFrame:
    """One account's budget, actual and variance per period of the year, with the running
    year-to-date variance (actuals only through the selected period)."""
    return wh.query(
        f"""
        with months as (
            select period_number, sum(budget) as budget,
                   sum(case when period_number <= $period then actual end) as actual
            from mart_budget_vs_actual
            where list_contains($versions, version_id) and account_id = $account_id
            group by period_number
        )
        select period_number, budget, actual,
               case when actual is not null then actual - budget end as variance,
               case when actual is not null then {_VARIANCE_PCT} end as variance_pct,
               case when actual is not null then
                   sum(actual - budget) over (order by period_number) end as variance_to_date
        from months
        order by period_number
        """,
        {**_params(sel, version_ids), "account_id": account_id},
    )


# --- cash forecast --------------------------------------------------------------------------


def as_of_date(wh: PublishedWarehouse) -> pd.Timestamp | None:
    """The as-of date of the last refresh (the ageing marts carry it), if any item is open."""
    found = wh.query(
        """
        select max(as_of_date) as as_of_date from (
            select as_of_date from mart_receivables_ageing
            union all
            select as_of_date from mart_payables_ageing
        )
        """
    )
    value = found["as_of_date"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value)


def cash_forecast(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """The 13 weeks, added up over the selected divisions (one currency)."""
    return wh.query(
        """
        select week_number, min(week_start) as week_start,
               sum(opening_cash) as opening_cash,
               sum(receipts_open_items) as receipts_open_items,
               sum(payments_open_items) as payments_open_items,
               sum(recurring_costs) as recurring_costs, sum(budget_flows) as budget_flows,
               sum(net_flow) as net_flow, sum(closing_cash) as closing_cash
        from mart_cash_flow_forecast
        where list_contains($divisions, division_id)
        group by week_number
        order by week_number
        """,
        _params(sel),
    )


def forecast_opening(wh: PublishedWarehouse, sel: Selection, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per division: week 1's opening cash against the cash position on the as-of date.

    ``ledger_cash`` is every posting on a 'cash' account dated on or before the as-of date;
    ``period_end_cash`` is what the Cash tab shows for the period holding the as-of date
    (``mart_cash_position``), ``posted_after`` the cash postings dated after the as-of
    date in that period, so ``period_end_cash - posted_after`` is the position on the date.
    """
    return wh.query(
        """
        with opening as (
            select division_id, opening_cash
            from mart_cash_flow_forecast
            where list_contains($divisions, division_id) and week_number = 1
        ),
        period as (
            select division_id, fiscal_year, period_number, period_end
            from dim_periods
            where list_contains($divisions, division_id)
              and period_start <= $as_of and period_end >= $as_of
        ),
        position as (
            select c.division_id, sum(c.balance_base) as period_end_cash
            from mart_cash_position c
            join period p on p.division_id = c.division_id and p.fiscal_year = c.fiscal_year
                and p.period_number = c.period_number
            group by c.division_id
        ),
        ledger as (
            select g.division_id,
                   sum(case when g.entry_date <= $as_of then g.amount_base else 0 end)
                       as ledger_cash,
                   sum(case when g.entry_date > $as_of and g.entry_date <= p.period_end
                            then g.amount_base else 0 end) as posted_after
            from fct_gl_lines g
            join dim_accounts a on a.account_id = g.account_id
            left join period p on p.division_id = g.division_id
            where list_contains($divisions, g.division_id) and a.reporting_category = 'cash'
            group by g.division_id
        )
        select d.division_code, d.currency_code, cast($as_of as date) as as_of_date,
               coalesce(o.opening_cash, 0) as opening_cash,
               coalesce(l.ledger_cash, 0) as ledger_cash,
               p.period_number as cash_tab_period,
               coalesce(c.period_end_cash, 0) as period_end_cash,
               coalesce(l.posted_after, 0) as posted_after,
               coalesce(o.opening_cash, 0)
                   - (coalesce(c.period_end_cash, 0) - coalesce(l.posted_after, 0))
                   as difference
        from dim_divisions d
        left join opening o on o.division_id = d.division_id
        left join ledger l on l.division_id = d.division_id
        left join period p on p.division_id = d.division_id
        left join position c on c.division_id = d.division_id
        where list_contains($divisions, d.division_id)
        order by d.division_code
        """,
        {**_params(sel), "as_of": as_of.date()},
    )


# --- alerts ---------------------------------------------------------------------------------


def alerts(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """Every current alert of the selected divisions, amounts in the division's currency."""
    return wh.query(
        """
        with names as (
            select distinct version_id, version_name from mart_budget_vs_actual
        )
        select a.alert_kind, a.division_code, d.currency_code, a.relation_code,
               r.relation_name, a.document_number, n.version_name, a.account_code,
               a.amount, a.threshold, a.days_overdue, a.message
        from mart_alerts a
        join dim_divisions d on d.division_id = a.division_id
        left join dim_relations r on r.relation_id = a.relation_id
        left join names n on n.version_id = a.version_id
        where list_contains($divisions, a.division_id)
        order by a.alert_kind, a.division_code, a.amount desc, a.document_number,
                 a.account_code
        """,
        _params(sel),
    )
