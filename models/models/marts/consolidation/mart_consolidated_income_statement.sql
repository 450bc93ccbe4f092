-- The consolidated income statement of each group level and month end, one column per
-- division of the level, ELIM, ADJ and GROUP (the columns of the consolidated trial
-- balance), income positive. One line per profit-and-loss group account, with the
-- month's amount and the year to date, then three computed lines: PROFIT (the result of
-- the whole group), PROFIT_NCI (the non-controlling interests' share, the nci_result
-- account: it gets no line of its own, so the account lines add up to PROFIT) and
-- PROFIT_OWNERS (PROFIT - PROFIT_NCI, what the balance sheet's CYR shows).
-- sort_order is the group account's sort_order x 10, so computed lines fit after them.
with

trial_balance as (

    select * from {{ ref('mart_consolidated_trial_balance') }}

),

group_accounts as (

    select * from {{ ref('dim_group_accounts') }}

),

profit_loss_balances as (

    select
        trial_balance.group_division_id,
        trial_balance.period_end,
        trial_balance.fiscal_year,
        trial_balance.column_code,
        trial_balance.column_kind,
        trial_balance.division_id,
        trial_balance.group_account_id,
        trial_balance.balance
    from trial_balance
    inner join group_accounts
        on trial_balance.group_account_id = group_accounts.group_account_id
    where group_accounts.account_type = 'profit_loss'

),

periods as (

    select distinct group_division_id, period_end, fiscal_year
    from trial_balance

),

-- Month ends are consecutive per level, so the previous row is the previous month.
period_steps as (

    select
        group_division_id,
        period_end,
        fiscal_year,
        lag(period_end) over (
            partition by group_division_id order by period_end
        ) as previous_period_end
    from periods

),

-- The trial balance holds P&L accounts year to date: the month's movement is this
-- month's balance less the previous month's of the same year. The previous balance is
-- joined as a row of its own, so an account with no balance left this month (the
-- trial balance has no row for it) still shows its month's movement.
movements as (

    select
        group_division_id,
        period_end,
        fiscal_year,
        column_code,
        column_kind,
        division_id,
        group_account_id,
        balance as ytd_balance,
        balance as month_balance
    from profit_loss_balances

    union all

    select
        period_steps.group_division_id,
        period_steps.period_end,
        period_steps.fiscal_year,
        previous.column_code,
        previous.column_kind,
        previous.division_id,
        previous.group_account_id,
        0 as ytd_balance,
        -previous.balance as month_balance
    from period_steps
    inner join profit_loss_balances as previous
        on previous.group_division_id = period_steps.group_division_id
        and previous.period_end = period_steps.previous_period_end
        and previous.fiscal_year = period_steps.fiscal_year

),

account_balances as (

    select
        movements.group_division_id,
        movements.period_end,
        movements.fiscal_year,
        movements.column_code,
        movements.column_kind,
        movements.division_id,
        movements.group_account_id,
        group_accounts.code,
        group_accounts.name,
        group_accounts.sort_order,
        coalesce(group_accounts.role, '') = 'nci_result' as is_nci_result,
        sum(movements.month_balance) as month_balance,
        sum(movements.ytd_balance) as ytd_balance
    from movements
    inner join group_accounts
        on movements.group_account_id = group_accounts.group_account_id
    group by
        movements.group_division_id,
        movements.period_end,
        movements.fiscal_year,
        movements.column_code,
        movements.column_kind,
        movements.division_id,
        movements.group_account_id,
        group_accounts.code,
        group_accounts.name,
        group_accounts.sort_order,
        coalesce(group_accounts.role, '') = 'nci_result'

),

-- Every column of the trial balance gets the computed lines, even without P&L amounts.
report_columns as (

    select distinct
        group_division_id, period_end, fiscal_year, column_code, column_kind, division_id
    from trial_balance

    union

    select distinct
        group_division_id, period_end, fiscal_year, column_code, column_kind, division_id
    from account_balances

),

column_results as (

    select
        group_division_id,
        period_end,
        column_code,
        sum(case when is_nci_result then 0 else month_balance end) as month_before_nci,
        sum(case when is_nci_result then 0 else ytd_balance end) as ytd_before_nci,
        sum(case when is_nci_result then month_balance else 0 end) as month_nci,
        sum(case when is_nci_result then ytd_balance else 0 end) as ytd_nci
    from account_balances
    group by group_division_id, period_end, column_code

),

computed_sort as (

    select cast(coalesce(max(sort_order), 0) as bigint) * 10 as last_sort_order
    from group_accounts

),

account_lines as (

    select
        group_division_id,
        period_end,
        fiscal_year,
        code as line_code,
        name as line_name,
        cast(sort_order as bigint) * 10 as sort_order,
        column_code,
        column_kind,
        division_id,
        -month_balance as month_amount,
        -ytd_balance as ytd_amount
    from account_balances
    where not is_nci_result

),

computed_lines as (

    select
        report_columns.group_division_id,
        report_columns.period_end,
        report_columns.fiscal_year,
        lines.line_code,
        lines.line_name,
        computed_sort.last_sort_order + lines.step as sort_order,
        report_columns.column_code,
        report_columns.column_kind,
        report_columns.division_id,
        case lines.line_code
            when 'PROFIT' then -coalesce(column_results.month_before_nci, 0)
            when 'PROFIT_NCI' then coalesce(column_results.month_nci, 0)
            else -coalesce(column_results.month_before_nci, 0)
                - coalesce(column_results.month_nci, 0)
        end as month_amount,
        case lines.line_code
            when 'PROFIT' then -coalesce(column_results.ytd_before_nci, 0)
            when 'PROFIT_NCI' then coalesce(column_results.ytd_nci, 0)
            else -coalesce(column_results.ytd_before_nci, 0)
                - coalesce(column_results.ytd_nci, 0)
        end as ytd_amount
    from report_columns
    cross join computed_sort
    cross join (
        select 'PROFIT' as line_code, 'Profit for the period' as line_name,
            cast(10 as bigint) as step
        union all
        select 'PROFIT_NCI', 'Attributable to non-controlling interests', cast(20 as bigint)
        union all
        select 'PROFIT_OWNERS', 'Attributable to owners of the parent', cast(30 as bigint)
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
        line_code,
        line_name,
        cast(sort_order as bigint) as sort_order,
        column_code,
        column_kind,
        cast(division_id as bigint) as division_id,
        {{ money('month_amount') }} as month_amount,
        {{ money('ytd_amount') }} as ytd_amount
    from unioned

)

select * from final
