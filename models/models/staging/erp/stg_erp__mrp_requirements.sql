-- MRP's time-phased record of an item in one bucket of a run.
with

source as (

    select * from {{ source('erp', 'mrp_requirement') }}

),

renamed as (

    select
        id as mrp_requirement_id,
        run_id as mrp_run_id,
        item_id,
        cast(bucket_start as date) as bucket_start,
        cast(gross_requirement as decimal(19, 8)) as gross_requirement,
        cast(scheduled_receipts as decimal(19, 8)) as scheduled_receipts,
        cast(projected_on_hand as decimal(19, 8)) as projected_on_hand,
        cast(net_requirement as decimal(19, 8)) as net_requirement,
        cast(planned_receipts as decimal(19, 8)) as planned_receipts

    from source

)

select * from renamed
