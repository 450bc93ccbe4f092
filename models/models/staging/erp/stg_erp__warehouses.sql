-- Warehouses per division.
with

source as (

    select * from {{ source('erp', 'warehouse') }}

),

renamed as (

    select
        id as warehouse_id,
        division_id,
        source.code as warehouse_code,
        source.name as warehouse_name,
        is_active

    from source

)

select * from renamed
