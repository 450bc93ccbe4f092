-- Salespeople per division.
with

source as (

    select * from {{ source('erp', 'salesperson') }}

),

renamed as (

    select
        id as salesperson_id,
        division_id,
        source.code as salesperson_code,
        source.name as salesperson_name,
        is_active

    from source

)

select * from renamed
