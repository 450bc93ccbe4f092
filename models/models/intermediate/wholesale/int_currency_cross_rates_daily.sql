-- Every pair of currencies on every day of dim_dates: units of to_currency per unit of
-- from_currency, through the reference currency of the rate table (the rates that apply
-- that day, as in int_exchange_rates_daily). Used to put order amounts in the division's
-- base currency.
with

rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

final as (

    select
        from_rates.date_day,
        from_rates.currency_code as from_currency_code,
        to_rates.currency_code as to_currency_code,
        case
            when from_rates.currency_code = to_rates.currency_code
                then {{ rate('1') }}
            else {{ rate(divide('from_rates.rate_to_reference', 'to_rates.rate_to_reference')) }}
        end as rate
    from rates as from_rates
    inner join rates as to_rates
        on from_rates.date_day = to_rates.date_day

)

select * from final
