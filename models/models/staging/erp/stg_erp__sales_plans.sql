-- Expected sales of an item from period_start for period_days days; MRP counts the part sales orders do not cover.
with

source as (

    select * from {{ source('erp', 'sales_plan') }}

),

renamed as (

    select
        id as sales_plan_id,
        division_id,
        item_id,
        cast(period_start as date) as period_start,
        period_days,
        cast(quantity as decimal(19, 8)) as quantity

    from source

)

select * from renamed
