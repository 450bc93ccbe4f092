-- MRP's planned orders: buy or make a quantity of an item, ordered on order_date to arrive by due_date; converted once it became an order.
with

source as (

    select * from {{ source('erp', 'mrp_advice') }}

),

renamed as (

    select
        id as mrp_advice_id,
        run_id as mrp_run_id,
        division_id,
        item_id,
        action,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(order_date as date) as order_date,
        cast(due_date as date) as due_date,
        source.status as status,
        purchase_order_id,
        production_order_id,
        converted_by as converted_by_user_id,
        converted_at

    from source

)

select * from renamed
