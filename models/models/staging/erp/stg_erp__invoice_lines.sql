-- Lines of invoices.
with

source as (

    select * from {{ source('erp', 'invoice_line') }}

),

renamed as (

    select
        id as invoice_line_id,
        invoice_id,
        line_number,
        description,
        account_id,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ price('unit_price') }} as unit_price,
        {{ money('amount') }} as amount,
        vat_code_id,
        {{ money('vat_amount') }} as vat_amount,
        cost_centre_id,
        cost_unit_id,
        item_id,
        sales_order_line_id,
        purchase_order_line_id

    from source

)

select * from renamed
