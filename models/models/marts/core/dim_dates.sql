-- One row per calendar day from the first fiscal year's start to the last one's end
-- (the spine is int_calendar_days).
with

days as (

    select date_day from {{ ref('int_calendar_days') }}

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as integer) as year,
        {{ quarter_of('date_day') }} as quarter,
        cast(extract(month from date_day) as integer) as month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        {{ iso_week('date_day') }} as iso_week
    from days

)

select * from final
