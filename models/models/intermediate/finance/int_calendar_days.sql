-- One row per calendar day from the first fiscal year's start to the last one's end (any
-- division): the day spine. Below the marts so that intermediate models (exchange rates)
-- can use it without reading a mart; dim_dates adds the calendar attributes.
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

final as (

    select
        {{ add_days('numbers.generated_number - 1', 'bounds.first_day') }} as date_day
    from bounds
    cross join {{ day_numbers(36600) }} as numbers
    where numbers.generated_number - 1 <= {{ days_between('bounds.first_day', 'bounds.last_day') }}

)

select * from final
