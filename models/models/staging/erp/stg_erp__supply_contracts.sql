-- Supply contracts: a volume of an item at a price over a period.
with

source as (

    select * from {{ source('erp', 'supply_contract') }}

),

renamed as (

    select
        id as supply_contract_id,
        division_id,
        source.number as contract_number,
        relation_id,
        item_id,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(contracted_quantity as decimal(19, 8)) as contracted_quantity,
        cast(quantity_ordered as decimal(19, 8)) as quantity_ordered,
        {{ price('unit_price') }} as unit_price,
        currency_code,
        lead_time_days,
        created_by as created_by_user_id

    from source

)

select * from renamed
