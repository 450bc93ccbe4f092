-- The effective mapping per division: each account a division may post to and the group
-- account it goes to (the division's own mapping over the one for every division).
-- Unmapped accounts are absent (the consolidation stops while one has ledger lines).
with

account_map as (

    select * from {{ ref('int_consolidation_account_map') }}

),

final as (

    select
        cast(division_id as bigint) as division_id,
        cast(account_id as bigint) as account_id,
        account_code,
        cast(group_account_id as bigint) as group_account_id
    from account_map
    where group_account_id is not null

)

select * from final
