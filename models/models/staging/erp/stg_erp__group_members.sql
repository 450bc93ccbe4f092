-- The group structure: a subsidiary (or associate) held by a parent from valid_from to
-- valid_to. ownership_pct as stored (80 for 80 %).
with

source as (

    select * from {{ source('erp', 'group_member') }}

),

renamed as (

    select
        id as group_member_id,
        parent_division_id,
        division_id,
        cast(ownership_pct as decimal(19, 8)) as ownership_pct,
        source.method,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(acquisition_date as date) as acquisition_date,
        {{ money('investment_cost') }} as investment_cost,
        investment_account_id

    from source

)

select * from renamed
