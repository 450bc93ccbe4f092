-- General-ledger accounts; an empty division means shared by every division.
with

source as (

    select * from {{ source('erp', 'account') }}

),

renamed as (

    select
        id as account_id,
        division_id,
        source.code as account_code,
        source.name as account_name,
        account_type,
        account_class,
        reporting_category,
        is_control,
        is_active,
        posting_role

    from source

)

select * from renamed
