{{ config(materialized='table') }}
-- Every currency on every day of the calendar, with the rate that applies that day:
-- the latest rate on or before the day (before a currency's first rate: its first rate).
-- rate_to_group translates one unit of the currency into the group currency (the top
-- division's): both legs go through the reference currency of the rate table.
with

currencies as (

    select currency_code from {{ ref('stg_erp__currencies') }}

),

dates as (

    select date_day from {{ ref('int_calendar_days') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

rates as (

    select
        currency_code,
        rate_date,
        rate,
        lead(rate_date) over (partition by currency_code order by rate_date) as next_rate_date,
        row_number() over (partition by currency_code order by rate_date) as rate_order
    from {{ ref('stg_erp__exchange_rates') }}

),

first_rates as (

    select currency_code, rate_date, rate
    from rates
    where rate_order = 1

),

reference_rates as (

    select
        currencies.currency_code,
        dates.date_day,
        -- No rate rows at all: the reference currency itself, worth 1 by definition.
        coalesce(rates.rate, first_rates.rate, cast(1 as decimal(19, 8))) as rate_to_reference
    from currencies
    cross join dates
    left join rates
        on rates.currency_code = currencies.currency_code
        and dates.date_day >= rates.rate_date
        and (rates.next_rate_date is null or dates.date_day < rates.next_rate_date)
    left join first_rates
        on first_rates.currency_code = currencies.currency_code
        and dates.date_day < first_rates.rate_date

),

group_currency as (

    select currency_code
    from divisions
    where division_id = (
        select min(division_id) from divisions where parent_division_id is null
    )

),

final as (

    select
        reference_rates.currency_code,
        reference_rates.date_day,
        reference_rates.rate_to_reference,
        {{ rate(divide('reference_rates.rate_to_reference', 'group_rates.rate_to_reference')) }}
            as rate_to_group
    from reference_rates
    cross join group_currency
    inner join reference_rates as group_rates
        on group_rates.currency_code = group_currency.currency_code
        and group_rates.date_day = reference_rates.date_day

)

select * from final
