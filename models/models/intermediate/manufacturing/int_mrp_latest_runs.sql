-- The latest MRP run of each division (the last run_at; of two at the same moment, the
-- later id): the run the MRP marts show.
with

runs as (

    select
        *,
        row_number() over (
            partition by division_id order by run_at desc, mrp_run_id desc
        ) as run_order
    from {{ ref('stg_erp__mrp_runs') }}

),

final as (

    select
        mrp_run_id,
        division_id,
        start_date,
        bucket,
        buckets,
        run_at
    from runs
    where run_order = 1

)

select * from final
