-- Stock valuation against the ledger, per division and period end (every period of
-- dim_periods that has started by the as_of_date var; the current, unfinished period is
-- taken at the as_of_date, its valuation_date): the cumulative value of all stock
-- movements dated through the period end, and the cumulative balance of the inventory
-- accounts (reporting_category 'inventory') from entries dated through the period end.
-- Every stock movement posts its value to inventory, so difference_base should be zero;
-- a blocking dagster check (orchestration/checks.py) fails the refresh when it is not.
-- stock_valuation_group translates the valuation at the rate of the period end, as the
-- balance sheet translates balances (mart_balance_sheet, period_end_rate_to_group).
with

periods as (

    {{ valuation_periods() }}

),

divisions as (

    select * from {{ ref('dim_divisions') }}

),

rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

movement_days as (

    select
        division_id,
        movement_date,
        sum(value_base) as value_base
    from {{ ref('fct_stock_movements') }}
    group by division_id, movement_date

),

inventory_accounts as (

    select account_id from {{ ref('dim_accounts') }}
    where reporting_category = 'inventory'

),

ledger_days as (

    {{ ledger_days('inventory_accounts') }}

),

stock_values as (

    {{ cumulative_at_period_ends(
        'movement_days', 'movement_date', 'value_base', 'stock_valuation_base'
    ) }}

),

ledger_values as (

    {{ cumulative_at_period_ends('ledger_days', 'entry_date', 'amount_base', 'ledger_stock_base') }}

),

final as (

    select
        periods.division_id,
        divisions.division_code,
        cast(periods.fiscal_year as integer) as year,
        cast(periods.period_number as integer) as period,
        periods.period_end,
        periods.valuation_date,
        {{ money('coalesce(stock_values.stock_valuation_base, 0)') }} as stock_valuation_base,
        {{ money('coalesce(ledger_values.ledger_stock_base, 0)') }} as ledger_stock_base,
        {{ money(
            'coalesce(stock_values.stock_valuation_base, 0)
            - coalesce(ledger_values.ledger_stock_base, 0)'
        ) }} as difference_base,
        {{ money(
            'coalesce(stock_values.stock_valuation_base, 0)
            * period_end_rates.rate_to_group'
        ) }} as stock_valuation_group
    from periods
    inner join divisions
        on periods.division_id = divisions.division_id
    left join stock_values
        on periods.period_id = stock_values.period_id
    left join ledger_values
        on periods.period_id = ledger_values.period_id
    left join rates as period_end_rates
        on divisions.currency_code = period_end_rates.currency_code
        and periods.valuation_date = period_end_rates.date_day

)

select * from final
