-- One row per stock movement: signed quantity (+ in, - out) and signed value in the
-- division's base currency, with the document and the journal entry that posted it.
with

movements as (

    select * from {{ ref('stg_erp__stock_movements') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

warehouses as (

    select * from {{ ref('stg_erp__warehouses') }}

),

final as (

    select
        movements.stock_movement_id,
        movements.division_id,
        divisions.division_code,
        movements.item_id,
        items.item_code,
        movements.warehouse_id,
        warehouses.warehouse_code,
        movements.movement_date,
        cast(extract(year from movements.movement_date) as integer) as year,
        cast(extract(month from movements.movement_date) as integer) as month,
        movements.movement_type,
        movements.quantity,
        movements.value_base,
        movements.document_number,
        movements.source_type,
        movements.source_id,
        movements.entry_id
    from movements
    inner join divisions
        on movements.division_id = divisions.division_id
    inner join items
        on movements.item_id = items.item_id
    inner join warehouses
        on movements.warehouse_id = warehouses.warehouse_id

)

select * from final
