-- Goods received from suppliers.
with

source as (

    select * from {{ source('erp', 'goods_receipt') }}

),

renamed as (

    select
        id as goods_receipt_id,
        division_id,
        source.number as receipt_number,
        order_id as purchase_order_id,
        warehouse_id,
        cast(receipt_date as date) as receipt_date,
        entry_id,
        created_by as created_by_user_id

    from source

)

select * from renamed
