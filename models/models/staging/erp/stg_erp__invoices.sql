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
        cast(amount_excl_vat as decimal(19, 4)) as amount_excl_vat,
        cast(vat_amount as decimal(19, 4)) as vat_amount,
        cast(amount_incl_vat as decimal(19, 4)) as amount_incl_vat,
        cast(amount_base as decimal(19, 4)) as amount_base,
        entry_id,
        document_number,
        created_by as created_by_user_id

    from source

)

select * from renamed
