-- The group's share of the CTA of all divisions of a level (mart_cta_movement) is the
-- balance of the cta account in the GROUP column of the consolidated trial balance, per
-- level and month end.
-- dagster attaches it to mart_cta_movement as an asset check.
{{ config(meta={'dagster': {'ref': {'name': 'mart_cta_movement'}}}) }}
with

amounts as (

    select group_division_id, period_end, group_share as amount
    from {{ ref('mart_cta_movement') }}

    union all

    select trial_balance.group_division_id, trial_balance.period_end, -trial_balance.balance
    from {{ ref('mart_consolidated_trial_balance') }} as trial_balance
    inner join {{ ref('dim_group_accounts') }} as group_accounts
        on trial_balance.group_account_id = group_accounts.group_account_id
    where trial_balance.column_kind = 'group'
        and group_accounts.role = 'cta'

)

select group_division_id, period_end, sum(amount) as difference
from amounts
group by group_division_id, period_end
having sum(amount) <> 0
