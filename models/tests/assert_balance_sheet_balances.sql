-- Total assets equal total equity and liabilities per division and period end. Blocking:
-- the quick refresh runs it before it publishes (the full refresh runs every test).
{{ config(tags=['blocking']) }}
select
    division_id,
    fiscal_year,
    period_number,
    sum(case when side = 'assets' then amount else 0 end) as total_assets,
    sum(case when side = 'equity_and_liabilities' then amount else 0 end)
        as total_equity_and_liabilities
from {{ ref('mart_balance_sheet') }}
group by division_id, fiscal_year, period_number
having sum(case when side = 'assets' then amount else 0 end)
    <> sum(case when side = 'equity_and_liabilities' then amount else 0 end)
