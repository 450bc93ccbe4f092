-- How each purchase-invoice line matched its order line and receipts.
with

source as (

    select * from {{ source('erp', 'invoice_match') }}

),

renamed as (

    select
        id as invoice_match_id,
        division_id,
        invoice_id,
        order_line_id as purchase_order_line_id,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(quantity_open_before as decimal(19, 8)) as quantity_open_before,
        cast(order_price as decimal(19, 4)) as order_price,
        cast(invoice_price as decimal(19, 4)) as invoice_price,
        cast(grni_value as decimal(19, 4)) as grni_value,
        cast(invoice_value as decimal(19, 4)) as invoice_value,
        cast(difference_value as decimal(19, 4)) as difference_value,
        "status" as status,
        accepted_by as accepted_by_user_id,
        accepted_at,
        note

    from source

)

select * from renamed
