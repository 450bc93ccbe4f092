-- Alert thresholds per division: 'overdue_limit' (per customer, or the division default
-- when relation_id is empty; base currency) and 'budget_overrun_pct' (percent).
with

source as (

    select * from {{ source('erp', 'alert_setting') }}

),

renamed as (

    select
        id as alert_setting_id,
        division_id,
        kind,
        relation_id,
        {{ price('source.value') }} as setting_value,
        updated_by as updated_by_user_id,
        updated_at

    from source

)

select * from renamed
