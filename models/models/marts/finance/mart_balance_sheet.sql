-- Balance sheet per division and period end. Assets are positive on side 'assets',
-- equity and liabilities positive on side 'equity_and_liabilities'. One line per
-- balance-sheet account, except the retained-earnings account, which is folded into
-- the computed line RE together with every earlier fiscal year's result; the result of
-- the fiscal year so far is the computed line CYR. So both sides always agree.
-- amount_group translates at the rate of the period end.
with

balances as (

    select * from {{ ref('fct_account_balances') }}

),

division_periods as (

    select distinct
        division_id,
        period_id,
        fiscal_year,
        period_number,
        period_end,
        period_end_rate_to_group
    from balances

),

account_lines as (

    select
        division_id,
        fiscal_year,
        period_number,
        period_end,
        bs_section,
        case when account_class = 'asset' then 'assets' else 'equity_and_liabilities' end
            as side,
        account_code as line_code,
        account_name as line_name,
        account_id,
        case when account_class = 'asset' then closing_balance else -closing_balance end
            as amount,
        period_end_rate_to_group
    from balances
    where account_type = 'balance_sheet'
        and reporting_category <> 'retained_earnings'
        and (closing_balance <> 0 or movement <> 0)

),

retained_earnings_account as (

    select
        period_id,
        sum(closing_balance) as balance
    from balances
    where account_type = 'balance_sheet'
        and reporting_category = 'retained_earnings'
    group by period_id

),

current_year_result as (

    select
        period_id,
        sum(closing_balance) as balance
    from balances
    where account_type = 'profit_loss'
    group by period_id

),

result_by_year as (

    select
        division_id,
        fiscal_year,
        sum(movement) as balance
    from balances
    where account_type = 'profit_loss'
    group by division_id, fiscal_year

),

division_years as (

    select distinct division_id, fiscal_year from division_periods

),

prior_years_result as (

    select
        division_years.division_id,
        division_years.fiscal_year,
        sum(result_by_year.balance) as balance
    from division_years
    inner join result_by_year
        on result_by_year.division_id = division_years.division_id
        and result_by_year.fiscal_year < division_years.fiscal_year
    group by division_years.division_id, division_years.fiscal_year

),

computed_lines as (

    select
        division_periods.division_id,
        division_periods.fiscal_year,
        division_periods.period_number,
        division_periods.period_end,
        'Equity' as bs_section,
        'equity_and_liabilities' as side,
        'CYR' as line_code,
        'Current year result' as line_name,
        cast(null as bigint) as account_id,
        -coalesce(current_year_result.balance, 0) as amount,
        division_periods.period_end_rate_to_group
    from division_periods
    left join current_year_result
        on division_periods.period_id = current_year_result.period_id

    union all

    select
        division_periods.division_id,
        division_periods.fiscal_year,
        division_periods.period_number,
        division_periods.period_end,
        'Equity' as bs_section,
        'equity_and_liabilities' as side,
        'RE' as line_code,
        'Retained earnings' as line_name,
        cast(null as bigint) as account_id,
        -(coalesce(retained_earnings_account.balance, 0) + coalesce(prior_years_result.balance, 0))
            as amount,
        division_periods.period_end_rate_to_group
    from division_periods
    left join retained_earnings_account
        on division_periods.period_id = retained_earnings_account.period_id
    left join prior_years_result
        on division_periods.division_id = prior_years_result.division_id
        and division_periods.fiscal_year = prior_years_result.fiscal_year

),

unioned as (

    select * from account_lines
    union all
    select * from computed_lines

),

final as (

    select
        division_id,
        fiscal_year,
        period_number,
        period_end,
        bs_section,
        side,
        line_code,
        line_name,
        account_id,
        {{ money('amount') }} as amount,
        {{ money('amount * period_end_rate_to_group') }} as amount_group
    from unioned

)

select * from final
