-- The reporting windows the Insights sidebar can ask for, per division: for every period
-- that starts on or before the as_of_date var (the current period included, so the page
-- can show the month in progress),
--   rolling_12m: the 12 calendar months ending with the period's month;
--   fiscal_ytd:  the fiscal year's start through the period's end.
-- One row per division x window_type x fiscal year x period, keyed by the sidebar's
-- fiscal year and period, with the window's first and last day. The ABC marts total
-- their monthly sales over these windows (macro abc_mart).
with

periods as (

    select * from {{ ref('stg_erp__periods') }}

),

fiscal_years as (

    select * from {{ ref('stg_erp__fiscal_years') }}

),

reportable as (

    select
        periods.division_id,
        fiscal_years.fiscal_year,
        periods.period_number as period,
        periods.period_end,
        fiscal_years.fiscal_year_start
    from periods
    inner join fiscal_years
        on periods.fiscal_year_id = fiscal_years.fiscal_year_id
    where periods.period_start <= {{ as_of_date() }}

),

final as (

    select
        division_id,
        'rolling_12m' as window_type,
        fiscal_year,
        period,
        {{ month_start_offset('period_end', -11) }} as window_start,
        period_end as window_end
    from reportable

    union all

    select
        division_id,
        'fiscal_ytd' as window_type,
        fiscal_year,
        period,
        fiscal_year_start as window_start,
        period_end as window_end
    from reportable

)

select * from final
