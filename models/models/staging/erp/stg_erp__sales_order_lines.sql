-- Lines of sales quotes and orders with their delivered, returned, invoiced and credited
-- quantities.
with

source as (

    select * from {{ source('erp', 'sales_order_line') }}

),

renamed as (

    select
        id as sales_order_line_id,
        order_id as sales_order_id,
        line_number,
        item_id,
        description,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ price('unit_price') }} as unit_price,
        price_rule_id,
        vat_code,
        cast(quantity_delivered as decimal(19, 8)) as quantity_delivered,
        cast(quantity_returned as decimal(19, 8)) as quantity_returned,
        cast(quantity_invoiced as decimal(19, 8)) as quantity_invoiced,
        cast(quantity_credited as decimal(19, 8)) as quantity_credited

    from source

)

select * from renamed
