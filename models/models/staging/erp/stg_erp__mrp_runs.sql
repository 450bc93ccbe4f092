-- MRP calculations of a division: from start_date, a number of day, week or month buckets.
with

source as (

    select * from {{ source('erp', 'mrp_run') }}

),

renamed as (

    select
        id as mrp_run_id,
        division_id,
        cast(start_date as date) as start_date,
        bucket,
        buckets,
        run_at,
        created_by as created_by_user_id

    from source

)

select * from renamed
