-- In every column of the consolidated balance sheet (each division of the level, ELIM,
-- ADJ, GROUP) total assets equal total equity and liabilities, per level and month end.
select
    group_division_id,
    period_end,
    column_code,
    sum(case when side = 'assets' then amount else 0 end) as total_assets,
    sum(case when side = 'equity_and_liabilities' then amount else 0 end)
        as total_equity_and_liabilities
from {{ ref('mart_consolidated_balance_sheet') }}
group by group_division_id, period_end, column_code
having sum(case when side = 'assets' then amount else 0 end)
    <> sum(case when side = 'equity_and_liabilities' then amount else 0 end)
