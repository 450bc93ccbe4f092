-- Every group level and each division it holds, directly or down a chain of
-- memberships: one row per (level, division, membership period). A level is a division
-- that is a parent in group_member; it holds itself (is_level_parent) and every division
-- below it. Effective ownership is the product of the direct percentages along the chain
-- (as a fraction); the chain is valid while every membership on it is, and the level
-- acquired the division on the latest acquisition date along it. An associate (method
-- equity) ends a chain: what it holds is not the group's.
-- Spark SQL has no recursive CTE, so the chain is unrolled to six levels of holdings.
{%- set max_depth = 6 %}
with

members as (

    select * from {{ ref('stg_erp__group_members') }}

),

levels as (

    select distinct parent_division_id as group_division_id
    from members

),

depth_0 as (

    select
        levels.group_division_id,
        levels.group_division_id as division_id,
        cast(null as bigint) as parent_division_id,
        cast(null as bigint) as group_member_id,
        cast(1 as decimal(19, 8)) as ownership,
        'full' as method,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        cast(null as date) as acquisition_date,
        cast(0 as bigint) as depth
    from levels

),
{% for depth in range(1, max_depth + 1) %}
depth_{{ depth }} as (

    select
        chain.group_division_id,
        members.division_id,
        members.parent_division_id,
        members.group_member_id,
        {{ rate('chain.ownership * members.ownership_pct * 0.01') }} as ownership,
        members.method,
        case
            when chain.valid_from is null or members.valid_from > chain.valid_from
                then members.valid_from
            else chain.valid_from
        end as valid_from,
        case
            when chain.valid_to is null then members.valid_to
            when members.valid_to is null or chain.valid_to < members.valid_to
                then chain.valid_to
            else members.valid_to
        end as valid_to,
        case
            when chain.acquisition_date is null or members.acquisition_date > chain.acquisition_date
                then members.acquisition_date
            else chain.acquisition_date
        end as acquisition_date,
        cast({{ depth }} as bigint) as depth
    from depth_{{ depth - 1 }} as chain
    inner join members
        on members.parent_division_id = chain.division_id
    where chain.method = 'full'
        and members.division_id <> chain.group_division_id

),
{% endfor %}
chains as (

    {% for depth in range(0, max_depth + 1) %}
    select * from depth_{{ depth }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        group_division_id,
        division_id,
        parent_division_id,
        group_member_id,
        ownership,
        method,
        valid_from,
        valid_to,
        acquisition_date,
        depth,
        depth = 0 as is_level_parent
    from chains
    where valid_to is null or valid_from is null or valid_from <= valid_to

)

select * from final
