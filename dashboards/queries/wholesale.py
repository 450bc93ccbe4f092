"""Wholesale Insights queries: select and filter the wholesale marts (docs/wholesale.md).

Every function takes the published warehouse and the sidebar :class:`Selection`. The
wholesale marts are by calendar year and month; the sidebar's fiscal year and period are
read as that year and month (the fiscal years of the divisions are calendar years).

The marts hold amounts in the division's currency (``*_base``) and the group currency
(``*_group``); ``Selection.suffix`` picks the one the selection is shown in. Flows (sales,
cost of sales) are translated at the rate of their date, stock values and open orders at
the rate of the month-end they stand at.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboards.language import N_
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

# The KPI cards, in the order shown: (key, label, kind). kind: amount, percent, times, count.
# The labels are message ids: the page shows them through ``_()``.
KPIS: list[tuple[str, str, str]] = [
    ("revenue", N_("Revenue"), "amount"),
    ("margin_pct", N_("Margin %"), "percent"),
    ("stock_value", N_("Stock value"), "amount"),
    ("turnover", N_("Stock turnover"), "times"),
    ("open_orders", N_("Open sales orders"), "amount"),
    ("back_order_lines", N_("Back order lines"), "count"),
    ("back_order_value", N_("Back order value"), "amount"),
]

# Sales vs last year: the dimensions of mart_sales_monthly one can split by.
DIMENSIONS: dict[str, str] = {
    "customer_code": N_("Customer"),
    "item_group_code": N_("Item group"),
    "country": N_("Country"),
    "salesperson_code": N_("Salesperson"),
}


# The marts the page reads (docs/wholesale.md, "Marts").
MARTS = (
    "fct_sales_lines",
    "mart_abc_items",
    "mart_abc_customers",
    "mart_sales_monthly",
    "mart_item_sales_monthly",
    "mart_stock_position",
    "mart_stock_reconciliation",
    "mart_open_orders_monthly",
    "mart_supplier_performance",
)


def missing_marts(wh: PublishedWarehouse) -> pd.DataFrame:
    """The marts of ``MARTS`` the published warehouse does not hold (an older version)."""
    return wh.query(
        """
        select m.name from (select unnest($marts) as name) m
        where m.name not in (select table_name from information_schema.tables)
        order by m.name
        """,
        {"marts": list(MARTS)},
    )


def _params(sel: Selection) -> dict[str, Any]:
    return {
        "divisions": list(sel.division_ids),
        "year": sel.fiscal_year,
        "previous": sel.previous_year,
        "period": sel.period_through,
    }


def kpi_inputs(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """The KPI ingredients per year (this year and last), one row each, in the currency of
    the selection (``*_base`` or ``*_group`` columns).

    - revenue, margin: year to date through the selected month (mart_sales_monthly);
    - stock_value: stock valuation at the end of the selected month
      (mart_stock_reconciliation; empty for a period not yet closed by the as-of date);
    - cost_12m, avg_stock_12m: cost of sales of the 12 months through the selected month
      and the average stock value over those 12 month-ends (turnover = their ratio);
    - open_orders, back_order_lines, back_order_value: order lines open at the end of the
      selected month, as they stood then (mart_open_orders_monthly; the month of the as-of
      date at the as-of date). Zero before the first order; empty for a month after the
      as-of date's.
    """
    s = sel.suffix
    return wh.query(
        f"""
        with years as (select unnest([$year, $previous]) as year),
        sales as (
            select year, sum(revenue_{s}) as revenue, sum(margin_{s}) as margin
            from mart_sales_monthly
            where list_contains($divisions, division_id) and year in ($year, $previous)
              and month <= $period
            group by year
        ),
        stock as (
            select year, sum(stock_valuation_{s}) as stock_value
            from mart_stock_reconciliation
            where list_contains($divisions, division_id) and year in ($year, $previous)
              and period = $period
            group by year
        ),
        cost as (
            select y.year, sum(m.cost_{s}) as cost_12m
            from years y
            join mart_sales_monthly m
              on m.year * 12 + m.month between y.year * 12 + $period - 11 and y.year * 12 + $period
            where list_contains($divisions, m.division_id)
            group by y.year
        ),
        average_stock as (
            select y.year,
                   sum(r.stock_valuation_{s}) / count(distinct r.year * 12 + r.period)
                       as avg_stock_12m
            from years y
            join mart_stock_reconciliation r
              on r.year * 12 + r.period between y.year * 12 + $period - 11
                                            and y.year * 12 + $period
            where list_contains($divisions, r.division_id)
            group by y.year
        ),
        order_months as (
            -- Through the month of the as-of date (no orders at all: every month is zero).
            select y.year,
                   y.year * 12 + $period <= coalesce(
                       (select max(year * 12 + month) from mart_open_orders_monthly),
                       y.year * 12 + $period
                   ) as is_known
            from years y
        ),
        orders as (
            select year,
                   sum(open_value_{s}) as open_orders,
                   sum(back_order_lines) as back_order_lines,
                   sum(back_order_value_{s}) as back_order_value
            from mart_open_orders_monthly
            where list_contains($divisions, division_id) and year in ($year, $previous)
              and month = $period
            group by year
        )
        select y.year,
               coalesce(sales.revenue, 0)::double as revenue,
               coalesce(sales.margin, 0)::double as margin,
               stock.stock_value::double as stock_value,
               coalesce(cost.cost_12m, 0)::double as cost_12m,
               average_stock.avg_stock_12m::double as avg_stock_12m,
               case when order_months.is_known
                    then coalesce(orders.open_orders, 0) end::double as open_orders,
               case when order_months.is_known
                    then coalesce(orders.back_order_lines, 0) end::double as back_order_lines,
               case when order_months.is_known
                    then coalesce(orders.back_order_value, 0) end::double as back_order_value
        from years y
        join order_months using (year)
        left join sales using (year)
        left join stock using (year)
        left join cost using (year)
        left join average_stock using (year)
        left join orders using (year)
        order by y.year desc
        """,
        _params(sel),
    )


def kpis(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """One row per KPI: kpi, this_year, last_year, change (empty where not comparable).

    Margin % is margin / revenue x 100 (change in percentage points); stock turnover is
    cost of sales of the last 12 months / average stock value (times a year). Every figure
    is in the selection's currency (the group currency when it mixes currencies).
    """
    inputs = kpi_inputs(wh, sel).set_index("year")

    def number(value: Any) -> float | None:
        return None if pd.isna(value) else float(value)

    def figures(year: int) -> dict[str, float | None]:
        row = inputs.loc[year]
        revenue = float(row["revenue"])
        avg_stock = row["avg_stock_12m"]
        return {
            "revenue": revenue,
            "margin_pct": 100.0 * float(row["margin"]) / revenue if revenue else None,
            "stock_value": number(row["stock_value"]),
            "turnover": float(row["cost_12m"]) / float(avg_stock)
            if not pd.isna(avg_stock) and avg_stock
            else None,
            "open_orders": number(row["open_orders"]),
            "back_order_lines": number(row["back_order_lines"]),
            "back_order_value": number(row["back_order_value"]),
        }

    this_year, last_year = figures(sel.fiscal_year), figures(sel.previous_year)
    rows = []
    for key, _, _ in KPIS:
        now, before = this_year[key], last_year[key]
        change = now - before if now is not None and before is not None else None
        rows.append({"kpi": key, "this_year": now, "last_year": before, "change": change})
    return pd.DataFrame(rows)


def sales_by(wh: PublishedWarehouse, sel: Selection, dimension: str) -> pd.DataFrame:
    """Revenue and margin year to date by customer, item group, country or salesperson,
    against last year."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {sorted(DIMENSIONS)}, not {dimension!r}")
    s = sel.suffix
    return wh.query(
        f"""
        select coalesce({dimension}, '(none)') as {dimension},
               sum(case when year = $year then revenue_{s} else 0 end)::double as this_year,
               sum(case when year = $previous then revenue_{s} else 0 end)::double as last_year,
               this_year - last_year as change,
               case when last_year <> 0 then 100.0 * change / abs(last_year) end
                   as change_pct,
               sum(case when year = $year then margin_{s} else 0 end)::double
                   as margin_this_year,
               sum(case when year = $previous then margin_{s} else 0 end)::double
                   as margin_last_year
        from mart_sales_monthly
        where list_contains($divisions, division_id) and year in ($year, $previous)
          and month <= $period
        group by all
        order by this_year desc, {dimension}
        """,
        _params(sel),
    )


