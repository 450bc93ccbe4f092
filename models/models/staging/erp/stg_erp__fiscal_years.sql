-- Fiscal years per division.
with

source as (

    select * from {{ source('erp', 'fiscal_year') }}

),

renamed as (

    select
        id as fiscal_year_id,
        division_id,
        source.year as fiscal_year,
        cast(start_date as date) as fiscal_year_start,
        cast(end_date as date) as fiscal_year_end,
        source.status as fiscal_year_status

    from source

)

select * from renamed
