-- Budget amounts per version, account, period and optional cost centre / cost unit /
-- employee code; base currency, signed like ledger lines (debit positive).
with

source as (

    select * from {{ source('erp', 'budget_line') }}

),

renamed as (

    select
        id as budget_line_id,
        version_id as budget_version_id,
        division_id,
        account_id,
        fiscal_year,
        period as period_number,
        cost_centre_id,
        cost_unit_id,
        employee_code,
        {{ money('amount') }} as amount

    from source

)

select * from renamed
