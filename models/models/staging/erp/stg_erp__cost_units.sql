-- Cost units (products, projects) per division.
with

source as (

    select * from {{ source('erp', 'cost_unit') }}

),

renamed as (

    select
        id as cost_unit_id,
        division_id,
        source.code as cost_unit_code,
        source.name as cost_unit_name

    from source

)

select * from renamed
