-- Journals (day books) per division.
with

source as (

    select * from {{ source('erp', 'journal') }}

),

renamed as (

    select
        id as journal_id,
        division_id,
        source.code as journal_code,
        source.name as journal_name,
        journal_type,
        account_id,
        currency_code

    from source

)

select * from renamed
