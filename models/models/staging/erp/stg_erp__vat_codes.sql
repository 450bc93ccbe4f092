-- VAT codes with their rate and ledger account.
with

source as (

    select * from {{ source('erp', 'vat_code') }}

),

renamed as (

    select
        id as vat_code_id,
        source.code as vat_code,
        source.name as vat_code_name,
        cast(rate as decimal(19, 8)) as vat_rate,
        vat_type,
        account_id

    from source

)

select * from renamed
