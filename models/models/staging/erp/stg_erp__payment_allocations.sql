-- The part of a payment that settles one invoice.
with

source as (

    select * from {{ source('erp', 'payment_allocation') }}

),

renamed as (

    select
        id as payment_allocation_id,
        payment_id,
        invoice_id,
        {{ money('amount') }} as amount,
        {{ money('amount_base') }} as amount_base

    from source

)

select * from renamed
