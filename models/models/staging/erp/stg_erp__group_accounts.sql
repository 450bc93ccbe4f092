-- The group chart of accounts (docs/consolidation.md).
with

source as (

    select * from {{ source('erp', 'group_account') }}

),

renamed as (

    select
        id as group_account_id,
        source.code as group_account_code,
        source.name as group_account_name,
        account_type,
        account_class,
        rate_type,
        source.role as group_account_role,
        eliminate_intercompany,
        cast(sort_order as bigint) as sort_order,
        is_active

    from source

)

select * from renamed
