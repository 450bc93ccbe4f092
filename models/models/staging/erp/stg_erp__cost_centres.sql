-- Cost centres per division.
with

source as (

    select * from {{ source('erp', 'cost_centre') }}

),

renamed as (

    select
        id as cost_centre_id,
        division_id,
        source.code as cost_centre_code,
        source.name as cost_centre_name

    from source

)

select * from renamed
