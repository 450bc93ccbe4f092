-- Work centres: a machine or a group of people with rates per hour, efficiency and hours available per week.
with

source as (

    select * from {{ source('erp', 'work_centre') }}

),

renamed as (

    select
        id as work_centre_id,
        division_id,
        source.code as work_centre_code,
        source.name as work_centre_name,
        is_active,
        {{ money('labour_rate') }} as labour_rate,
        {{ money('machine_rate') }} as machine_rate,
        cast(efficiency_pct as decimal(19, 8)) as efficiency_pct,
        cast(hours_per_week as decimal(19, 8)) as hours_per_week

    from source

)

select * from renamed
