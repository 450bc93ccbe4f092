-- The period-end running sum of open items equals the invoice-by-invoice ageing on the
-- last day of a period: the two marts reach the same figure by different routes.
-- Checked for the period containing the ageing date (as_of_date, default today).
with

ageing as (

    select division_id, 'receivable' as item_type, sum(open_amount_base) as amount
    from {{ ref('finance__receivables_ageing') }}
    group by division_id
    union all
    select division_id, 'payable' as item_type, sum(open_amount_base) as amount
    from {{ ref('finance__payables_ageing') }}
    group by division_id

),

periods as (

    select * from {{ ref('dim_periods') }}
    where period_end = {{ as_of_date() }}

),

by_period as (

    select open_items.division_id, open_items.item_type, open_items.open_amount_base as amount
    from {{ ref('finance__open_items_by_period') }} as open_items
    inner join periods
        on open_items.division_id = periods.division_id
        and open_items.fiscal_year = periods.fiscal_year
        and open_items.period_number = periods.period_number

)

select by_period.*, coalesce(ageing.amount, 0) as ageing_amount
from by_period
left join ageing
    on ageing.division_id = by_period.division_id
    and ageing.item_type = by_period.item_type
where by_period.amount <> coalesce(ageing.amount, 0)
