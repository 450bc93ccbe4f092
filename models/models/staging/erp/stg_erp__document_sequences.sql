-- Last document number handed out per journal and fiscal year.
with

source as (

    select * from {{ source('erp', 'document_sequence') }}

),

renamed as (

    select
        journal_id,
        fiscal_year_id,
        last_number

    from source

)

select * from renamed
