-- Accounting periods per division, with their fiscal year.
with

periods as (

    select * from {{ ref('stg_erp__periods') }}

),

fiscal_years as (

    select * from {{ ref('stg_erp__fiscal_years') }}

),

final as (

    select
        periods.period_id,
        periods.division_id,
        fiscal_years.fiscal_year,
        periods.period_number,
        {{ period_key('fiscal_years.fiscal_year', 'periods.period_number') }} as period_key,
        periods.period_start,
        periods.period_end,
        periods.period_status,
        fiscal_years.fiscal_year_status
    from periods
    inner join fiscal_years
        on periods.fiscal_year_id = fiscal_years.fiscal_year_id

)

select * from final
