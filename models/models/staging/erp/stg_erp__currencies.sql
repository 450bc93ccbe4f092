-- ISO currencies and the number of decimals amounts are rounded to.
with

source as (

    select * from {{ source('erp', 'currency') }}

),

renamed as (

    select
        "code" as currency_code,
        "name" as currency_name,
        decimals

    from source

)

select * from renamed
