-- The consolidated balance sheet of each group level and month end, one column per
-- division of the level, ELIM, ADJ and GROUP (the columns of the consolidated trial
-- balance). Assets are positive on side 'assets', equity and liabilities positive on
-- side 'equity_and_liabilities'. One line per balance-sheet group account except the
-- retained_earnings one, which becomes the computed line RE (the trial balance already
-- folds every earlier year's result into it); CYR is the result of the year to date
-- attributable to the owners (every P&L account, nci_result included: the NCI's share
-- sits on the nci account). Since each column of the trial balance sums to zero, both
-- sides agree in every column.
-- sort_order is the group account's sort_order x 10: RE takes the retained_earnings
-- account's place and CYR comes right after it.
with

trial_balance as (

    select * from {{ ref('mart_consolidated_trial_balance') }}

),

group_accounts as (

    select * from {{ ref('dim_group_accounts') }}

),

balances as (

    select
        trial_balance.group_division_id,
        trial_balance.period_end,
        trial_balance.fiscal_year,
        trial_balance.column_code,
        trial_balance.column_kind,
        trial_balance.division_id,
        trial_balance.balance,
        group_accounts.code,
        group_accounts.name,
        group_accounts.sort_order,
        group_accounts.account_type,
        group_accounts.account_class,
        coalesce(group_accounts.role, '') as role
    from trial_balance
    inner join group_accounts
        on trial_balance.group_account_id = group_accounts.group_account_id

),

account_lines as (

    select
        group_division_id,
        period_end,
        fiscal_year,
        case when account_class = 'asset' then 'assets' else 'equity_and_liabilities' end
            as side,
        code as line_code,
        name as line_name,
        cast(sort_order as bigint) * 10 as sort_order,
        column_code,
        column_kind,
        division_id,
        case when account_class = 'asset' then balance else -balance end as amount
    from balances
    where account_type = 'balance_sheet'
        and role <> 'retained_earnings'

),

report_columns as (

    select distinct
        group_division_id, period_end, fiscal_year, column_code, column_kind, division_id
    from trial_balance

),

column_results as (

    select
        group_division_id,
        period_end,
        column_code,
        sum(case when account_type = 'balance_sheet' and role = 'retained_earnings'
            then balance else 0 end) as retained_earnings,
        sum(case when account_type = 'profit_loss' then balance else 0 end) as result
    from balances
    group by group_division_id, period_end, column_code

),

-- Without a retained_earnings account (a chart missing the role) RE goes after the last
-- account.
retained_earnings_sort as (

    select
        cast(coalesce(
            max(case when role = 'retained_earnings' then sort_order end),
            max(sort_order) + 1,
            0
        ) as bigint) * 10 as sort_order
    from group_accounts

),

computed_lines as (

    select
        report_columns.group_division_id,
        report_columns.period_end,
        report_columns.fiscal_year,
        'equity_and_liabilities' as side,
        lines.line_code,
        lines.line_name,
        retained_earnings_sort.sort_order + lines.step as sort_order,
        report_columns.column_code,
        report_columns.column_kind,
        report_columns.division_id,
        case lines.line_code
            when 'RE' then -coalesce(column_results.retained_earnings, 0)
            else -coalesce(column_results.result, 0)
        end as amount
    from report_columns
    cross join retained_earnings_sort
    cross join (
        select 'RE' as line_code, 'Retained earnings' as line_name, cast(0 as bigint) as step
        union all
        select 'CYR', 'Result for the year attributable to owners', cast(5 as bigint)
    ) as lines
    left join column_results
        on report_columns.group_division_id = column_results.group_division_id
        and report_columns.period_end = column_results.period_end
        and report_columns.column_code = column_results.column_code

),

unioned as (

    select * from account_lines
    union all
    select * from computed_lines

),

final as (

    select
        cast(group_division_id as bigint) as group_division_id,
        period_end,
        cast(fiscal_year as bigint) as fiscal_year,
        side,
        line_code,
        line_name,
        cast(sort_order as bigint) as sort_order,
        column_code,
        column_kind,
        cast(division_id as bigint) as division_id,
        {{ money('amount') }} as amount
    from unioned

)

select * from final
