"""Manufacturing Insights queries: select and filter the manufacturing marts
(docs/manufacturing.md section 8).

Every function takes the published warehouse (whose connection holds only the user's
divisions) and one manufacturing division: the marts hold money in the division's own
currency, so the page shows one division at a time, as the ABC analysis does. The
sidebar's fiscal year and period are read as the calendar year and month (the fiscal
years of the divisions are calendar years). No business rule is worked out here: the
marts hold the figures; the queries pick, sum and order them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from dashboards.language import N_
from dashboards.warehouse import PublishedWarehouse

# The KPI cards, in the order shown: (key, label, kind). kind: amount, percent.
KPIS: list[tuple[str, str, str]] = [
    ("output_value", N_("Output value"), "amount"),
    ("cost_variance", N_("Cost variance"), "amount"),
    ("material_loss_pct", N_("Material loss %"), "percent"),
    ("on_time_pct", N_("On-time completion %"), "percent"),
    ("wip", N_("Work in progress"), "amount"),
]

# The marts the page reads (docs/manufacturing.md section 8).
MARTS = (
    "dim_work_centres",
    "fct_production_transactions",
    "mart_production_costs",
    "mart_production_variances",
    "mart_material_loss",
    "mart_production_lead_times",
    "mart_wip_position",
    "mart_mrp_advice",
    "mart_mrp_pegging",
    "fct_capacity_order_weeks",
    "mart_capacity_load",
)
# Rows shown of a long list; the download holds them all.
ROWS_SHOWN = 500


@dataclass(frozen=True)
class Scope:
    """What the page shows: one division, through the month ``period`` of ``year``."""

    division_id: int
    year: int
    period: int

    @property
    def period_end(self) -> date:
        return date(self.year, self.period, calendar.monthrange(self.year, self.period)[1])

    @property
    def last_year_end(self) -> date:
        y = self.year - 1
        return date(y, self.period, calendar.monthrange(y, self.period)[1])

    def params(self) -> dict[str, Any]:
        return {
            "division": self.division_id,
            "year": self.year,
            "previous": self.year - 1,
            "period": self.period,
            "period_end": self.period_end,
            "last_year_end": self.last_year_end,
            "year_start": date(self.year, 1, 1),
        }


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


def divisions(wh: PublishedWarehouse) -> pd.DataFrame:
    """The divisions of the user's scope that manufacture: they have work centres or
    production transactions; with their code and currency."""
    return wh.query(
        """
        select d.division_id, d.division_code, d.division_name, d.currency_code
        from dim_divisions d
        where d.division_id in (select division_id from dim_work_centres)
           or d.division_id in (select division_id from fct_production_transactions)
        order by d.division_code
        """
    )


def kpis(wh: PublishedWarehouse, scope: Scope) -> pd.DataFrame:
    """One row per KPI: this year, the same months last year, and the change.

    - output value: the standard value of the output completed from January through the
      month (- the completions' value in fct_production_transactions);
    - cost variance: actual - standard of the orders closed in those months (positive:
      more spent than the standard);
    - material loss %: loss value / planned value of the components of the orders
      completed in those months;
    - on-time completion %: orders completed in those months on or before their due date;
    - work in progress: at the end of the month (mart_wip_position).
    """
    order = " ".join(f"when '{key}' then {n}" for n, (key, _, _) in enumerate(KPIS))
    return wh.query(
        f"""
        with years as (select unnest([$year, $previous]) as year),
        output as (
            select year, -sum(value_base) as output_value
            from fct_production_transactions
            where division_id = $division and kind = 'completion'
              and year in ($year, $previous) and month <= $period
            group by year
        ),
        variance as (
            select year, sum(variance) as cost_variance
            from mart_production_variances
            where division_id = $division and year in ($year, $previous) and month <= $period
            group by year
        ),
        loss as (
            select year,
                   100 * sum(loss_value) / nullif(sum(planned_value), 0) as material_loss_pct
            from mart_material_loss
            where division_id = $division and year in ($year, $previous) and month <= $period
            group by year
        ),
        on_time as (
            select year,
                   100 * avg(case when is_on_time then 1.0 else 0.0 end) as on_time_pct
            from mart_production_lead_times
            where division_id = $division and is_completed
              and year in ($year, $previous) and month <= $period
            group by year
        ),
        wip as (
            select year, sum(wip_transactions_base) as wip
            from mart_wip_position
            where division_id = $division and year in ($year, $previous) and period = $period
            group by year
        ),
        wide as (
            select y.year,
                   coalesce(output.output_value, 0)::double as output_value,
                   coalesce(variance.cost_variance, 0)::double as cost_variance,
                   loss.material_loss_pct::double as material_loss_pct,
                   on_time.on_time_pct::double as on_time_pct,
                   coalesce(wip.wip, 0)::double as wip
            from years y
            left join output on output.year = y.year
            left join variance on variance.year = y.year
            left join loss on loss.year = y.year
            left join on_time on on_time.year = y.year
            left join wip on wip.year = y.year
        ),
        long as (
            unpivot wide on output_value, cost_variance, material_loss_pct, on_time_pct, wip
            into name kpi value amount
        ),
        kpi_names as (select unnest($names) as kpi)
        select k.kpi,
               max(case when l.year = $year then l.amount end) as this_year,
               max(case when l.year = $previous then l.amount end) as last_year,
               this_year - last_year as change
        from kpi_names k
        left join long l on l.kpi = k.kpi
        group by k.kpi
        order by case k.kpi {order} end
        """,
        {**scope.params(), "names": [key for key, _, _ in KPIS]},
    )


def variances_by(wh: PublishedWarehouse, scope: Scope, by: str) -> pd.DataFrame:
    """Standard, actual and variance of the orders closed this year through the month,
    per cost type (``by='cost_type'``) or per item made (``by='item'``)."""
    keys, order = {
        "cost_type": ("cost_type", "min(cost_type_order)"),
        "item": ("item_id, item_code, item_name", "abs(sum(variance)) desc, item_code"),
    }[by]
    return wh.query(
        f"""
        select {keys},
               count(distinct order_id) as orders,
               sum(standard_cost)::double as standard_cost,
               sum(actual_cost)::double as actual_cost,
               sum(variance)::double as variance,
               (100 * sum(variance) / nullif(sum(standard_cost), 0))::double as variance_pct
        from mart_production_variances
        where division_id = $division and year = $year and month <= $period
        group by all
        order by {order}
        """,
        scope.params(),
    )


def variance_orders(
    wh: PublishedWarehouse, scope: Scope, cost_type: str | None, item_id: int | None
) -> pd.DataFrame:
    """The closed orders behind a variance figure (one cost type or one item), the
    largest variance first."""
    return wh.query(
        """
        select order_id, order_number, item_code, item_name, closed_on, cost_type,
               quantity_completed::double as quantity_completed,
               standard_cost::double as standard_cost, actual_cost::double as actual_cost,
               variance::double as variance, variance_posted::double as variance_posted
        from mart_production_variances
        where division_id = $division and year = $year and month <= $period
          and ($cost_type::varchar is null or cost_type = $cost_type)
          and ($item::bigint is null or item_id = $item)
        order by abs(variance) desc, order_number, cost_type_order
        """,
        {**scope.params(), "cost_type": cost_type, "item": item_id},
    )


def order_transactions(wh: PublishedWarehouse, division_id: int, order_id: int) -> pd.DataFrame:
    """Every movement into or out of one order's work in progress, in date order."""
    return wh.query(
        """
        select transaction_date, kind, cost_type, item_code, work_centre_code,
               quantity::double as quantity, hours::double as hours,
               value_base::double as value
        from fct_production_transactions
        where division_id = $division and order_id = $order
        order by transaction_date, production_transaction_id
        """,
        {"division": division_id, "order": order_id},
    )


def material_loss(wh: PublishedWarehouse, scope: Scope) -> pd.DataFrame:
    """Per component: standard (planned for what was completed, scrap included) and issued
    quantities, the loss and its value, of the orders completed this year through the
    month; the largest loss value first."""
    return wh.query(
        """
        select component_id, component_code, component_name,
               count(distinct order_id) as orders,
               sum(standard_quantity)::double as standard_quantity,
               sum(issued_quantity)::double as issued_quantity,
               sum(loss_quantity)::double as loss_quantity,
               sum(planned_value)::double as planned_value,
               sum(loss_value)::double as loss_value,
               (100 * sum(loss_value) / nullif(sum(planned_value), 0))::double as loss_pct
        from mart_material_loss
        where division_id = $division and year = $year and month <= $period
        group by all
        order by loss_value desc, component_code
        """,
        scope.params(),
    )


def material_loss_orders(wh: PublishedWarehouse, scope: Scope, component_id: int) -> pd.DataFrame:
    """The orders behind one component's loss."""
    return wh.query(
        """
        select order_id, order_number, item_code, completed_on,
               scrap_pct::double as scrap_pct,
               standard_quantity::double as standard_quantity,
               issued_quantity::double as issued_quantity,
               loss_quantity::double as loss_quantity, loss_value::double as loss_value
        from mart_material_loss
        where division_id = $division and year = $year and month <= $period
          and component_id = $component
        order by loss_value desc, order_number
        """,
        {**scope.params(), "component": component_id},
    )


def lead_times(wh: PublishedWarehouse, scope: Scope) -> pd.DataFrame:
    """Orders completed this year through the month: planned and actual days, days late."""
    return wh.query(
        """
        select order_id, order_number, item_code, item_name, start_date, due_date,
               released_on, completed_on, planned_days, actual_days, days_late
        from mart_production_lead_times
        where division_id = $division and is_completed
          and year = $year and month <= $period
        order by days_late desc, order_number
        """,
        scope.params(),
    )


def wip_position(wh: PublishedWarehouse, scope: Scope) -> pd.DataFrame:
    """WIP from the production transactions against the WIP account at each period end
    of the year through the month."""
    return wh.query(
        """
        select period_end, open_orders,
               wip_transactions_base::double as wip_transactions,
               wip_ledger_base::double as wip_ledger, difference_base::double as difference
        from mart_wip_position
        where division_id = $division and year = $year and period <= $period
        order by period_end
        """,
        scope.params(),
    )


def work_centres(wh: PublishedWarehouse, division_id: int) -> pd.DataFrame:
    return wh.query(
        """
        select work_centre_id, work_centre_code, work_centre_name,
               hours_per_week::double as hours_per_week
        from dim_work_centres where division_id = $division
        order by work_centre_code
        """,
        {"division": division_id},
    )


def capacity_load(wh: PublishedWarehouse, division_id: int) -> pd.DataFrame:
    """Load, available hours and utilisation per work centre and week."""
    return wh.query(
        """
        select work_centre_id, work_centre_code, week_start, orders,
               load_hours::double as load_hours, available_hours::double as available_hours,
               utilisation_pct::double as utilisation_pct
        from mart_capacity_load
        where division_id = $division
        order by work_centre_code, week_start
        """,
        {"division": division_id},
    )


def capacity_order_weeks(wh: PublishedWarehouse, division_id: int) -> pd.DataFrame:
    """The load per order, operation and week (setup and run hours apart): what the
    what-if moves and resizes."""
    return wh.query(
        """
        select order_id, order_number, order_status, item_code,
               order_quantity::double as order_quantity, start_date, due_date,
               operation_id, sequence, work_centre_id, work_centre_code, week_start,
               setup_hours, run_hours, hours
        from fct_capacity_order_weeks
        where division_id = $division
        order by order_number, sequence, week_start
        """,
        {"division": division_id},
    )


def mrp_advice(wh: PublishedWarehouse, division_id: int) -> pd.DataFrame:
    """The latest MRP run's advice: what to buy or make, how much and when."""
    return wh.query(
        """
        select advice_id, item_code, item_name, action, quantity::double as quantity,
               order_date, due_date, is_late, days_late, supplier_name, status,
               root_demands
        from mart_mrp_advice
        where division_id = $division
        order by order_date, item_code, advice_id
        """,
        {"division": division_id},
    )


def mrp_pegging(wh: PublishedWarehouse, division_id: int, advice_id: int) -> pd.DataFrame:
    """The demands one advice serves, up to the sales order at the top of each chain."""
    return wh.query(
        """
        select demand_type, demand_document_number, demand_item_code, demand_date,
               quantity::double as quantity, root_type, root_document_number,
               sales_order_number, customer_name
        from mart_mrp_pegging
        where division_id = $division and advice_id = $advice
        order by demand_date, peg_id
        """,
        {"division": division_id, "advice": advice_id},
    )