def stock_position(
    wh: PublishedWarehouse, sel: Selection, dead_only: bool, dead_after_days: int = 180
) -> pd.DataFrame:
    """Stock per item and warehouse as of the refresh, largest value first.

    Dead stock: ``days_without_issue`` (the mart's one measure of it: days since the last
    delivery, or since the stock came in when never delivered; stock on hand only) above
    ``dead_after_days``. The mart's own ``is_dead_stock`` is the same test at the dbt var
    ``dead_stock_days``.
    """
    s = sel.suffix
    return wh.query(
        f"""
        select * from (
            select division_code, warehouse_code, item_code, item_name, item_group_code,
                   quantity, value_{s}::double as stock_value,
                   average_cost::double as average_cost, last_issue_date,
                   days_without_issue,
                   coalesce(days_without_issue > $dead_after_days, false) as is_dead_stock,
                   issued_cost_12m::double as issued_cost_12m, turnover::double as turnover,
                   days_in_stock::double as days_in_stock
            from mart_stock_position
            where list_contains($divisions, division_id) and quantity <> 0
        )
        where $dead_only = false or is_dead_stock
        order by stock_value desc, division_code, item_code, warehouse_code
        """,
        {**_params(sel), "dead_only": dead_only, "dead_after_days": dead_after_days},
    )


