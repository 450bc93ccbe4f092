-- Cost units (products, projects) per division.
with

source as (

    select * from {{ source('erp', 'cost_unit') }}

),

renamed as (

    select
        id as cost_unit_id,
        division_id,
        "code" as cost_unit_code,
        "name" as cost_unit_name

    from source

)

select * from renamed
