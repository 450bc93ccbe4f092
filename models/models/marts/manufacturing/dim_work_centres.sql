-- Work centres with their division: rates per hour, efficiency and hours available a week.
with

work_centres as (

    select * from {{ ref('stg_erp__work_centres') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        work_centres.work_centre_id,
        work_centres.division_id,
        divisions.division_code,
        work_centres.work_centre_code,
        work_centres.work_centre_name,
        {{ money('work_centres.labour_rate') }} as labour_rate,
        {{ money('work_centres.machine_rate') }} as machine_rate,
        {{ price('work_centres.efficiency_pct') }} as efficiency_pct,
        {{ rate('work_centres.hours_per_week') }} as hours_per_week,
        work_centres.is_active
    from work_centres
    inner join divisions
        on work_centres.division_id = divisions.division_id

)

select * from final
