-- Budget against actual per budget version, period, profit-and-loss account and cost
-- centre, in the P&L sign of mart_profit_and_loss: revenue and income positive, costs
-- negative (budget lines and ledger lines are debit positive; both are negated here).
-- So variance = actual - budget is positive when favourable (more revenue, less cost) and
-- negative when unfavourable; variance_pct = variance / |budget| x 100 (null when the
-- budget is 0).
--
-- Every version is compared (any status; the page filters), against the ledger of its
-- division and fiscal year (all posted lines). The cost-centre grain follows the budget:
--   * an account the version budgets without any cost centre is compared as a whole:
--     one row per period with cost_centre_code null = all cost centres;
--   * an account the version budgets per cost centre (any of its lines has one) is
--     compared per cost centre: a row per cost centre, and cost_centre_code null for the
--     budget and the actuals without a cost centre.
-- Profit-and-loss accounts with actuals but no budget in the version get rows with budget
-- 0; budget lines of balance-sheet accounts are left out. Cost units and employee codes
-- are summed away. So per version, period and account, the rows add up to the account's
-- budget and actual.
with

versions as (

    select * from {{ ref('stg_erp__budget_versions') }}

),

budget_lines as (

    select * from {{ ref('stg_erp__budget_lines') }}

),

gl_lines as (

    select * from {{ ref('fct_gl_lines') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

divisions as (

    select * from {{ ref('dim_divisions') }}

),

cost_centres as (

    select * from {{ ref('stg_erp__cost_centres') }}

),

budget_amounts as (

    select
        budget_lines.budget_version_id,
        budget_lines.period_number,
        budget_lines.account_id,
        cost_centres.cost_centre_code,
        budget_lines.amount
    from budget_lines
    inner join accounts
        on budget_lines.account_id = accounts.account_id
    left join cost_centres
        on budget_lines.cost_centre_id = cost_centres.cost_centre_id
    where accounts.account_type = 'profit_loss'

),

per_cost_centre as (

    -- The version x account pairs budgeted per cost centre.
    select distinct budget_version_id, account_id
    from budget_amounts
    where cost_centre_code is not null

),

actual_amounts as (

    select
        versions.budget_version_id,
        gl_lines.period_number,
        gl_lines.account_id,
        case
            when per_cost_centre.account_id is not null then gl_lines.cost_centre_code
        end as cost_centre_code,
        gl_lines.amount_base as amount
    from versions
    inner join gl_lines
        on gl_lines.division_id = versions.division_id
        and gl_lines.fiscal_year = versions.fiscal_year
    inner join accounts
        on gl_lines.account_id = accounts.account_id
    left join per_cost_centre
        on per_cost_centre.budget_version_id = versions.budget_version_id
        and per_cost_centre.account_id = gl_lines.account_id
    where accounts.account_type = 'profit_loss'

),

unioned as (

    select
        budget_version_id, period_number, account_id, cost_centre_code,
        amount as budget_debit, 0 as actual_debit
    from budget_amounts

    union all

    select
        budget_version_id, period_number, account_id, cost_centre_code,
        0 as budget_debit, amount as actual_debit
    from actual_amounts

),

compared as (

    select
        budget_version_id,
        period_number,
        account_id,
        cost_centre_code,
        -sum(budget_debit) as budget,
        -sum(actual_debit) as actual
    from unioned
    group by budget_version_id, period_number, account_id, cost_centre_code

),

final as (

    select
        versions.division_id,
        divisions.division_code,
        versions.budget_version_id as version_id,
        versions.version_name,
        versions.scenario,
        versions.status,
        versions.fiscal_year,
        compared.period_number,
        compared.account_id,
        accounts.account_code,
        accounts.account_name,
        accounts.pl_section,
        compared.cost_centre_code,
        {{ money('compared.budget') }} as budget,
        {{ money('compared.actual') }} as actual,
        {{ money('compared.actual - compared.budget') }} as variance,
        case
            when compared.budget <> 0
                then cast(
                    round({{ divide('100 * (compared.actual - compared.budget)', 'abs(compared.budget)') }}, 2)
                    as decimal(19, 2)
                )
        end as variance_pct
    from compared
    inner join versions
        on compared.budget_version_id = versions.budget_version_id
    inner join divisions
        on versions.division_id = divisions.division_id
    inner join accounts
        on compared.account_id = accounts.account_id

)

select * from final
