-- Profit and loss per division, period and account in natural sign: revenue and income
-- positive, costs negative, so the net result is sum(amount). amount_group translates
-- each line at the rate of its entry date.
with

gl_lines as (

    select * from {{ ref('fct_gl_lines') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

periods as (

    select * from {{ ref('dim_periods') }}

),

aggregated as (

    select
        gl_lines.division_id,
        gl_lines.period_id,
        gl_lines.account_id,
        sum(gl_lines.amount_base) as amount_base,
        sum(gl_lines.amount_group) as amount_group
    from gl_lines
    inner join accounts
        on gl_lines.account_id = accounts.account_id
    where accounts.account_type = 'profit_loss'
    group by gl_lines.division_id, gl_lines.period_id, gl_lines.account_id

),

final as (

    select
        aggregated.division_id,
        periods.fiscal_year,
        periods.period_number,
        cast({{ dbt.date_trunc('month', 'periods.period_start') }} as date) as month_start,
        aggregated.account_id,
        accounts.account_code,
        accounts.account_name,
        accounts.pl_section,
        accounts.reporting_category,
        {{ money('-aggregated.amount_base') }} as amount,
        {{ money('-aggregated.amount_group') }} as amount_group
    from aggregated
    inner join accounts
        on aggregated.account_id = accounts.account_id
    inner join periods
        on aggregated.period_id = periods.period_id

)

select * from final
