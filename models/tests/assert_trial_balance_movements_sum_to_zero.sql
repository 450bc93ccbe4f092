-- Every division's books balance in every period: the trial balance's debits equal its
-- credits. Returns the (division, period) pairs that do not. Blocking: the quick refresh
-- runs it before it publishes (the full refresh runs every test).
{{ config(tags=['blocking']) }}
select
    division_id,
    fiscal_year,
    period_number,
    sum(debit) as total_debit,
    sum(credit) as total_credit
from {{ ref('mart_trial_balance') }}
group by division_id, fiscal_year, period_number
having sum(debit) <> sum(credit)
