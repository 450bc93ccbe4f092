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
        {{ price('order_price') }} as order_price,
        {{ price('invoice_price') }} as invoice_price,
        {{ money('grni_value') }} as grni_value,
        {{ money('invoice_value') }} as invoice_value,
        {{ money('difference_value') }} as difference_value,
        source.status as status,
        accepted_by as accepted_by_user_id,
        accepted_at,
        note

    from source

)

select * from renamed
