-- Item groups per division.
with

source as (

    select * from {{ source('erp', 'item_group') }}

),

renamed as (

    select
        id as item_group_id,
        division_id,
        source.code as item_group_code,
        source.name as item_group_name

    from source

)

select * from renamed
