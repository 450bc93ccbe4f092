-- The closing NCI of all subsidiaries of a level (mart_nci_movement) is the balance of
-- the nci account in the GROUP column of the consolidated trial balance, per level and
-- month end.
-- dagster attaches it to mart_nci_movement as an asset check.
{{ config(meta={'dagster': {'ref': {'name': 'mart_nci_movement'}}}) }}
with

amounts as (

    select group_division_id, period_end, closing as amount
    from {{ ref('mart_nci_movement') }}

    union all

    select trial_balance.group_division_id, trial_balance.period_end, -trial_balance.balance
    from {{ ref('mart_consolidated_trial_balance') }} as trial_balance
    inner join {{ ref('dim_group_accounts') }} as group_accounts
        on trial_balance.group_account_id = group_accounts.group_account_id
    where trial_balance.column_kind = 'group'
        and group_accounts.role = 'nci'

)

select group_division_id, period_end, sum(amount) as difference
from amounts
group by group_division_id, period_end
having sum(amount) <> 0
