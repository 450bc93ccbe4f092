-- Work in progress against the ledger, per division and period end (docs/manufacturing.md,
-- section 3: the sum of production_transaction.value per division equals the balance of
-- its WIP account at any date). For every period of dim_periods started by the as_of_date
-- var (the current, unfinished one taken at the as_of_date, its valuation_date), of the
-- divisions with production transactions or postings on a work_in_progress account: the
-- cumulative value of the production transactions dated through the valuation date, the
-- cumulative balance of the accounts with posting role work_in_progress, and their
-- difference, which must be 0: the test wip_matches_ledger (tagged blocking) stops the
-- refresh naming division and period otherwise. open_orders: orders holding WIP then.
with

periods as (

    {{ valuation_periods() }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

order_days as (

    select
        division_id,
        production_order_id,
        transaction_date,
        sum(value_base) as value_base
    from {{ ref('stg_erp__production_transactions') }}
    group by division_id, production_order_id, transaction_date

),

wip_accounts as (

    select account_id from {{ ref('dim_accounts') }}
    where posting_role = 'work_in_progress'

),

ledger_days as (

    {{ ledger_days('wip_accounts') }}

),

manufacturing_divisions as (

    select division_id from order_days
    union
    select division_id from ledger_days

),

order_positions as (

    {{ cumulative_at_period_ends(
        'order_days', 'transaction_date', 'value_base', 'wip_base', by='production_order_id'
    ) }}

),

wip_values as (

    select
        period_id,
        sum(wip_base) as wip_transactions_base,
        sum(case when wip_base <> 0 then 1 else 0 end) as open_orders
    from order_positions
    group by period_id

),

ledger_values as (

    {{ cumulative_at_period_ends('ledger_days', 'entry_date', 'amount_base', 'wip_ledger_base') }}

),

final as (

    select
        periods.division_id,
        divisions.division_code,
        cast(periods.fiscal_year as integer) as year,
        cast(periods.period_number as integer) as period,
        periods.period_end,
        periods.valuation_date,
        cast(coalesce(wip_values.open_orders, 0) as bigint) as open_orders,
        {{ money('coalesce(wip_values.wip_transactions_base, 0)') }} as wip_transactions_base,
        {{ money('coalesce(ledger_values.wip_ledger_base, 0)') }} as wip_ledger_base,
        {{ money(
            'coalesce(wip_values.wip_transactions_base, 0)
            - coalesce(ledger_values.wip_ledger_base, 0)'
        ) }} as difference_base
    from periods
    inner join manufacturing_divisions
        on periods.division_id = manufacturing_divisions.division_id
    inner join divisions
        on periods.division_id = divisions.division_id
    left join wip_values
        on periods.period_id = wip_values.period_id
    left join ledger_values
        on periods.period_id = ledger_values.period_id

)

select * from final
