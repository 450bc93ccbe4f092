{{ config(materialized='table') }}
-- Per division, account and period from the account's first posting on: the movements
-- of the period and the balances (debit positive). Balance-sheet accounts accumulate
-- since the first posting; profit-and-loss accounts restart every fiscal year (their
-- earlier years are the retained earnings of the balance sheet).
-- Feeds the trial balance, the balance sheet and the cash position. A periodic snapshot
-- fact (an account in a period), so a mart: it reads the ledger fact and the dimensions,
-- which no intermediate model may (models/README.md, "Naming").
with

gl_lines as (

    select * from {{ ref('fct_gl_lines') }}

),

periods as (

    select * from {{ ref('dim_periods') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

divisions as (

    select * from {{ ref('dim_divisions') }}

),

rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

movements as (

    select
        division_id,
        period_id,
        account_id,
        sum(debit_base) as debit,
        sum(credit_base) as credit,
        sum(amount_base) as movement
    from gl_lines
    group by division_id, period_id, account_id

),

first_use as (

    select
        movements.division_id,
        movements.account_id,
        min(periods.period_start) as first_period_start
    from movements
    inner join periods
        on movements.period_id = periods.period_id
    group by movements.division_id, movements.account_id

),

grid as (

    -- Every later period too, so a balance carries forward through quiet months.
    select
        first_use.division_id,
        first_use.account_id,
        periods.period_id,
        periods.fiscal_year,
        periods.period_number,
        periods.period_start,
        periods.period_end
    from first_use
    inner join periods
        on periods.division_id = first_use.division_id
        and periods.period_start >= first_use.first_period_start

),

joined as (

    select
        grid.*,
        accounts.account_code,
        accounts.account_name,
        accounts.account_type,
        accounts.account_class,
        accounts.reporting_category,
        accounts.bs_section,
        coalesce(movements.debit, 0) as debit,
        coalesce(movements.credit, 0) as credit,
        coalesce(movements.movement, 0) as movement
    from grid
    inner join accounts
        on grid.account_id = accounts.account_id
    left join movements
        on movements.division_id = grid.division_id
        and movements.period_id = grid.period_id
        and movements.account_id = grid.account_id

),

running as (

    select
        joined.*,
        sum(movement) over (
            partition by division_id, account_id
            order by period_start
            rows between unbounded preceding and current row
        ) as balance_to_date,
        sum(movement) over (
            partition by division_id, account_id, fiscal_year
            order by period_start
            rows between unbounded preceding and current row
        ) as balance_year_to_date
    from joined

),

accumulated as (

    select
        running.*,
        case
            when account_type = 'profit_loss' then balance_year_to_date
            else balance_to_date
        end as closing_balance
    from running

),

final as (

    select
        accumulated.division_id,
        accumulated.period_id,
        accumulated.fiscal_year,
        accumulated.period_number,
        accumulated.period_start,
        accumulated.period_end,
        accumulated.account_id,
        accumulated.account_code,
        accumulated.account_name,
        accumulated.account_type,
        accumulated.account_class,
        accumulated.reporting_category,
        accumulated.bs_section,
        {{ money('accumulated.closing_balance - accumulated.movement') }} as opening_balance,
        {{ money('accumulated.debit') }} as debit,
        {{ money('accumulated.credit') }} as credit,
        {{ money('accumulated.movement') }} as movement,
        {{ money('accumulated.closing_balance') }} as closing_balance,
        rates.rate_to_group as period_end_rate_to_group
    from accumulated
    inner join divisions
        on accumulated.division_id = divisions.division_id
    left join rates
        on rates.currency_code = divisions.currency_code
        and rates.date_day = accumulated.period_end

)

select * from final
