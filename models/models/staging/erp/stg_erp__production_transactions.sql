-- Every movement of value into (+) or out of (-) a production order's work in progress, with the stock movement and journal entry behind it.
with

source as (

    select * from {{ source('erp', 'production_transaction') }}

),

renamed as (

    select
        id as production_transaction_id,
        division_id,
        order_id as production_order_id,
        cast(transaction_date as date) as transaction_date,
        kind,
        cost_type,
        material_id as production_order_material_id,
        operation_id as production_order_operation_id,
        item_id,
        lot_id,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(hours as decimal(19, 8)) as hours,
        {{ money('source.value') }} as value_base,
        stock_movement_id,
        entry_id,
        created_by as created_by_user_id,
        created_at

    from source

)

select * from renamed
