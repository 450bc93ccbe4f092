{{ config(materialized='table') }}
-- Intercompany lines per group level, pair of divisions, group account and month: the
-- lines of a division with a counterparty that is in the same level (full method), on
-- group accounts marked eliminate_intercompany or on the dividend_income account, in the
-- division's currency; and, for P&L accounts, the month's movement after both companies
-- joined the level at the month's average rate, rounded per account and month
-- (docs/consolidation.md, "Intercompany", "Dividends"). Earlier P&L lines are part of the
-- net assets at acquisition, eliminated against the investment.
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

monthly_rates as (

    select * from {{ ref('int_consolidation_rates_monthly') }}

),

group_accounts as (

    select * from {{ ref('stg_erp__group_accounts') }}

),

pairs as (

    select distinct
        sides.group_division_id,
        sides.division_id,
        sides.acquisition_date,
        counterparties.division_id as counterparty_division_id,
        counterparties.acquisition_date as counterparty_acquisition_date,
        sides.group_currency,
        sides.currency_code
    from scope as sides
    inner join scope as counterparties
        on sides.group_division_id = counterparties.group_division_id
        and sides.period_end = counterparties.period_end
        and sides.division_id <> counterparties.division_id
    where sides.method = 'full'
        and counterparties.method = 'full'

),

lines as (

    select ledger_days.*
    from ledger_days
    inner join group_accounts
        on ledger_days.group_account_id = group_accounts.group_account_id
    where ledger_days.counterparty_division_id is not null
        and (
            group_accounts.group_account_role = 'dividend_income'
            or (
                group_accounts.eliminate_intercompany
                and coalesce(group_accounts.group_account_role, '') <> 'dividends'
            )
        )

),

pair_days as (

    select
        pairs.group_division_id,
        pairs.division_id,
        pairs.acquisition_date,
        pairs.counterparty_division_id,
        pairs.counterparty_acquisition_date,
        pairs.group_currency,
        pairs.currency_code,
        lines.group_account_id,
        period_ends.period_end,
        lines.amount_local,
        (pairs.acquisition_date is null or lines.entry_date > pairs.acquisition_date)
        and (
            pairs.counterparty_acquisition_date is null
            or lines.entry_date > pairs.counterparty_acquisition_date
        ) as is_post_acquisition
    from pairs
    inner join lines
        on lines.division_id = pairs.division_id
        and lines.counterparty_division_id = pairs.counterparty_division_id
    inner join period_ends
        on lines.entry_date >= period_ends.period_start
        and lines.entry_date <= period_ends.period_end

),

months as (

    select
        group_division_id,
        division_id,
        acquisition_date,
        counterparty_division_id,
        counterparty_acquisition_date,
        group_currency,
        currency_code,
        group_account_id,
        period_end,
        sum(amount_local) as amount_local,
        sum(case when is_post_acquisition then amount_local else 0 end) as amount_local_post
    from pair_days
    group by
        group_division_id,
        division_id,
        acquisition_date,
        counterparty_division_id,
        counterparty_acquisition_date,
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
        months.counterparty_division_id,
        months.counterparty_acquisition_date,
        months.group_currency,
        months.currency_code,
        months.group_account_id,
        months.period_end,
        {{ money('months.amount_local') }} as amount_local,
        {{ money('months.amount_local_post') }} as amount_local_post,
        case
            when months.currency_code = months.group_currency or months.amount_local_post = 0
                then {{ money('months.amount_local_post') }}
            else {{ money('months.amount_local_post * monthly_rates.average_rate') }}
        end as amount_group_average_post
    from months
    left join monthly_rates
        on monthly_rates.group_currency = months.group_currency
        and monthly_rates.currency_code = months.currency_code
        and monthly_rates.period_end = months.period_end

)

select * from final
