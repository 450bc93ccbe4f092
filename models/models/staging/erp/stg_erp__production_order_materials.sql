-- Components to issue on a production order: quantity for the whole order (scrap included), issued so far, planned unit cost.
with

source as (

    select * from {{ source('erp', 'production_order_material') }}

),

renamed as (

    select
        id as production_order_material_id,
        order_id as production_order_id,
        line_number,
        item_id,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(scrap_pct as decimal(19, 8)) as scrap_pct,
        cast(quantity_issued as decimal(19, 8)) as quantity_issued,
        cast(unit_cost as decimal(19, 8)) as unit_cost

    from source

)

select * from renamed
