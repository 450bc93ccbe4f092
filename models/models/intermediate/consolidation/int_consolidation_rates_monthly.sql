-- Per month and pair of currencies: the closing rate (the rate of the month-end day) and
-- the average rate (the mean of the daily rates of every calendar day of the month,
-- rounded to 8 decimals). Null when a day's rate is missing (the rates' test names it).
with

rates as (

    select * from {{ ref('int_consolidation_rates') }}

),

period_ends as (

    select * from {{ ref('int_consolidation_period_ends') }}

),

monthly as (

    select
        rates.group_currency,
        rates.currency_code,
        period_ends.period_end,
        count(*) as days_rated,
        count(rates.rate) as days_with_rate,
        sum(rates.rate) as rate_sum,
        {{ days_between('period_ends.period_start', 'period_ends.period_end') }} + 1 as days_in_month,
        max(case when rates.date_day = period_ends.period_end then rates.rate end) as closing_rate
    from rates
    inner join period_ends
        on rates.date_day >= period_ends.period_start
        and rates.date_day <= period_ends.period_end
    group by rates.group_currency, rates.currency_code, period_ends.period_end, period_ends.period_start

),

final as (

    select
        group_currency,
        currency_code,
        period_end,
        {{ rate('closing_rate') }} as closing_rate,
        case
            when days_with_rate = days_in_month
                then {{ rate(divide('rate_sum', 'days_in_month')) }}
        end as average_rate
    from monthly

)

select * from final
