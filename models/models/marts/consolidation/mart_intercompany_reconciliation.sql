-- Intercompany reconciliation of each group level and month end, per unordered pair of
-- companies of the level (division_id < counterparty_division_id) and kind: 'balance'
-- (receivables, payables, loans: cumulative) and 'transaction' (revenue against cost:
-- year to date). amount_division is what the lower division's lines toward the other
-- say, amount_counterparty what the other's toward it say, both translated into the
-- level's currency as the eliminations translate them and signed as in the ledger (debit
-- positive): two sides that agree cancel, so difference = amount_division +
-- amount_counterparty is 0. A difference is not hidden: the eliminations post it to the
-- ic_difference account, and it is listed here.
-- Read from the eliminations, which remove each side in full (amount = - its translated
-- amount, cumulative): pairs and lines outside the level are never there.
with

eliminations as (

    select * from {{ ref('fct_consolidation_eliminations') }}

),

trial_balance as (

    select * from {{ ref('mart_consolidated_trial_balance') }}

),

sides as (

    select
        group_division_id,
        period_end,
        case elimination_type
            when 'intercompany_balance' then 'balance'
            else 'transaction'
        end as kind,
        least(division_id, counterparty_division_id) as division_id,
        greatest(division_id, counterparty_division_id) as counterparty_division_id,
        case when division_id < counterparty_division_id then -amount_group else 0 end
            as amount_division,
        case when division_id > counterparty_division_id then -amount_group else 0 end
            as amount_counterparty
    from eliminations
    where elimination_type in ('intercompany_balance', 'intercompany_transaction')

),

cumulative as (

    select
        group_division_id,
        period_end,
        kind,
        division_id,
        counterparty_division_id,
        sum(amount_division) as amount_division,
        sum(amount_counterparty) as amount_counterparty
    from sides
    group by group_division_id, period_end, kind, division_id, counterparty_division_id

),

periods as (

    select distinct group_division_id, period_end, fiscal_year
    from trial_balance

),

-- The last month end of each year: December for every year but the current one.
year_ends as (

    select group_division_id, fiscal_year, max(period_end) as period_end
    from periods
    group by group_division_id, fiscal_year

),

-- Transactions year to date: the cumulative amount less last December's, joined as a
-- row of its own (a pair quiet this year still nets to zero).
contributions as (

    select
        cumulative.group_division_id,
        cumulative.period_end,
        periods.fiscal_year,
        cumulative.kind,
        cumulative.division_id,
        cumulative.counterparty_division_id,
        cumulative.amount_division,
        cumulative.amount_counterparty
    from cumulative
    inner join periods
        on cumulative.group_division_id = periods.group_division_id
        and cumulative.period_end = periods.period_end

    union all

    select
        periods.group_division_id,
        periods.period_end,
        periods.fiscal_year,
        cumulative.kind,
        cumulative.division_id,
        cumulative.counterparty_division_id,
        -cumulative.amount_division,
        -cumulative.amount_counterparty
    from periods
    inner join year_ends
        on periods.group_division_id = year_ends.group_division_id
        and year_ends.fiscal_year = periods.fiscal_year - 1
    inner join cumulative
        on cumulative.group_division_id = year_ends.group_division_id
        and cumulative.period_end = year_ends.period_end
        and cumulative.kind = 'transaction'

),

pairs as (

    select
        group_division_id,
        period_end,
        fiscal_year,
        division_id,
        counterparty_division_id,
        kind,
        sum(amount_division) as amount_division,
        sum(amount_counterparty) as amount_counterparty
    from contributions
    group by
        group_division_id,
        period_end,
        fiscal_year,
        division_id,
        counterparty_division_id,
        kind

),

final as (

    select
        cast(group_division_id as bigint) as group_division_id,
        period_end,
        cast(fiscal_year as bigint) as fiscal_year,
        cast(division_id as bigint) as division_id,
        cast(counterparty_division_id as bigint) as counterparty_division_id,
        kind,
        {{ money('amount_division') }} as amount_division,
        {{ money('amount_counterparty') }} as amount_counterparty,
        {{ money('amount_division + amount_counterparty') }} as difference,
        amount_division + amount_counterparty = 0 as is_matched
    from pairs
    -- Nothing left on either side (a loan repaid, no trade this year yet): no line.
    where amount_division <> 0 or amount_counterparty <> 0

)

select * from final
