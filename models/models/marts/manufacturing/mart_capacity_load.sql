-- The load of each work centre per ISO week (Monday) from fct_capacity_order_weeks:
-- setup and run hours of planned and released orders against the hours available
-- (hours_per_week); utilisation = load / available x 100. Weeks with load only.
with

order_weeks as (

    select * from {{ ref('fct_capacity_order_weeks') }}

),

work_centres as (

    select * from {{ ref('dim_work_centres') }}

),

loads as (

    select
        work_centre_id,
        week_start,
        count(distinct order_id) as orders,
        sum(setup_hours) as setup_hours,
        sum(run_hours) as run_hours
    from order_weeks
    group by work_centre_id, week_start

),

final as (

    select
        work_centres.division_id,
        work_centres.division_code,
        loads.work_centre_id,
        work_centres.work_centre_code,
        work_centres.work_centre_name,
        loads.week_start,
        cast(loads.orders as bigint) as orders,
        {{ rate('loads.setup_hours') }} as setup_hours,
        {{ rate('loads.run_hours') }} as run_hours,
        {{ rate('loads.setup_hours + loads.run_hours') }} as load_hours,
        work_centres.hours_per_week as available_hours,
        case
            when work_centres.hours_per_week > 0
                then {{ price(divide(
                    '100 * (loads.setup_hours + loads.run_hours)', 'work_centres.hours_per_week'
                )) }}
        end as utilisation_pct
    from loads
    inner join work_centres
        on loads.work_centre_id = work_centres.work_centre_id

)

select * from final
