-- A 13-week cash-flow forecast per division from the as-of date (dbt var as_of_date,
-- default today), in base currency, cash sign (receipts positive, payments negative).
-- Week 1 is the Monday-to-Sunday week holding the as-of date, weeks 2..13 follow.
--   opening_cash (week 1): the real cash position at the as-of date = the balance of the
--     accounts with reporting category 'cash' from every posting dated on or before it
--     (mart_cash_position at a period end, when the as-of date is one).
--   receipts_open_items / payments_open_items: the open sales / purchase invoices at the
--     as-of date (int_invoices_open; credit notes negative) on their due date shifted by
--     the relation's historical average payment delay (int_relation_payment_delays; 0
--     without history). Items expected on or before the as-of date (overdue) land in
--     week 1; items expected after week 13 are left out.
--   recurring_costs: the average monthly cost (debit) of the last 3 full calendar months
--     (months ending on or before the as-of date) on accounts of reporting category
--     'wages' (wages and social charges) and 'housing' (rent), x 12 / 52 per week.
--   budget_flows: the approved 'normal' budget version of the fiscal year, for periods
--     starting after the as-of date only (the running and earlier periods are invoiced,
--     so the open items cover them), net of every account except the categories already
--     forecast as recurring costs and depreciation (no cash); each period's net amount is
--     spread evenly over its days, a week takes its days' share. Negated ledger sign:
--     budgeted revenue in, budgeted costs out.
--   net_flow = the four flows; closing_cash = opening_cash + net_flow; the next week's
--   opening_cash is this week's closing_cash.
with

divisions as (

    select * from {{ ref('dim_divisions') }}

),

