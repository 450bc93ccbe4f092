-- The chart of accounts with its report layout: P&L section or balance-sheet section.
with

accounts as (

    select * from {{ ref('stg_erp__accounts') }}

),

classified as (

    select
        account_id,
        account_code,
        account_name,
        account_type,
        account_class,
        reporting_category,
        posting_role,
        is_control,
        case account_class
            when 'revenue' then 'Revenue'
            when 'cost_of_sales' then 'Cost of sales'
            when 'expense' then 'Operating expenses'
            when 'other_income' then 'Other income and expense'
            when 'other_expense' then 'Other income and expense'
            when 'tax' then 'Income tax'
        end as pl_section,
        case
            when account_class = 'asset' and reporting_category = 'fixed_assets' then 'Fixed assets'
            when account_class = 'asset'
                and reporting_category in ('inventory', 'work_in_progress') then 'Inventory'
            when account_class = 'asset' and reporting_category = 'receivables' then 'Receivables'
            when account_class = 'asset' and reporting_category = 'cash' then 'Cash and bank'
            when account_class = 'asset' then 'Other current assets'
            when account_class = 'equity' then 'Equity'
            when account_class = 'liability' and reporting_category = 'loans'
                then 'Long-term liabilities'
            when account_class = 'liability' then 'Current liabilities'
        end as bs_section
    from accounts

),

final as (

    select
        account_id,
        account_code,
        account_name,
        account_type,
        account_class,
        reporting_category,
        posting_role,
        is_control,
        pl_section,
        bs_section,
        -- Report order: sections in statement order, accounts by code within a section.
        cast(case coalesce(bs_section, pl_section)
            when 'Fixed assets' then 1
            when 'Inventory' then 2
            when 'Receivables' then 3
            when 'Other current assets' then 4
            when 'Cash and bank' then 5
            when 'Equity' then 6
            when 'Long-term liabilities' then 7
            when 'Current liabilities' then 8
            when 'Revenue' then 11
            when 'Cost of sales' then 12
            when 'Operating expenses' then 13
            when 'Other income and expense' then 14
            when 'Income tax' then 15
            else 99
        end * 100000
        + row_number() over (order by account_code, account_id) as bigint) as sort_order
    from classified

)

select * from final
