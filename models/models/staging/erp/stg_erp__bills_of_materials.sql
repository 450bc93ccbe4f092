-- Versions of how an item is made (components in bom_line, routing in bom_operation), for a batch of batch_quantity units.
with

source as (

    select * from {{ source('erp', 'bill_of_materials') }}

),

renamed as (

    select
        id as bom_id,
        division_id,
        item_id,
        version,
        description,
        cast(batch_quantity as decimal(19, 8)) as batch_quantity,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        is_default,
        created_by as created_by_user_id

    from source

)

select * from renamed
