-- Divisions: legal entities keeping their own books in their own base currency.
with

source as (

    select * from {{ source('erp', 'division') }}

),

renamed as (

    select
        id as division_id,
        source.code as division_code,
        source.name as division_name,
        currency_code,
        country,
        parent_id as parent_division_id,
        cast(ownership_pct as decimal(19, 8)) as ownership_pct,
        is_active

    from source

)

select * from renamed
