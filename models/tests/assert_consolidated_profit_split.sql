-- In every column of the consolidated income statement, month and year to date: PROFIT
-- is the sum of the account lines, and PROFIT_NCI + PROFIT_OWNERS = PROFIT.
with

lines as (

    select * from {{ ref('mart_consolidated_income_statement') }}

),

totals as (

    select
        group_division_id,
        period_end,
        column_code,
        sum(case when line_code = 'PROFIT' then month_amount else 0 end) as month_profit,
        sum(case when line_code = 'PROFIT' then ytd_amount else 0 end) as ytd_profit,
        sum(case when line_code in ('PROFIT_NCI', 'PROFIT_OWNERS') then month_amount else 0 end)
            as month_split,
        sum(case when line_code in ('PROFIT_NCI', 'PROFIT_OWNERS') then ytd_amount else 0 end)
            as ytd_split,
        sum(case when line_code like 'PROFIT%' then 0 else month_amount end) as month_lines,
        sum(case when line_code like 'PROFIT%' then 0 else ytd_amount end) as ytd_lines
    from lines
    group by group_division_id, period_end, column_code

)

select *
from totals
where month_profit <> month_split
    or ytd_profit <> ytd_split
    or month_profit <> month_lines
    or ytd_profit <> ytd_lines
