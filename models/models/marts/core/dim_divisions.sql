-- Divisions with their place in the group; the top division's currency is the group currency.
with

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        division_id,
        division_code,
        division_name,
        currency_code,
        country,
        parent_division_id,
        ownership_pct,
        parent_division_id is null as is_group_top
    from divisions

)

select * from final
