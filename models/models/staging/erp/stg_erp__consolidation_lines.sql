-- Lines of top-side entries: debit positive, in the level's currency, in the column of
-- division_id.
with

source as (

    select * from {{ source('erp', 'consolidation_line') }}

),

renamed as (

    select
        id as consolidation_line_id,
        entry_id as consolidation_entry_id,
        line_number,
        division_id,
        group_account_id,
        counterparty_division_id,
        {{ money('amount') }} as amount,
        source.description

    from source

)

select * from renamed
