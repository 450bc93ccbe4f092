{{ config(materialized='table') }}
-- A division's ledger per group level, group account and month, in its own currency and
-- translated into the level currency at the granularity the rules round at
-- (docs/consolidation.md, "Translation of a division"):
-- - lines on or before the acquisition date (pre-acquisition; none for the level's own
--   division) are kept apart, in the division's currency: they are translated at the
--   acquisition-date rate as one amount per account (int_consolidation_translation);
-- - later lines: the month's movement x the month's average rate, rounded per account and
--   month (average accounts), and each day's movement x the day's rate, rounded per
--   account and day, summed over the month (historical accounts).
-- Closing accounts need only the local amounts (balance x closing rate at each period end).
with

scope as (

    select * from {{ ref('int_consolidation_scope') }}

),

ledger_days as (

    select * from {{ ref('int_consolidation_ledger_days') }}

),

period_ends as (

    select * from {{ ref('int_consolidation_period_ends') }}

),

rates as (

    select * from {{ ref('int_consolidation_rates') }}

),

monthly_rates as (

    select * from {{ ref('int_consolidation_rates_monthly') }}

),

members as (

    -- each division of a level, once per acquisition date it has had in the level
    select distinct
        group_division_id,
        division_id,
        acquisition_date,
        group_currency,
        currency_code
    from scope

),

days as (

    -- the day's movement per group account, all counterparties together
    select
        division_id,
        group_account_id,
        entry_date,
        sum(amount_local) as amount_local
    from ledger_days
    group by division_id, group_account_id, entry_date

),

member_days as (

    select
        members.group_division_id,
        members.division_id,
        members.acquisition_date,
        members.group_currency,
        members.currency_code,
        days.group_account_id,
        days.entry_date,
        days.amount_local,
        coalesce(days.entry_date <= members.acquisition_date, false) as is_pre_acquisition,
        period_ends.period_end,
        case
            when members.currency_code = members.group_currency then {{ rate('1') }}
            else rates.rate
        end as day_rate
    from members
    inner join days
        on members.division_id = days.division_id
    inner join period_ends
        on days.entry_date >= period_ends.period_start
        and days.entry_date <= period_ends.period_end
    left join rates
        on rates.group_currency = members.group_currency
        and rates.currency_code = members.currency_code
        and rates.date_day = days.entry_date

),

months as (

    select
        group_division_id,
        division_id,
        acquisition_date,
        group_currency,
        currency_code,
        group_account_id,
        period_end,
        sum(amount_local) as amount_local,
        sum(case when is_pre_acquisition then amount_local else 0 end) as amount_local_pre,
        sum(case when is_pre_acquisition then 0 else amount_local end) as amount_local_post,
        sum(
            case when is_pre_acquisition then 0 else {{ money('amount_local * day_rate') }} end
        ) as amount_group_daily_post,
        -- a needed rate that is missing makes the month's amount null, not smaller
        max(case when not is_pre_acquisition and day_rate is null then 1 else 0 end)
            as has_missing_rate
    from member_days
    group by
        group_division_id,
        division_id,
        acquisition_date,
        group_currency,
        currency_code,
        group_account_id,
        period_end

),

final as (

    select
        months.group_division_id,
        months.division_id,
        months.acquisition_date,
        months.group_account_id,
        months.period_end,
        {{ money('months.amount_local') }} as amount_local,
        {{ money('months.amount_local_pre') }} as amount_local_pre,
        {{ money('months.amount_local_post') }} as amount_local_post,
        case
            when months.currency_code = months.group_currency or months.amount_local_post = 0
                then {{ money('months.amount_local_post') }}
            else {{ money('months.amount_local_post * monthly_rates.average_rate') }}
        end as amount_group_average_post,
        case
            when months.has_missing_rate = 0 then {{ money('months.amount_group_daily_post') }}
        end as amount_group_historical_post
    from months
    left join monthly_rates
        on monthly_rates.group_currency = months.group_currency
        and monthly_rates.currency_code = months.currency_code
        and monthly_rates.period_end = months.period_end

)

select * from final
