-- The consolidation's own entries per group level and period end, cumulative, in the
-- level currency: eliminations (intercompany balances and transactions and their
-- differences, dividends, investment against equity at acquisition, goodwill or bargain
-- purchase gain, non-controlling interests, equity method) in the column of the division
-- they concern, and the top-side entries (column_kind 'adjustment') as entered.
-- elimination_id names the same entry at every period end of a build (the drill-down
-- compares a figure with the previous year end's).
with

eliminations as (

    select * from {{ ref('int_consolidation_eliminations') }}

),

final as (

    select
        cast(group_division_id as bigint) as group_division_id,
        period_end,
        cast(dense_rank() over (order by elimination_id) as bigint) as elimination_id,
        cast(division_id as bigint) as division_id,
        cast(counterparty_division_id as bigint) as counterparty_division_id,
        cast(group_account_id as bigint) as group_account_id,
        elimination_type,
        column_kind,
        amount_group,
        description
    from eliminations

)

select * from final
