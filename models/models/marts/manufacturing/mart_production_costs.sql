-- Standard and actual cost of the output of production orders, per division, month
-- (of closing: an order's actual is complete when it is closed), item and cost type,
-- from mart_production_variances. Unit costs are per completed unit.
with

variances as (

    select * from {{ ref('mart_production_variances') }}

),

aggregated as (

    select
        division_id,
        division_code,
        month_start,
        year,
        month,
        item_id,
        item_code,
        item_name,
        cost_type,
        cost_type_order,
        count(*) as orders,
        sum(quantity_completed) as quantity_completed,
        sum(standard_cost) as standard_cost,
        sum(actual_cost) as actual_cost,
        sum(hours) as hours
    from variances
    group by
        division_id, division_code, month_start, year, month, item_id, item_code, item_name,
        cost_type, cost_type_order

),

final as (

    select
        division_id,
        division_code,
        month_start,
        year,
        month,
        item_id,
        item_code,
        item_name,
        cost_type,
        cost_type_order,
        cast(orders as bigint) as orders,
        {{ rate('quantity_completed') }} as quantity_completed,
        {{ money('standard_cost') }} as standard_cost,
        {{ money('actual_cost') }} as actual_cost,
        {{ money('actual_cost - standard_cost') }} as variance,
        case
            when quantity_completed <> 0
                then {{ price(divide('standard_cost', 'quantity_completed')) }}
        end as standard_unit_cost,
        case
            when quantity_completed <> 0
                then {{ price(divide('actual_cost', 'quantity_completed')) }}
        end as actual_unit_cost,
        {{ rate('hours') }} as hours
    from aggregated

)

select * from final
