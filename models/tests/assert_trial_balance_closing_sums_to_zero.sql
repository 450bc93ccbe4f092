-- Closing balances of all accounts since the first posting sum to zero per division and
-- period end: balance-sheet balances plus every fiscal year's P&L up to that period.
with

balances as (

    select * from {{ ref('fct_account_balances') }}

),

prior_results as (

    -- P&L balances restart each year: add back the closed years' results.
    select
        later.division_id,
        later.period_id,
        sum(earlier.movement) as amount
    from (select distinct division_id, period_id, fiscal_year from balances) as later
    inner join balances as earlier
        on earlier.division_id = later.division_id
        and earlier.fiscal_year < later.fiscal_year
        and earlier.account_type = 'profit_loss'
    group by later.division_id, later.period_id

),

totals as (

    select division_id, period_id, sum(closing_balance) as amount
    from balances
    group by division_id, period_id

    union all

    select division_id, period_id, amount from prior_results

)

select division_id, period_id, sum(amount) as out_of_balance
from totals
group by division_id, period_id
having sum(amount) <> 0
