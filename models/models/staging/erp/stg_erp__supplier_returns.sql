-- Received goods sent back to the supplier.
with

source as (

    select * from {{ source('erp', 'supplier_return') }}

),

renamed as (

    select
        id as supplier_return_id,
        division_id,
        source.number as return_number,
        order_id as purchase_order_id,
        warehouse_id,
        cast(return_date as date) as return_date,
        reason,
        entry_id,
        created_by as created_by_user_id

    from source

)

select * from renamed
