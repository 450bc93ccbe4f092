-- Lines of goods receipts with their value (base currency at the receipt date's rate).
with

source as (

    select * from {{ source('erp', 'goods_receipt_line') }}

),

renamed as (

    select
        id as goods_receipt_line_id,
        receipt_id as goods_receipt_id,
        order_line_id as purchase_order_line_id,
        item_id,
        lot_id,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ money('source.value') }} as value_base

    from source

)

select * from renamed
