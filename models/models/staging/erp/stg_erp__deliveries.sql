-- Deliveries to customers.
with

source as (

    select * from {{ source('erp', 'delivery') }}

),

renamed as (

    select
        id as delivery_id,
        division_id,
        source.number as delivery_number,
        order_id as sales_order_id,
        warehouse_id,
        cast(delivery_date as date) as delivery_date,
        entry_id,
        created_by as created_by_user_id

    from source

)

select * from renamed
