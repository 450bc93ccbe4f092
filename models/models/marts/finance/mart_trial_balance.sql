-- Trial balance per division, fiscal year, period and account (debit positive).
-- Balance-sheet accounts carry their balance since the first posting; profit-and-loss
-- accounts start every fiscal year at zero. Accounts without balance or movement in a
-- period are left out.
with

balances as (

    select * from {{ ref('fct_account_balances') }}

),

final as (

    select
        division_id,
        fiscal_year,
        period_number,
        account_id,
        account_code,
        account_name,
        account_type,
        opening_balance,
        debit,
        credit,
        closing_balance
    from balances
    where opening_balance <> 0 or debit <> 0 or credit <> 0

)

select * from final
