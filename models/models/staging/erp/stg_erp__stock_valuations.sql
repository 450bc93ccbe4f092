-- Current stock and value per item over all warehouses (moving-average cost = value /
-- quantity).
with

source as (

    select * from {{ source('erp', 'stock_valuation') }}

),

renamed as (

    select
        item_id,
        division_id,
        cast(quantity as decimal(19, 8)) as quantity,
        {{ money('source.value') }} as value_base,
        cast(last_unit_cost as decimal(19, 8)) as last_unit_cost

    from source

)

select * from renamed
