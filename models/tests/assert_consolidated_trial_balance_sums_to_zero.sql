-- Every column of the consolidated trial balance sums to zero, per level and period end
-- (docs/consolidation.md: translated trial balances balance through the CTA, and every
-- elimination and top-side entry balances).
select
    group_division_id,
    period_end,
    column_code,
    sum(balance) as total
from {{ ref('mart_consolidated_trial_balance') }}
group by group_division_id, period_end, column_code
having sum(balance) <> 0
