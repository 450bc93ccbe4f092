-- Routing steps of a production order: planned hours (efficiency applied), rates at release, hours booked so far.
with

source as (

    select * from {{ source('erp', 'production_order_operation') }}

),

renamed as (

    select
        id as production_order_operation_id,
        order_id as production_order_id,
        sequence,
        description,
        work_centre_id,
        cast(planned_hours as decimal(19, 8)) as planned_hours,
        {{ money('labour_rate') }} as labour_rate,
        {{ money('machine_rate') }} as machine_rate,
        cast(labour_hours as decimal(19, 8)) as labour_hours,
        cast(machine_hours as decimal(19, 8)) as machine_hours,
        supplier_id,
        {{ money('outsourced_price') }} as outsourced_price,
        cast(quantity_outsourced as decimal(19, 8)) as quantity_outsourced

    from source

)

select * from renamed
