-- Lines of posted entries; amount_base is signed, debit positive.
with

source as (

    select * from {{ source('erp', 'journal_line') }}

),

renamed as (

    select
        id as journal_line_id,
        entry_id,
        division_id,
        line_number,
        account_id,
        description,
        currency_code,
        {{ money('amount_foreign') }} as amount_foreign,
        cast(rate as decimal(19, 8)) as rate,
        {{ money('amount_base') }} as amount_base,
        cost_centre_id,
        cost_unit_id,
        relation_id,
        vat_code_id,
        invoice_id

    from source

)

select * from renamed
