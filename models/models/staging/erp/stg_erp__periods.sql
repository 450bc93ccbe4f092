-- Accounting periods (months) of a fiscal year.
with

source as (

    select * from {{ source('erp', 'period') }}

),

renamed as (

    select
        id as period_id,
        fiscal_year_id,
        division_id,
        source.number as period_number,
        cast(start_date as date) as period_start,
        cast(end_date as date) as period_end,
        source.status as period_status

    from source

)

select * from renamed
