-- ISO currencies and the number of decimals amounts are rounded to.
with

source as (

    select * from {{ source('erp', 'currency') }}

),

renamed as (

    select
        source.code as currency_code,
        source.name as currency_name,
        decimals

    from source

)

select * from renamed
