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
        cast(amount as decimal(19, 4)) as amount,
        cast(amount_base as decimal(19, 4)) as amount_base

    from source

)

select * from renamed
