-- Posted journal entries: balanced and immutable; corrections are reversals.
with

source as (

    select * from {{ source('erp', 'journal_entry') }}

),

renamed as (

    select
        id as entry_id,
        division_id,
        journal_id,
        fiscal_year_id,
        period_id,
        source.number as entry_number,
        document_number,
        cast(entry_date as date) as entry_date,
        description,
        source_type,
        source_id,
        reverses_entry_id,
        created_by as created_by_user_id,
        created_at

    from source

)

select * from renamed