def supplier_performance(wh: PublishedWarehouse, sel: Selection) -> pd.DataFrame:
    """Per supplier in the selected calendar year: on-time %, lead times, returns %.

    The percentages are recomputed from the counts (on-time lines / order lines, returned /
    received) so they read as 0-100 whatever the mart's rounding; last year's on-time % is
    alongside for comparison.
    """
    return wh.query(
        """
        select t.division_code, t.supplier_code, t.supplier_name, t.order_lines,
               t.on_time_lines,
               100.0 * t.on_time_lines / nullif(t.order_lines, 0) as on_time_pct,
               100.0 * l.on_time_lines / nullif(l.order_lines, 0) as on_time_pct_last_year,
               t.avg_promised_lead_days::double as avg_promised_lead_days,
               t.avg_actual_lead_days::double as avg_actual_lead_days,
               (t.avg_actual_lead_days - t.avg_promised_lead_days)::double as lead_days_late,
               t.quantity_received::double as quantity_received,
               t.quantity_returned::double as quantity_returned,
               100.0 * t.quantity_returned / nullif(t.quantity_received, 0) as returns_pct
        from mart_supplier_performance t
        left join mart_supplier_performance l
          on l.division_id = t.division_id and l.relation_id = t.relation_id
         and l.year = t.year - 1
        where list_contains($divisions, t.division_id) and t.year = $year
        order by t.order_lines desc, t.division_code, t.supplier_code
        """,
        _params(sel),
    )


def divisions_by_sales(wh: PublishedWarehouse) -> list[int]:
    """Division ids with item sales, the largest (in the group currency) first: the ABC
    analysis opens on the division where it says most."""
    frame = wh.query(
        """
        select division_id from mart_item_sales_monthly
        group by division_id
        order by sum(revenue_group) desc, division_id
        """
    )
    return [int(d) for d in frame["division_id"]]
