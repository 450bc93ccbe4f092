{{ config(materialized='table') }}
-- Who is in each group level at each period end: the level's own division, and every
-- division it holds whose memberships are valid at the period end and which the level has
-- acquired by then (docs/consolidation.md, "Group levels", "Scope"). Associates (method
-- equity) are listed too, for the equity method; they never get a column.
-- The level's currency is its division's; the parent's currency prices the investment.
with

chains as (

    select * from {{ ref('int_consolidation_group_chains') }}

),

members as (

    select * from {{ ref('stg_erp__group_members') }}

),

period_ends as (

    select * from {{ ref('int_consolidation_period_ends') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

in_scope as (

    select
        chains.group_division_id,
        period_ends.period_end,
        period_ends.fiscal_year,
        period_ends.year_start,
        chains.division_id,
        chains.parent_division_id,
        chains.group_member_id,
        chains.ownership,
        chains.method,
        chains.acquisition_date,
        chains.is_level_parent
    from chains
    inner join period_ends
        on chains.is_level_parent
        or (
            chains.valid_from <= period_ends.period_end
            and (chains.valid_to is null or chains.valid_to >= period_ends.period_end)
            and chains.acquisition_date <= period_ends.period_end
        )

),

final as (

    select
        in_scope.group_division_id,
        in_scope.period_end,
        in_scope.fiscal_year,
        in_scope.year_start,
        in_scope.division_id,
        in_scope.parent_division_id,
        in_scope.group_member_id,
        in_scope.ownership,
        in_scope.method,
        in_scope.acquisition_date,
        in_scope.is_level_parent,
        levels.currency_code as group_currency,
        divisions.currency_code,
        parents.currency_code as parent_currency,
        coalesce(members.investment_cost, {{ money('0') }}) as investment_cost,
        members.investment_account_id
    from in_scope
    inner join divisions as levels
        on in_scope.group_division_id = levels.division_id
    inner join divisions
        on in_scope.division_id = divisions.division_id
    left join divisions as parents
        on in_scope.parent_division_id = parents.division_id
    left join members
        on in_scope.group_member_id = members.group_member_id

)

select * from final
