-- Cash and bank balances per division, period end and cash account; balance_group
-- translates at the rate of the period end.
with

balances as (

    select * from {{ ref('fct_account_balances') }}

),

final as (

    select
        division_id,
        fiscal_year,
        period_number,
        period_end,
        account_id,
        account_code,
        account_name,
        closing_balance as balance_base,
        {{ money('closing_balance * period_end_rate_to_group') }} as balance_group
    from balances
    where account_type = 'balance_sheet'
        and reporting_category = 'cash'

)

select * from final
