-- The consolidated trial balance per group level and period end: one column per
-- division of the level (translated), 'ELIM' (eliminations), 'ADJ' (top-side entries) and
-- 'GROUP' (their sum). Balance-sheet accounts cumulative; P&L accounts for the calendar
-- year to date, with earlier years' P&L folded into the retained_earnings account of the
-- same column (docs/consolidation.md, "Periods"). Every column sums to zero.
with

translation as (

    select * from {{ ref('int_consolidation_translation') }}

),

eliminations as (

    select * from {{ ref('int_consolidation_eliminations') }}

),

scope as (

    select * from {{ ref('int_consolidation_scope') }}

),

period_ends as (

    select * from {{ ref('int_consolidation_period_ends') }}

),

group_accounts as (

    select * from {{ ref('stg_erp__group_accounts') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

retained_earnings as (

    select group_account_id
    from group_accounts
    where group_account_role = 'retained_earnings'

),

columns_amounts as (

    select
        translation.group_division_id,
        translation.period_end,
        divisions.division_code as column_code,
        'division' as column_kind,
        translation.division_id,
        translation.group_account_id,
        translation.amount_group,
        translation.amount_group_prior
    from translation
    inner join scope
        on translation.group_division_id = scope.group_division_id
        and translation.period_end = scope.period_end
        and translation.division_id = scope.division_id
    inner join divisions
        on translation.division_id = divisions.division_id
    where scope.method = 'full'

    union all

    select
        group_division_id,
        period_end,
        case when column_kind = 'adjustment' then 'ADJ' else 'ELIM' end,
        column_kind,
        cast(null as bigint),
        group_account_id,
        amount_group,
        amount_group_prior
    from eliminations

),

with_group as (

    select * from columns_amounts

    union all

    select
        group_division_id, period_end, 'GROUP', 'group', cast(null as bigint),
        group_account_id, amount_group, amount_group_prior
    from columns_amounts

),

contributions as (

    -- P&L: the year to date on its account, earlier years on retained earnings
    select
        with_group.group_division_id,
        with_group.period_end,
        with_group.column_code,
        with_group.column_kind,
        with_group.division_id,
        with_group.group_account_id,
        case
            when group_accounts.account_type = 'profit_loss'
                then with_group.amount_group - with_group.amount_group_prior
            else with_group.amount_group
        end as balance
    from with_group
    inner join group_accounts
        on with_group.group_account_id = group_accounts.group_account_id

    union all

    select
        with_group.group_division_id,
        with_group.period_end,
        with_group.column_code,
        with_group.column_kind,
        with_group.division_id,
        retained_earnings.group_account_id,
        with_group.amount_group_prior
    from with_group
    inner join group_accounts
        on with_group.group_account_id = group_accounts.group_account_id
    cross join retained_earnings
    where group_accounts.account_type = 'profit_loss'

),

summed as (

    select
        group_division_id,
        period_end,
        column_code,
        column_kind,
        division_id,
        group_account_id,
        sum(balance) as balance
    from contributions
    group by group_division_id, period_end, column_code, column_kind, division_id, group_account_id

),

final as (

    select
        cast(summed.group_division_id as bigint) as group_division_id,
        summed.period_end,
        cast(period_ends.fiscal_year as bigint) as fiscal_year,
        cast(summed.group_account_id as bigint) as group_account_id,
        group_accounts.group_account_code as code,
        group_accounts.group_account_name as name,
        group_accounts.account_type,
        group_accounts.account_class,
        cast(group_accounts.sort_order as integer) as sort_order,
        summed.column_code,
        summed.column_kind,
        cast(summed.division_id as bigint) as division_id,
        {{ money('summed.balance') }} as balance
    from summed
    inner join period_ends
        on summed.period_end = period_ends.period_end
    inner join group_accounts
        on summed.group_account_id = group_accounts.group_account_id

)

select * from final
