-- The effective group account of every account each division may post to: the
-- division's own mapping where there is one, else the mapping for every division.
-- Accounts without either are absent (int_consolidation_unmapped_accounts lists those
-- with ledger lines).
with

accounts as (

    select * from {{ ref('stg_erp__accounts') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

maps as (

    select * from {{ ref('stg_erp__group_account_maps') }}

),

usable as (

    -- shared accounts in every division, a division's own accounts in it
    select
        divisions.division_id,
        accounts.account_id,
        accounts.account_code,
        accounts.account_name
    from divisions
    inner join accounts
        on accounts.division_id is null
        or accounts.division_id = divisions.division_id

),

final as (

    select
        usable.division_id,
        usable.account_id,
        usable.account_code,
        usable.account_name,
        coalesce(own.group_account_id, shared.group_account_id) as group_account_id
    from usable
    left join maps as own
        on own.account_id = usable.account_id
        and own.division_id = usable.division_id
    left join maps as shared
        on shared.account_id = usable.account_id
        and shared.division_id is null

)

select * from final
