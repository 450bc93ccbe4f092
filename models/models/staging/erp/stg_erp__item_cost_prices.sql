-- The cost price a scenario last calculated per item, by cost type (per unit, unrounded), and when it was applied as the standard cost.
with

source as (

    select * from {{ source('erp', 'item_cost_price') }}

),

renamed as (

    select
        id as item_cost_price_id,
        division_id,
        scenario_id as cost_scenario_id,
        item_id,
        bom_id,
        cast(calculated_on as date) as calculated_on,
        cast(material as decimal(19, 8)) as material,
        cast(labour as decimal(19, 8)) as labour,
        cast(machine as decimal(19, 8)) as machine,
        cast(outsourced as decimal(19, 8)) as outsourced,
        cast(overhead as decimal(19, 8)) as overhead,
        {{ money('cost_price') }} as cost_price,
        cast(applied_on as date) as applied_on,
        applied_by as applied_by_user_id

    from source

)

select * from renamed
