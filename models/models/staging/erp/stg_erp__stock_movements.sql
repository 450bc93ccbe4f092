-- Every change of stock: signed quantity (+ in, - out) and signed value in the division's base
-- currency, with the entry that posted it.
with

source as (

    select * from {{ source('erp', 'stock_movement') }}

),

renamed as (

    select
        id as stock_movement_id,
        division_id,
        item_id,
        warehouse_id,
        lot_id,
        cast(movement_date as date) as movement_date,
        movement_type,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(unit_cost as decimal(19, 8)) as unit_cost,
        {{ money('source.value') }} as value_base,
        relation_id,
        source_type,
        source_id,
        document_number,
        entry_id,
        created_by as created_by_user_id,
        created_at

    from source

)

select * from renamed
