-- Top-side consolidation entries of a group level (its currency, never in a division's books).
with

source as (

    select * from {{ source('erp', 'consolidation_entry') }}

),

renamed as (

    select
        id as consolidation_entry_id,
        group_division_id,
        cast(source.number as bigint) as entry_number,
        cast(entry_date as date) as entry_date,
        source.description,
        reverses_entry_id,
        created_by,
        created_at

    from source

)

select * from renamed
