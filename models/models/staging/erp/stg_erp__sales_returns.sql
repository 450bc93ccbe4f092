-- Goods customers sent back.
with

source as (

    select * from {{ source('erp', 'sales_return') }}

),

renamed as (

    select
        id as sales_return_id,
        division_id,
        source.number as return_number,
        order_id as sales_order_id,
        warehouse_id,
        cast(return_date as date) as return_date,
        reason,
        entry_id,
        credit_note_id,
        created_by as created_by_user_id

    from source

)

select * from renamed
