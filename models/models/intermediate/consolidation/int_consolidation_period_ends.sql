-- The consolidation's periods: calendar month ends from the first month with ledger lines
-- to the month of the as-of date (dbt var as_of_date, else ERP_TODAY, else today: the
-- date the finance marts age on). The year is the calendar year of the month end
-- (docs/consolidation.md, "Periods"), whatever the divisions' fiscal years.
with

entries as (

    select entry_date from {{ ref('stg_erp__journal_entries') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(entry_date)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as last_month
    from entries

),

months as (

    select
        cast({{ dbt.dateadd('month', 'numbers.generated_number - 1', 'bounds.first_month') }} as date)
            as period_start
    from bounds
    cross join {{ day_numbers(1200) }} as numbers
    where bounds.first_month is not null

),

final as (

    select
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.period_start')) }} as date)
            as period_end,
        months.period_start,
        cast(extract(year from months.period_start) as bigint) as fiscal_year,
        cast({{ dbt.date_trunc('year', 'months.period_start') }} as date) as year_start
    from months
    cross join bounds
    where months.period_start <= bounds.last_month

)

select * from final
