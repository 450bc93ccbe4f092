-- Budget versions: one division and fiscal year, a scenario and a status
-- (draft -> submitted -> approved).
with

source as (

    select * from {{ source('erp', 'budget_version') }}

),

renamed as (

    select
        id as budget_version_id,
        division_id,
        fiscal_year,
        source.name as version_name,
        scenario,
        source.status as status,
        description,
        origin,
        source_version_id,
        source_year,
        cast(change_pct as decimal(19, 8)) as change_pct,
        created_by as created_by_user_id,
        created_at,
        submitted_by as submitted_by_user_id,
        submitted_at,
        approved_by as approved_by_user_id,
        approved_at

    from source

)

select * from renamed
