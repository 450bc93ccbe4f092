-- Division account -> group account; an empty division_id maps the account for every
-- division, a row with a division overrides it there.
with

source as (

    select * from {{ source('erp', 'group_account_map') }}

),

renamed as (

    select
        id as group_account_map_id,
        account_id,
        division_id,
        group_account_id

    from source

)

select * from renamed
