-- The salesperson who looks after a customer.
with

source as (

    select * from {{ source('erp', 'customer_salesperson') }}

),

renamed as (

    select
        relation_id,
        salesperson_id

    from source

)

select * from renamed
