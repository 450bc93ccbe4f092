-- Closed production orders, one row per cost type (docs/manufacturing.md, section 3): the
-- standard (the order's standard per unit x the quantity completed, rounded), the actual
-- (the value that went into the order's WIP for that cost type: issues less returns,
-- hours, outsourced work, overhead) and the variance (actual - standard; + is
-- unfavourable), against what the close posted under the cost type (variance_posted:
-- minus its variance transactions, which took the rest off WIP; the close posts the
-- outsourced variance with material and the overhead variance with machine, and the
-- rounding remainder on material, so only the order's total agrees). Closed orders
-- only: an order's actual is complete when it is closed; month of closed_on.
with

orders as (

    select * from {{ ref('stg_erp__production_orders') }}
    where status = 'closed'

),

transactions as (

    select
        production_order_id,
        kind,
        {{ production_cost_type('cost_type', 'kind') }} as cost_type,
        hours,
        value_base
    from {{ ref('stg_erp__production_transactions') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

cost_types as (

    select 'material' as cost_type, 1 as cost_type_order
    union all
    select 'labour', 2
    union all
    select 'machine', 3
    union all
    select 'outsourced', 4
    union all
    select 'overhead', 5

),

actuals as (

    select
        production_order_id,
        cost_type,
        sum(case when kind not in ('completion', 'variance') then value_base else 0 end)
            as actual_cost,
        sum(case when kind = 'variance' then -value_base else 0 end) as variance_posted,
        sum(case when kind in ('labour', 'machine') then hours else 0 end) as hours
    from transactions
    where cost_type is not null
    group by production_order_id, cost_type

),

standards as (

    select
        orders.production_order_id,
        orders.division_id,
        orders.order_number,
        orders.item_id,
        orders.closed_on,
        orders.quantity,
        orders.quantity_completed,
        cost_types.cost_type,
        cost_types.cost_type_order,
        case cost_types.cost_type
            when 'material' then orders.standard_material
            when 'labour' then orders.standard_labour
            when 'machine' then orders.standard_machine
            when 'outsourced' then orders.standard_outsourced
            when 'overhead' then orders.standard_overhead
        end as standard_unit_cost
    from orders
    cross join cost_types

),

costed as (

    select
        standards.*,
        {{ money('standards.standard_unit_cost * standards.quantity_completed') }}
            as standard_cost,
        {{ money('coalesce(actuals.actual_cost, 0)') }} as actual_cost,
        {{ money('coalesce(actuals.variance_posted, 0)') }} as variance_posted,
        {{ rate('coalesce(actuals.hours, 0)') }} as hours
    from standards
    left join actuals
        on standards.production_order_id = actuals.production_order_id
        and standards.cost_type = actuals.cost_type

),

final as (

    select
        costed.division_id,
        divisions.division_code,
        costed.production_order_id as order_id,
        costed.order_number,
        costed.item_id,
        items.item_code,
        items.item_name,
        costed.closed_on,
        {{ month_start('costed.closed_on') }} as month_start,
        cast(extract(year from costed.closed_on) as integer) as year,
        cast(extract(month from costed.closed_on) as integer) as month,
        {{ rate('costed.quantity') }} as quantity,
        {{ rate('costed.quantity_completed') }} as quantity_completed,
        costed.cost_type,
        cast(costed.cost_type_order as integer) as cost_type_order,
        {{ price('costed.standard_unit_cost') }} as standard_unit_cost,
        costed.standard_cost,
        costed.actual_cost,
        {{ money('costed.actual_cost - costed.standard_cost') }} as variance,
        case
            when costed.standard_cost <> 0
                then {{ price(divide(
                    '100 * (costed.actual_cost - costed.standard_cost)', 'costed.standard_cost'
                )) }}
        end as variance_pct,
        costed.variance_posted,
        costed.hours
    from costed
    inner join divisions
        on costed.division_id = divisions.division_id
    inner join items
        on costed.item_id = items.item_id

)

select * from final
