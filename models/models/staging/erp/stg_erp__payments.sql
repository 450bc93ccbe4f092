-- Money received from customers or paid to suppliers.
with

source as (

    select * from {{ source('erp', 'payment') }}

),

renamed as (

    select
        id as payment_id,
        division_id,
        journal_id,
        relation_id,
        direction,
        cast(payment_date as date) as payment_date,
        currency_code,
        cast(rate as decimal(19, 8)) as rate,
        {{ money('amount') }} as amount,
        {{ money('amount_base') }} as amount_base,
        reference,
        entry_id,
        document_number,
        created_by as created_by_user_id

    from source

)

select * from renamed
