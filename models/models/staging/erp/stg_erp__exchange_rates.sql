-- Daily exchange rates: units of the reference (group) currency per unit of the currency; the latest rate on or before a date applies.
with

source as (

    select * from {{ source('erp', 'exchange_rate') }}

),

renamed as (

    select
        id as exchange_rate_id,
        currency_code,
        cast(rate_date as date) as rate_date,
        cast(rate as decimal(19, 8)) as rate

    from source

)

select * from renamed
