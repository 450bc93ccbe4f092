-- The group chart of accounts: what every division's accounts map to, how each is
-- translated, and the roles the consolidation posts to (docs/consolidation.md).
with

group_accounts as (

    select * from {{ ref('stg_erp__group_accounts') }}

),

final as (

    select
        cast(group_account_id as bigint) as group_account_id,
        group_account_code as code,
        group_account_name as name,
        account_type,
        account_class,
        rate_type,
        group_account_role as role,
        eliminate_intercompany,
        cast(sort_order as integer) as sort_order
    from group_accounts

)

select * from final
