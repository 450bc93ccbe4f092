-- Production orders (all but cancelled) with their lead times in calendar days: planned
-- (start -> due); once the order is finished (completed or closed), actual (release ->
-- last completion) and days late (due -> last completion, negative when early), on time
-- when the last completion is on or before the due date. Month of the last completion.
with

orders as (

    select * from {{ ref('stg_erp__production_orders') }}
    where status <> 'cancelled'

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        orders.division_id,
        divisions.division_code,
        orders.production_order_id as order_id,
        orders.order_number,
        orders.status,
        orders.item_id,
        items.item_code,
        items.item_name,
        {{ rate('orders.quantity') }} as quantity,
        {{ rate('orders.quantity_completed') }} as quantity_completed,
        orders.start_date,
        orders.due_date,
        orders.released_on,
        orders.completed_on,
        orders.closed_on,
        {{ month_start('orders.completed_on') }} as month_start,
        cast(extract(year from orders.completed_on) as integer) as year,
        cast(extract(month from orders.completed_on) as integer) as month,
        {{ days_between('orders.start_date', 'orders.due_date') }} as planned_days,
        case
            when orders.status in ('completed', 'closed')
                then {{ days_between('orders.released_on', 'orders.completed_on') }}
        end as actual_days,
        case
            when orders.status in ('completed', 'closed')
                then {{ days_between('orders.due_date', 'orders.completed_on') }}
        end as days_late,
        orders.status in ('completed', 'closed') as is_completed,
        case
            when orders.status in ('completed', 'closed') and orders.completed_on is not null
                then orders.completed_on <= orders.due_date
        end as is_on_time
    from orders
    inner join divisions
        on orders.division_id = divisions.division_id
    inner join items
        on orders.item_id = items.item_id

)

select * from final
