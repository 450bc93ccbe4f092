-- Ways to calculate cost prices: the price basis of bought items and the surcharges.
with

source as (

    select * from {{ source('erp', 'cost_scenario') }}

),

renamed as (

    select
        id as cost_scenario_id,
        division_id,
        source.code as cost_scenario_code,
        source.name as cost_scenario_name,
        is_active,
        price_basis,
        is_default,
        with_surcharges,
        cast(material_surcharge_pct as decimal(19, 8)) as material_surcharge_pct,
        cast(conversion_surcharge_pct as decimal(19, 8)) as conversion_surcharge_pct

    from source

)

select * from renamed
