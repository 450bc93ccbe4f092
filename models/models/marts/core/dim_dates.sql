-- One row per calendar day from the first fiscal year's start to the last one's end.
with

fiscal_years as (

    select * from {{ ref('stg_erp__fiscal_years') }}

),

bounds as (

    select
        min(fiscal_year_start) as first_day,
        max(fiscal_year_end) as last_day
    from fiscal_years

),

days as (

    select
        {{ add_days('numbers.generated_number - 1', 'bounds.first_day') }} as date_day
    from bounds
    cross join {{ day_numbers(36600) }} as numbers
    where numbers.generated_number - 1 <= {{ days_between('bounds.first_day', 'bounds.last_day') }}

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
