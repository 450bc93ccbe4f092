-- Sales and purchase invoices (credit notes have negative amounts).
with

source as (

    select * from {{ source('erp', 'invoice') }}

),

renamed as (

    select
        id as invoice_id,
        division_id,
        invoice_type,
        journal_id,
        relation_id,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        currency_code,
        cast(rate as decimal(19, 8)) as rate,
        description,
        supplier_reference,
        {{ money('amount_excl_vat') }} as amount_excl_vat,
        {{ money('vat_amount') }} as vat_amount,
        {{ money('amount_incl_vat') }} as amount_incl_vat,
        {{ money('amount_base') }} as amount_base,
        entry_id,
        document_number,
        created_by as created_by_user_id

    from source

)

select * from renamed
