-- The alerts at the as-of date (dbt var as_of_date, default today), one row each; every
-- alert has an amount above its threshold (none for invoice_past_due), base currency.
--   customer_over_limit: a customer's overdue receivables (open sales invoices and credit
--     notes past their due date, mart_receivables_ageing) above its overdue limit:
--     the 'overdue_limit' alert setting for the customer, else the division's default
--     (the setting without a relation); no setting, no alert. amount = overdue total,
--     threshold = the limit, days_overdue = the oldest overdue item's.
--   invoice_past_due: every open sales invoice (open amount > 0) past its due date;
--     amount = open amount, threshold null.
--   budget_overrun: per approved budget version and P&L account, the year-to-date
--     unfavourable variance (more cost or less revenue than budgeted; periods of the
--     version's year starting on or before the as-of date, all cost centres) above the
--     division's 'budget_overrun_pct' setting x |year-to-date budget| / 100; amount = the
--     overrun, threshold = the overrun allowed. A zero budget or no setting: no alert.
with

ageing as (

    select * from {{ ref('mart_receivables_ageing') }}

),

relations as (

    select * from {{ ref('dim_relations') }}

),

divisions as (

    select * from {{ ref('dim_divisions') }}

),

settings as (

    select * from {{ ref('stg_erp__alert_settings') }}

),

budget_vs_actual as (

    select * from {{ ref('mart_budget_vs_actual') }}

),

periods as (

    select * from {{ ref('dim_periods') }}

),

overdue_by_customer as (

    select
        division_id,
        relation_id,
        sum(open_amount_base) as overdue_amount,
        max(days_overdue) as days_overdue
    from ageing
    where days_overdue > 0
    group by division_id, relation_id

),

customer_limits as (

    select
        overdue_by_customer.*,
        coalesce(specific.setting_value, division_default.setting_value) as overdue_limit,
        case when specific.setting_value is not null then 'customer limit' else 'division default' end
            as limit_source
    from overdue_by_customer
    left join settings as specific
        on specific.kind = 'overdue_limit'
        and specific.division_id = overdue_by_customer.division_id
        and specific.relation_id = overdue_by_customer.relation_id
    left join settings as division_default
        on division_default.kind = 'overdue_limit'
        and division_default.division_id = overdue_by_customer.division_id
        and division_default.relation_id is null

),

customer_alerts as (

    select
        customer_limits.division_id,
        'customer_over_limit' as alert_kind,
        customer_limits.relation_id,
        cast(null as bigint) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as document_number,
        cast(null as bigint) as version_id,
        cast(null as {{ dbt.type_string() }}) as account_code,
        customer_limits.overdue_amount as amount,
        customer_limits.overdue_limit as threshold,
        customer_limits.days_overdue,
        'Customer ' || relations.relation_code || ' ' || relations.relation_name
            || ': ' || cast(cast(customer_limits.overdue_amount as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' overdue, above the limit of '
            || cast(cast(customer_limits.overdue_limit as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' (' || customer_limits.limit_source || ')' as message
    from customer_limits
    inner join relations
        on customer_limits.relation_id = relations.relation_id
    where customer_limits.overdue_amount > customer_limits.overdue_limit

),

invoice_alerts as (

    select
        ageing.division_id,
        'invoice_past_due' as alert_kind,
        ageing.relation_id,
        ageing.invoice_id,
        ageing.document_number,
        cast(null as bigint) as version_id,
        cast(null as {{ dbt.type_string() }}) as account_code,
        ageing.open_amount_base as amount,
        {{ money('null') }} as threshold,
        ageing.days_overdue,
        'Invoice ' || coalesce(ageing.document_number, cast(ageing.invoice_id as {{ dbt.type_string() }}))
            || ' of ' || relations.relation_code || ' ' || relations.relation_name || ': '
            || cast(cast(ageing.open_amount_base as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' open, ' || cast(ageing.days_overdue as {{ dbt.type_string() }})
            || ' days past the due date ' || cast(ageing.due_date as {{ dbt.type_string() }})
            as message
    from ageing
    inner join relations
        on ageing.relation_id = relations.relation_id
    where ageing.days_overdue > 0
        and ageing.open_amount_base > 0

),

year_to_date as (

    select
        budget_vs_actual.division_id,
        budget_vs_actual.version_id,
        budget_vs_actual.version_name,
        budget_vs_actual.account_code,
        budget_vs_actual.account_name,
        sum(budget_vs_actual.budget) as budget,
        sum(budget_vs_actual.actual) as actual
    from budget_vs_actual
    inner join periods
        on periods.division_id = budget_vs_actual.division_id
        and periods.fiscal_year = budget_vs_actual.fiscal_year
        and periods.period_number = budget_vs_actual.period_number
    where budget_vs_actual.status = 'approved'
        and periods.period_start <= {{ as_of_date() }}
    group by
        budget_vs_actual.division_id,
        budget_vs_actual.version_id,
        budget_vs_actual.version_name,
        budget_vs_actual.account_code,
        budget_vs_actual.account_name

),

overruns as (

    select
        year_to_date.*,
        settings.setting_value as overrun_pct,
        -- P&L sign: an unfavourable variance is negative, so the overrun is budget - actual.
        year_to_date.budget - year_to_date.actual as overrun,
        {{ divide('abs(year_to_date.budget) * settings.setting_value', '100') }} as allowed_overrun
    from year_to_date
    inner join settings
        on settings.kind = 'budget_overrun_pct'
        and settings.division_id = year_to_date.division_id
        and settings.relation_id is null
    where year_to_date.budget <> 0

),

budget_alerts as (

    select
        division_id,
        'budget_overrun' as alert_kind,
        cast(null as bigint) as relation_id,
        cast(null as bigint) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as document_number,
        version_id,
        account_code,
        overrun as amount,
        allowed_overrun as threshold,
        cast(null as integer) as days_overdue,
        'Account ' || account_code || ' ' || account_name || ' in budget ' || version_name
            || ': year-to-date actual '
            || cast(cast(actual as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' against budget ' || cast(cast(budget as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' (P&L sign), overrun '
            || cast(cast(overrun as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' above the ' || cast(cast(overrun_pct as decimal(19, 2)) as {{ dbt.type_string() }})
            || ' % allowed' as message
    from overruns
    where overrun > allowed_overrun

),

unioned as (

    select * from customer_alerts
    union all
    select * from invoice_alerts
    union all
    select * from budget_alerts

),

final as (

    select
        unioned.division_id,
        divisions.division_code,
        unioned.alert_kind,
        unioned.relation_id,
        relations.relation_code,
        unioned.invoice_id,
        unioned.document_number,
        unioned.version_id,
        unioned.account_code,
        {{ money('unioned.amount') }} as amount,
        {{ money('unioned.threshold') }} as threshold,
        unioned.days_overdue,
        unioned.message
    from unioned
    inner join divisions
        on unioned.division_id = divisions.division_id
    left join relations
        on unioned.relation_id = relations.relation_id

)

select * from final
