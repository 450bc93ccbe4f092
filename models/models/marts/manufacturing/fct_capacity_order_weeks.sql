-- The load of planned and released production orders per order, operation and ISO week
-- (docs/manufacturing.md, section 6). An operation's remaining hours (planned - booked,
-- not below 0; booked = the larger of its labour and machine hours, which run side by
-- side) are spread evenly over the working days (Monday to Friday) from the order's
-- start date to its due date; a span without a working day puts them on its due date.
-- A week gets remaining x its working days / the span's working days. Setup comes first:
-- the remaining setup is the routing's setup hours (the order's BOM operation of the
-- same sequence, / efficiency, at most the planned hours) less what was booked; the rest
-- is run hours. Operations without a work centre (outsourced) load none. Spans longer
-- than ten years are cut there.
with

orders as (

    select * from {{ ref('stg_erp__production_orders') }}
    where status in ('planned', 'released')

),

operations as (

    select * from {{ ref('stg_erp__production_order_operations') }}
    where work_centre_id is not null

),

bom_operations as (

    select * from {{ ref('stg_erp__bom_operations') }}

),

work_centres as (

    select * from {{ ref('stg_erp__work_centres') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

booked as (

    select
        orders.production_order_id,
        orders.division_id,
        orders.order_number,
        orders.status,
        orders.item_id,
        orders.quantity,
        orders.start_date,
        orders.due_date,
        case when orders.due_date > orders.start_date then orders.due_date
            else orders.start_date end as span_end,
        operations.production_order_operation_id,
        operations.sequence,
        operations.work_centre_id,
        operations.planned_hours,
        case when operations.labour_hours > operations.machine_hours
            then operations.labour_hours else operations.machine_hours end as booked_hours,
        case
            when bom_operations.setup_hours is null then cast(0 as decimal(19, 8))
            when work_centres.efficiency_pct > 0
                then {{ rate(divide(
                    '100 * bom_operations.setup_hours', 'work_centres.efficiency_pct'
                )) }}
            else bom_operations.setup_hours
        end as routing_setup_hours
    from orders
    inner join operations
        on orders.production_order_id = operations.production_order_id
    inner join work_centres
        on operations.work_centre_id = work_centres.work_centre_id
    left join bom_operations
        on orders.bom_id = bom_operations.bom_id
        and operations.sequence = bom_operations.sequence
        and operations.work_centre_id = bom_operations.work_centre_id

),

remaining as (

    select
        booked.*,
        case when planned_hours > booked_hours then planned_hours - booked_hours
            else cast(0 as decimal(19, 8)) end as remaining_hours,
        case when routing_setup_hours < planned_hours then routing_setup_hours
            else planned_hours end as setup_planned_hours
    from booked

),

split as (

    select
        remaining.*,
        case
            when setup_planned_hours - booked_hours <= 0 then cast(0 as decimal(19, 8))
            when setup_planned_hours - booked_hours < remaining_hours
                then setup_planned_hours - booked_hours
            else remaining_hours
        end as remaining_setup_hours
    from remaining
    where remaining_hours > 0

),

span_days as (

    select
        split.production_order_operation_id,
        {{ add_days('numbers.generated_number - 1', 'split.start_date') }} as date_day
    from split
    cross join {{ day_numbers(3660) }} as numbers
    where numbers.generated_number - 1 <= {{ days_between('split.start_date', 'split.span_end') }}

),

span_weekdays as (

    select
        production_order_operation_id,
        date_day,
        {{ weekday_index('date_day') }} < 5 as is_working_day
    from span_days

),

span_working_days as (

    select
        production_order_operation_id,
        sum(case when is_working_day then 1 else 0 end) as working_days
    from span_weekdays
    group by production_order_operation_id

),

working_days as (

    select production_order_operation_id, date_day
    from span_weekdays
    where is_working_day

    union all

    -- A span of weekend days only: the due date carries the load.
    select split.production_order_operation_id, split.span_end
    from split
    inner join span_working_days
        on split.production_order_operation_id = span_working_days.production_order_operation_id
    where span_working_days.working_days = 0

),

weeks as (

    select
        production_order_operation_id,
        {{ week_start('date_day') }} as week_start,
        -- integer, not count's bigint: Spark would widen remaining x days past 38 digits
        -- and cut the product's scale to 6 decimals.
        cast(count(*) as integer) as working_days
    from working_days
    group by production_order_operation_id, {{ week_start('date_day') }}

),

spans as (

    select production_order_operation_id, cast(count(*) as integer) as order_working_days
    from working_days
    group by production_order_operation_id

),

spread as (

    select
        split.*,
        weeks.week_start,
        weeks.working_days,
        spans.order_working_days,
        {{ rate(divide(
            'split.remaining_setup_hours * weeks.working_days', 'spans.order_working_days'
        )) }} as setup_hours,
        {{ rate(divide(
            '(split.remaining_hours - split.remaining_setup_hours) * weeks.working_days',
            'spans.order_working_days'
        )) }} as run_hours
    from split
    inner join weeks
        on split.production_order_operation_id = weeks.production_order_operation_id
    inner join spans
        on split.production_order_operation_id = spans.production_order_operation_id

),

final as (

    select
        spread.division_id,
        divisions.division_code,
        spread.production_order_id as order_id,
        spread.order_number,
        spread.status as order_status,
        spread.item_id,
        items.item_code,
        {{ rate('spread.quantity') }} as order_quantity,
        spread.start_date,
        spread.due_date,
        spread.production_order_operation_id as operation_id,
        cast(spread.sequence as integer) as sequence,
        spread.work_centre_id,
        work_centres.work_centre_code,
        spread.week_start,
        cast(spread.working_days as integer) as working_days,
        cast(spread.order_working_days as integer) as order_working_days,
        {{ rate('spread.planned_hours') }} as planned_hours,
        {{ rate('spread.booked_hours') }} as booked_hours,
        {{ rate('spread.remaining_hours') }} as remaining_hours,
        spread.setup_hours,
        spread.run_hours,
        {{ rate('spread.setup_hours + spread.run_hours') }} as hours
    from spread
    inner join divisions
        on spread.division_id = divisions.division_id
    inner join items
        on spread.item_id = items.item_id
    inner join work_centres
        on spread.work_centre_id = work_centres.work_centre_id

)

select * from final
