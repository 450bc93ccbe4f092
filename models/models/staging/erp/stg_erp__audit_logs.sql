-- Audit log: who changed what, when, from which value to which.
with

source as (

    select * from {{ source('erp', 'audit_log') }}

),

renamed as (

    select
        id as audit_log_id,
        user_id,
        changed_at,
        table_name,
        record_key,
        source.action as action,
        old_value,
        new_value

    from source

)

select * from renamed
