-- Item groups per division.
with

source as (

    select * from {{ source('erp', 'item_group') }}

),

renamed as (

    select
        id as item_group_id,
        division_id,
        "code" as item_group_code,
        "name" as item_group_name

    from source

)

select * from renamed
