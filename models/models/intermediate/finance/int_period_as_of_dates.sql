-- Every period of every division with the date its open items are taken on: the period
-- end, capped at the last posting date (the latest journal entry in any division).
-- A period end after the books' reach has no postings yet: taking it literally would
-- count every open invoice as overdue, so it shows the items as they stand on the last
-- posting date. The period a user selects, not today, decides the ageing.
with

periods as (

    select * from {{ ref('stg_erp__periods') }}

),

fiscal_years as (

    select * from {{ ref('stg_erp__fiscal_years') }}

),

entries as (

    select * from {{ ref('stg_erp__journal_entries') }}

),

reach as (

    select max(entry_date) as last_posting_date
    from entries

),

final as (

    select
        periods.period_id,
        periods.division_id,
        fiscal_years.fiscal_year,
        periods.period_number,
        periods.period_start,
        periods.period_end,
        reach.last_posting_date,
        case
            when reach.last_posting_date is null then periods.period_end
            when periods.period_end < reach.last_posting_date then periods.period_end
            else reach.last_posting_date
        end as as_of_date
    from periods
    inner join fiscal_years
        on periods.fiscal_year_id = fiscal_years.fiscal_year_id
    cross join reach

)

select * from final
