-- Warehouses with their division.
with

warehouses as (

    select * from {{ ref('stg_erp__warehouses') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        warehouses.warehouse_id,
        warehouses.division_id,
        divisions.division_code,
        warehouses.warehouse_code,
        warehouses.warehouse_name
    from warehouses
    inner join divisions
        on warehouses.division_id = divisions.division_id

)

select * from final
