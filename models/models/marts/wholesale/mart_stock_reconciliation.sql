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

    select
        *,
        least(period_end, {{ as_of_date() }}) as valuation_date
    from {{ ref('dim_periods') }}
    where period_start <= {{ as_of_date() }}

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

    select
        gl_lines.division_id,
        gl_lines.entry_date,
        sum(gl_lines.amount_base) as amount_base
    from {{ ref('fct_gl_lines') }} as gl_lines
    inner join inventory_accounts
        on gl_lines.account_id = inventory_accounts.account_id
    group by gl_lines.division_id, gl_lines.entry_date

),

stock_values as (

    select
        periods.period_id,
        sum(movement_days.value_base) as stock_valuation_base
    from periods
    inner join movement_days
        on periods.division_id = movement_days.division_id
        and movement_days.movement_date <= periods.valuation_date
    group by periods.period_id

),

ledger_values as (

    select
        periods.period_id,
        sum(ledger_days.amount_base) as ledger_stock_base
    from periods
    inner join ledger_days
        on periods.division_id = ledger_days.division_id
        and ledger_days.entry_date <= periods.valuation_date
    group by periods.period_id

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
