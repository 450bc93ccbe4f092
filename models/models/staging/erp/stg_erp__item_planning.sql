-- How an item is supplied and planned: bought, made, or a phantom (exploded, never stocked); lead time, lot sizing, safety stock and supplier.
with

source as (

    select * from {{ source('erp', 'item_planning') }}

),

renamed as (

    select
        item_id,
        division_id,
        supply,
        lead_time_days,
        cast(minimum_quantity as decimal(19, 8)) as minimum_quantity,
        cast(order_multiple as decimal(19, 8)) as order_multiple,
        cast(safety_stock as decimal(19, 8)) as safety_stock,
        supplier_id

    from source

)

select * from renamed
