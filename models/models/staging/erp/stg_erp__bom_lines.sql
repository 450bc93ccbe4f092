-- Components of a BOM version: quantity per batch and planned scrap.
with

source as (

    select * from {{ source('erp', 'bom_line') }}

),

renamed as (

    select
        id as bom_line_id,
        bom_id,
        line_number,
        component_id,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(scrap_pct as decimal(19, 8)) as scrap_pct

    from source

)

select * from renamed
