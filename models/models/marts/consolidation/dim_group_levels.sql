-- The group levels and who is in them: per level (a division that is a parent in the
-- group structure), its own division and every division it holds directly or through a
-- chain, per period of validity, with the effective ownership (a fraction), the method and
-- the acquisition date. A division belongs to a level at a period end when valid_from <=
-- period end <= valid_to (empty: open) and, for a subsidiary, it has been acquired.
with

chains as (

    select * from {{ ref('int_consolidation_group_chains') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        cast(chains.group_division_id as bigint) as group_division_id,
        levels.division_code as group_division_code,
        levels.currency_code as group_currency,
        cast(chains.division_id as bigint) as division_id,
        divisions.division_code,
        divisions.currency_code,
        {{ rate('chains.ownership') }} as ownership_pct,
        chains.method,
        chains.acquisition_date,
        chains.valid_from,
        chains.valid_to,
        chains.is_level_parent
    from chains
    inner join divisions as levels
        on chains.group_division_id = levels.division_id
    inner join divisions
        on chains.division_id = divisions.division_id

)

select * from final
