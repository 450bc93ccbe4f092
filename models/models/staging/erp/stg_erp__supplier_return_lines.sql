-- Lines of supplier returns with their value (base currency, positive).
with

source as (

    select * from {{ source('erp', 'supplier_return_line') }}

),

renamed as (

    select
        id as supplier_return_line_id,
        return_id as supplier_return_id,
        receipt_line_id as goods_receipt_line_id,
        order_line_id as purchase_order_line_id,
        item_id,
        lot_id,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ money('source.value') }} as value_base

    from source

)

select * from renamed
