-- Lines of deliveries with their cost (base currency, positive).
with

source as (

    select * from {{ source('erp', 'delivery_line') }}

),

renamed as (

    select
        id as delivery_line_id,
        delivery_id,
        order_line_id as sales_order_line_id,
        item_id,
        lot_id,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ money('cost_value') }} as cost_value

    from source

)

select * from renamed
