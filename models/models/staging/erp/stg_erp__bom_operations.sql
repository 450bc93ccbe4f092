-- The routing of a BOM version: setup and run hours per batch on a work centre, or an outsourced step with its price per product unit.
with

source as (

    select * from {{ source('erp', 'bom_operation') }}

),

renamed as (

    select
        id as bom_operation_id,
        bom_id,
        sequence,
        description,
        work_centre_id,
        cast(setup_hours as decimal(19, 8)) as setup_hours,
        cast(run_hours as decimal(19, 8)) as run_hours,
        supplier_id,
        {{ money('outsourced_price') }} as outsourced_price

    from source

)

select * from renamed
