-- Stock per division x item x warehouse as of the as_of_date var (default today), from
-- the stock movements dated on or before it. Every item x warehouse that ever had a
-- movement gets a row.
--   average_cost: the item's moving-average cost over all warehouses (stock value /
--     quantity; while the item's quantity is zero or below, the last known unit cost);
--   value_base = quantity x average_cost, so warehouses at zero hold zero value;
--   value_group at the rate of the as-of date (a balance, like the balance sheet);
--   last_issue_date: the last delivery to a customer from the warehouse;
--   days_without_issue (stock on hand only; empty at zero or below): days from the last
--     delivery to the as-of date, or, never delivered, from the position's first
--     movement (the stock has sat that long without an issue). The one measure of dead
--     stock: the Wholesale page filters it with the user's number of days;
--   is_dead_stock: days_without_issue > dead_stock_days (var, 180);
--   issued_cost_12m: cost of deliveries net of customer returns in the 12 months up to
--     the as-of date (the cost of sales of the warehouse);
--   turnover = issued_cost_12m / the average stock value over the 12 month-ends up to the
--     as-of date (month-ends before the first movement count as zero);
--   days_in_stock = 365 / turnover.
{%- set dead_stock_days = var('dead_stock_days', 180) %}
with

movements as (

    select * from {{ ref('fct_stock_movements') }}
    where movement_date <= {{ as_of_date() }}

),

items as (

    select * from {{ ref('dim_items') }}

),

warehouses as (

    select * from {{ ref('dim_warehouses') }}

),

valuations as (

    select * from {{ ref('stg_erp__stock_valuations') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

daily_rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

as_of_rates as (

    select currency_code, rate_to_group
    from daily_rates
    where date_day = (
        select max(date_day) from daily_rates where date_day <= {{ as_of_date() }}
    )

),

month_ends as (

    select date_day as month_end
    from {{ ref('dim_dates') }}
    where date_day <= {{ as_of_date() }}
        and extract(day from {{ add_days(1, 'date_day') }}) = 1
    order by date_day desc
    limit 12

),

item_totals as (

    select
        movements.item_id,
        sum(movements.quantity) as item_quantity,
        sum(movements.value_base) as item_value
    from movements
    group by movements.item_id

),

item_costs as (

    select
        item_totals.item_id,
        {{ rate(
            'case when item_totals.item_quantity > 0 then '
            ~ divide('item_totals.item_value', 'item_totals.item_quantity')
            ~ ' else coalesce(valuations.last_unit_cost, 0) end'
        ) }} as average_cost
    from item_totals
    left join valuations
        on item_totals.item_id = valuations.item_id

),

positions as (

    select
        movements.division_id,
        movements.item_id,
        movements.warehouse_id,
        sum(movements.quantity) as quantity,
        max(case when movements.movement_type = 'delivery' then movements.movement_date end)
            as last_issue_date,
        min(movements.movement_date) as first_movement_date,
        -sum(
            case
                when movements.movement_type in ('delivery', 'customer_return')
                    and movements.movement_date
                    > cast({{ dbt.dateadd('month', -12, as_of_date()) }} as date)
                    then movements.value_base
                else 0
            end
        ) as issued_cost_12m
    from movements
    group by movements.division_id, movements.item_id, movements.warehouse_id

),

month_end_positions as (

    -- Quantity per item x warehouse at each of the 12 month-ends.
    select
        month_ends.month_end,
        movements.item_id,
        movements.warehouse_id,
        sum(movements.quantity) as quantity
    from month_ends
    inner join movements
        on movements.movement_date <= month_ends.month_end
    group by month_ends.month_end, movements.item_id, movements.warehouse_id

),

month_end_items as (

    -- The item's quantity and value over all warehouses at each month-end.
    select
        month_ends.month_end,
        movements.item_id,
        sum(movements.quantity) as item_quantity,
        sum(movements.value_base) as item_value
    from month_ends
    inner join movements
        on movements.movement_date <= month_ends.month_end
    group by month_ends.month_end, movements.item_id

),

average_values as (

    select
        month_end_positions.item_id,
        month_end_positions.warehouse_id,
        {{ divide(
            'sum(case when month_end_items.item_quantity > 0 then '
            ~ exact_term(divide(
                'month_end_positions.quantity * month_end_items.item_value',
                'month_end_items.item_quantity'
            ))
            ~ ' else 0 end)',
            '12'
        ) }} as average_value
    from month_end_positions
    inner join month_end_items
        on month_end_positions.month_end = month_end_items.month_end
        and month_end_positions.item_id = month_end_items.item_id
    group by month_end_positions.item_id, month_end_positions.warehouse_id

),

valued as (

    select
        positions.*,
        item_costs.average_cost,
        {{ money('positions.quantity * item_costs.average_cost') }} as value_base,
        average_values.average_value,
        {{ days_between('positions.last_issue_date', as_of_date()) }} as days_since_last_issue,
        case
            when positions.quantity > 0
                then {{ days_between(
                    'coalesce(positions.last_issue_date, positions.first_movement_date)',
                    as_of_date()
                ) }}
        end as days_without_issue
    from positions
    inner join item_costs
        on positions.item_id = item_costs.item_id
    left join average_values
        on positions.item_id = average_values.item_id
        and positions.warehouse_id = average_values.warehouse_id

),

turnovers as (

    select
        valued.*,
        case
            when valued.average_value > 0
                then {{ rate(divide('valued.issued_cost_12m', 'valued.average_value')) }}
        end as turnover
    from valued

),

final as (

    select
        turnovers.item_id,
        items.item_code,
        items.item_name,
        items.item_group_code,
        turnovers.warehouse_id,
        warehouses.warehouse_code,
        turnovers.division_id,
        items.division_code,
        {{ rate('turnovers.quantity') }} as quantity,
        turnovers.value_base,
        {{ money('turnovers.value_base * as_of_rates.rate_to_group') }} as value_group,
        turnovers.average_cost,
        turnovers.last_issue_date,
        cast(turnovers.days_since_last_issue as integer) as days_since_last_issue,
        cast(turnovers.days_without_issue as integer) as days_without_issue,
        coalesce(turnovers.days_without_issue > {{ dead_stock_days }}, false) as is_dead_stock,
        {{ money('turnovers.issued_cost_12m') }} as issued_cost_12m,
        turnovers.turnover,
        case
            when turnovers.turnover > 0 then {{ rate(divide('365', 'turnovers.turnover')) }}
        end as days_in_stock
    from turnovers
    inner join items
        on turnovers.item_id = items.item_id
    inner join warehouses
        on turnovers.warehouse_id = warehouses.warehouse_id
    inner join divisions
        on turnovers.division_id = divisions.division_id
    left join as_of_rates
        on divisions.currency_code = as_of_rates.currency_code

)

select * from final
