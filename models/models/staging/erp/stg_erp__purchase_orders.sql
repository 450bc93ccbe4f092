-- Purchase orders.
with

source as (

    select * from {{ source('erp', 'purchase_order') }}

),

renamed as (

    select
        id as purchase_order_id,
        division_id,
        source.number as order_number,
        source.status as status,
        relation_id,
        warehouse_id,
        currency_code,
        cast(order_date as date) as order_date,
        cast(promised_date as date) as promised_date,
        description,
        created_by as created_by_user_id

    from source

)

select * from renamed
