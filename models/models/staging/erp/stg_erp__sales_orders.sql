-- Sales quotes and orders (a quote and the order it becomes are one row).
with

source as (

    select * from {{ source('erp', 'sales_order') }}

),

renamed as (

    select
        id as sales_order_id,
        division_id,
        source.status as status,
        quote_number,
        order_number,
        relation_id,
        salesperson_id,
        warehouse_id,
        currency_code,
        cast(quote_date as date) as quote_date,
        cast(order_date as date) as order_date,
        cast(requested_date as date) as requested_date,
        customer_reference,
        description,
        created_by as created_by_user_id

    from source

)

select * from renamed
