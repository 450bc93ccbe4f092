-- Open and overdue receivables and payables at every period end (base currency, and
-- group currency at that date's rate): the running sum of int_open_item_events.
-- The items are taken on the period's as_of_date (int_period_as_of_dates): the period end,
-- capped at the last posting date, so a future period end does not make every open
-- invoice overdue. Overdue means due before that date. mart_ageing_by_period lists
-- the same items invoice by invoice (assert_open_items_by_period_match_ageing).
with

events as (

    select * from {{ ref('int_open_item_events') }}

),

periods as (

    select * from {{ ref('int_period_as_of_dates') }}

),

divisions as (

    select * from {{ ref('dim_divisions') }}

),

rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

item_types as (

    select 'receivable' as item_type
    union all
    select 'payable' as item_type

),

period_changes as (

    select
        periods.period_id,
        events.item_type,
        sum(events.open_change_base) as open_change_base,
        sum(events.overdue_change_base) as overdue_change_base
    from events
    inner join periods
        on periods.division_id = events.division_id
        and events.event_date between periods.period_start and periods.period_end
        -- Nothing after the books' reach: later periods carry the state on that date.
        and events.event_date <= periods.as_of_date
    group by periods.period_id, events.item_type

),

running as (

    select
        periods.division_id,
        periods.fiscal_year,
        periods.period_number,
        periods.period_end,
        periods.as_of_date,
        item_types.item_type,
        sum(coalesce(period_changes.open_change_base, 0)) over (
            partition by periods.division_id, item_types.item_type
            order by periods.period_start
            rows between unbounded preceding and current row
        ) as open_amount_base,
        sum(coalesce(period_changes.overdue_change_base, 0)) over (
            partition by periods.division_id, item_types.item_type
            order by periods.period_start
            rows between unbounded preceding and current row
        ) as overdue_amount_base
    from periods
    cross join item_types
    left join period_changes
        on period_changes.period_id = periods.period_id
        and period_changes.item_type = item_types.item_type

),

final as (

    select
        running.division_id,
        running.fiscal_year,
        running.period_number,
        running.period_end,
        running.as_of_date,
        running.item_type,
        {{ money('running.open_amount_base') }} as open_amount_base,
        {{ money('running.overdue_amount_base') }} as overdue_amount_base,
        {{ money('running.open_amount_base * rates.rate_to_group') }} as open_amount_group,
        {{ money('running.overdue_amount_base * rates.rate_to_group') }} as overdue_amount_group
    from running
    inner join divisions
        on running.division_id = divisions.division_id
    left join rates
        on rates.currency_code = divisions.currency_code
        and rates.date_day = running.as_of_date

)

select * from final
