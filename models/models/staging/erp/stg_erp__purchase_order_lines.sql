-- Lines of purchase orders with their received, returned and invoiced quantities.
with

source as (

    select * from {{ source('erp', 'purchase_order_line') }}

),

renamed as (

    select
        id as purchase_order_line_id,
        order_id as purchase_order_id,
        line_number,
        item_id,
        description,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ price('unit_price') }} as unit_price,
        supply_contract_id,
        cast(promised_date as date) as promised_date,
        cast(quantity_received as decimal(19, 8)) as quantity_received,
        cast(quantity_returned as decimal(19, 8)) as quantity_returned,
        cast(quantity_invoiced as decimal(19, 8)) as quantity_invoiced

    from source

)

select * from renamed
