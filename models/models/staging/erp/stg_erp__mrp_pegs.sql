-- Which demand a planned order serves and how much; root_* is the independent demand at the top of the chain.
with

source as (

    select * from {{ source('erp', 'mrp_peg') }}

),

renamed as (

    select
        id as mrp_peg_id,
        advice_id as mrp_advice_id,
        demand_type,
        demand_id,
        cast(demand_date as date) as demand_date,
        cast(quantity as decimal(19, 8)) as quantity,
        root_type,
        root_id

    from source

)

select * from renamed
