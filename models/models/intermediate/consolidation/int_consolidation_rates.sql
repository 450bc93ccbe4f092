{{ config(materialized='table') }}
-- The exchange rates the consolidation needs: units of the level currency per unit of a
-- division's currency, every calendar day of every month the division is in a level with
-- another currency (average and historical rates), and on each acquisition date (the
-- subsidiary's and its parent's currency). rate(c, d) = rate_to_reference(c, latest rate
-- on or before d) / rate_to_reference(level currency, same), rounded to 8 decimals;
-- 1 in the level currency (docs/consolidation.md, "Rates").
-- A currency with no rate at all is the rate table's reference currency (worth 1); a
-- currency whose first rate comes after the day has no rate: rate is null, and the test
-- on this model stops the refresh naming the currency and the day.
with

scope as (

    select * from {{ ref('int_consolidation_scope') }}

),

period_ends as (

    select * from {{ ref('int_consolidation_period_ends') }}

),

exchange_rates as (

    select * from {{ ref('stg_erp__exchange_rates') }}

),

days as (

    select
        {{ add_days('numbers.generated_number - 1', 'bounds.first_day') }} as date_day
    from (
        select min(period_start) as first_day, max(period_end) as last_day
        from period_ends
    ) as bounds
    cross join {{ day_numbers(36600) }} as numbers
    where numbers.generated_number - 1 <= {{ days_between('bounds.first_day', 'bounds.last_day') }}

),

needed as (

    -- every day of the months a division is in a level with another currency
    select distinct
        scope.group_currency,
        scope.currency_code,
        days.date_day
    from scope
    inner join period_ends
        on scope.period_end = period_ends.period_end
    inner join days
        on days.date_day >= period_ends.period_start
        and days.date_day <= period_ends.period_end
    where scope.currency_code <> scope.group_currency

    union

    -- the acquisition rate of the subsidiary's currency (pre-acquisition amounts)
    select
        group_currency,
        currency_code,
        acquisition_date as date_day
    from scope
    where not is_level_parent

    union

    -- and of its parent's (the investment's cost)
    select
        group_currency,
        parent_currency as currency_code,
        acquisition_date as date_day
    from scope
    where not is_level_parent

),

rate_periods as (

    select
        currency_code,
        rate_date,
        rate,
        lead(rate_date) over (partition by currency_code order by rate_date) as next_rate_date
    from exchange_rates

),

rated_currencies as (

    select distinct currency_code from exchange_rates

),

to_reference as (

    -- each needed currency (both sides) on each needed day
    select
        currencies.currency_code,
        currencies.date_day,
        case
            when rated_currencies.currency_code is null then cast(1 as decimal(19, 8))
            else rate_periods.rate
        end as rate_to_reference
    from (
        select currency_code, date_day from needed
        union
        select group_currency as currency_code, date_day from needed
    ) as currencies
    left join rated_currencies
        on currencies.currency_code = rated_currencies.currency_code
    left join rate_periods
        on rate_periods.currency_code = currencies.currency_code
        and currencies.date_day >= rate_periods.rate_date
        and (rate_periods.next_rate_date is null or currencies.date_day < rate_periods.next_rate_date)

),

final as (

    select
        needed.group_currency,
        needed.currency_code,
        needed.date_day,
        case
            when needed.currency_code = needed.group_currency then {{ rate('1') }}
            else {{ rate(divide('currency_rates.rate_to_reference', 'group_rates.rate_to_reference')) }}
        end as rate,
        case
            when needed.currency_code = needed.group_currency then null
            when currency_rates.rate_to_reference is null then needed.currency_code
            when group_rates.rate_to_reference is null then needed.group_currency
        end as missing_currency_code
    from needed
    left join to_reference as currency_rates
        on needed.currency_code = currency_rates.currency_code
        and needed.date_day = currency_rates.date_day
    left join to_reference as group_rates
        on needed.group_currency = group_rates.currency_code
        and needed.date_day = group_rates.date_day

)

select * from final
