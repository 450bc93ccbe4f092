-- Lines of posted entries; amount_base is signed, debit positive.
-- counterparty_division_id: the group company on the other side of an intercompany line.
-- The posting service sets it since migration 0011; an older line takes it from its
-- relation when that relation is a group company (docs/consolidation.md).
with

source as (

    select * from {{ source('erp', 'journal_line') }}

),

relations as (

    select id, intercompany_division_id from {{ source('erp', 'relation') }}

),

renamed as (

    select
        source.id as journal_line_id,
        source.entry_id,
        source.division_id,
        source.line_number,
        source.account_id,
        source.description,
        source.currency_code,
        {{ money('source.amount_foreign') }} as amount_foreign,
        cast(source.rate as decimal(19, 8)) as rate,
        {{ money('source.amount_base') }} as amount_base,
        source.cost_centre_id,
        source.cost_unit_id,
        source.relation_id,
        coalesce(source.counterparty_division_id, relations.intercompany_division_id)
            as counterparty_division_id,
        source.vat_code_id,
        source.invoice_id

    from source
    left join relations
        on source.relation_id = relations.id

)

select * from renamed