gl_lines as (

    select * from {{ ref('fct_gl_lines') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

open_items as (

    select * from {{ ref('int_invoices_open') }}

),

delays as (

    select * from {{ ref('int_relation_payment_delays') }}

),

versions as (

    select * from {{ ref('stg_erp__budget_versions') }}

),

budget_lines as (

    select * from {{ ref('stg_erp__budget_lines') }}

),

periods as (

    select * from {{ ref('dim_periods') }}

),

horizon as (

    select
        {{ as_of_date() }} as as_of_date,
        cast({{ dbt.date_trunc('week', as_of_date()) }} as date) as first_week_start

),

weeks as (

    select
        numbers.generated_number as week_number,
        {{ add_days('7 * (numbers.generated_number - 1)', 'horizon.first_week_start') }}
            as week_start
    from {{ day_numbers(13) }} as numbers
    cross join horizon

),

days as (

    select
        weeks.week_number,
        {{ add_days('weekdays.generated_number - 1', 'weeks.week_start') }} as date_day
    from weeks
    cross join {{ day_numbers(7) }} as weekdays

),

opening as (

    select
        gl_lines.division_id,
        sum(gl_lines.amount_base) as opening_cash
    from gl_lines
    inner join accounts
        on gl_lines.account_id = accounts.account_id
    cross join horizon
    where accounts.reporting_category = 'cash'
        and gl_lines.entry_date <= horizon.as_of_date
    group by gl_lines.division_id

),

expected_items as (

    select
        open_items.division_id,
        open_items.invoice_type,
        open_items.open_amount_base,
        {{ add_days('coalesce(delays.avg_delay_days, 0)', 'open_items.due_date') }}
            as expected_date
    from open_items
    left join delays
        on open_items.relation_id = delays.relation_id

),

placed_items as (

    select
        expected_items.division_id,
        expected_items.invoice_type,
        expected_items.open_amount_base,
        case
            when expected_items.expected_date <= horizon.as_of_date then 1
            else cast(
                floor({{ divide(days_between('horizon.first_week_start', 'expected_items.expected_date'), '7') }})
                as integer
            ) + 1
        end as week_number
    from expected_items
    cross join horizon

),

item_flows as (

    select
        division_id,
        week_number,
        sum(case when invoice_type = 'sales' then open_amount_base else 0 end)
            as receipts_open_items,
        -sum(case when invoice_type = 'purchase' then open_amount_base else 0 end)
            as payments_open_items
    from placed_items
    where week_number <= 13
    group by division_id, week_number

),

recurring_months as (

    -- The last 3 full calendar months: the 3 months before the first day after the
    -- last full month (the as-of month itself counts when the as-of date is its last day).
    select
        cast({{ dbt.dateadd('month', -3, dbt.date_trunc('month', add_days(1, 'as_of_date'))) }} as date)
            as first_day,
        cast({{ dbt.date_trunc('month', add_days(1, 'as_of_date')) }} as date) as end_day
    from horizon

),

recurring as (

    select
        gl_lines.division_id,
        {{ divide('sum(gl_lines.amount_base)', '3') }} as monthly_cost
    from gl_lines
    inner join accounts
        on gl_lines.account_id = accounts.account_id
    cross join recurring_months
    where accounts.reporting_category in ('wages', 'housing')
        and gl_lines.entry_date >= recurring_months.first_day
        and gl_lines.entry_date < recurring_months.end_day
    group by gl_lines.division_id

),

budget_periods as (

    select
        budget_lines.division_id,
        periods.period_start,
        periods.period_end,
        -sum(budget_lines.amount) as net_budget
    from budget_lines
    inner join versions
        on budget_lines.budget_version_id = versions.budget_version_id
    inner join accounts
        on budget_lines.account_id = accounts.account_id
    inner join periods
        on periods.division_id = budget_lines.division_id
        and periods.fiscal_year = budget_lines.fiscal_year
        and periods.period_number = budget_lines.period_number
    cross join horizon
    where versions.status = 'approved'
        and versions.scenario = 'normal'
        and accounts.reporting_category not in ('wages', 'housing', 'depreciation')
        and periods.period_start > horizon.as_of_date
    group by budget_lines.division_id, periods.period_start, periods.period_end

),

budget_flows as (

    select
        budget_periods.division_id,
        days.week_number,
        sum({{ exact_term(divide(
            'budget_periods.net_budget',
            days_between('budget_periods.period_start', 'budget_periods.period_end') ~ ' + 1'
        )) }}) as budget_flows
    from budget_periods
    inner join days
        on days.date_day between budget_periods.period_start and budget_periods.period_end
    group by budget_periods.division_id, days.week_number

),

flows as (

    select
        divisions.division_id,
        divisions.division_code,
        weeks.week_start,
        weeks.week_number,
        coalesce(opening.opening_cash, 0) as first_opening_cash,
        {{ money('coalesce(item_flows.receipts_open_items, 0)') }} as receipts_open_items,
        {{ money('coalesce(item_flows.payments_open_items, 0)') }} as payments_open_items,
        {{ money(divide('-coalesce(recurring.monthly_cost, 0) * 12', '52')) }} as recurring_costs,
        {{ money('coalesce(budget_flows.budget_flows, 0)') }} as budget_flows
    from divisions
    cross join weeks
    left join opening
        on opening.division_id = divisions.division_id
    left join item_flows
        on item_flows.division_id = divisions.division_id
        and item_flows.week_number = weeks.week_number
    left join recurring
        on recurring.division_id = divisions.division_id
    left join budget_flows
        on budget_flows.division_id = divisions.division_id
        and budget_flows.week_number = weeks.week_number

),

netted as (

    select
        flows.*,
        receipts_open_items + payments_open_items + recurring_costs + budget_flows as net_flow
    from flows

),

chained as (

    select
        netted.*,
        first_opening_cash + sum(net_flow) over (
            partition by division_id
            order by week_number
            rows between unbounded preceding and current row
        ) as closing_cash
    from netted

),

final as (

    select
        division_id,
        division_code,
        week_start,
        week_number,
        {{ money('closing_cash - net_flow') }} as opening_cash,
        receipts_open_items,
        payments_open_items,
        recurring_costs,
        budget_flows,
        {{ money('net_flow') }} as net_flow,
        {{ money('closing_cash') }} as closing_cash
    from chained

)

select * from final
