-- The receivables and payables ageing at every period end: one row per period and
-- invoice still (partly) open on the period's as_of_date (int_period_as_of_dates: the
-- period end, capped at the last posting date), with days overdue and bucket on that
-- date and the group amount at that date's rate. The Finance page selects one period;
-- its overdue total is the KPI's (mart_open_items_by_period, checked by
-- assert_open_items_by_period_match_ageing).
with

invoices as (

    select * from {{ ref('stg_erp__invoices') }}

),

relations as (

    select * from {{ ref('stg_erp__relations') }}

),

allocations as (

    select * from {{ ref('stg_erp__payment_allocations') }}

),

payments as (

    select * from {{ ref('stg_erp__payments') }}

),

periods as (

    select * from {{ ref('int_period_as_of_dates') }}

),

divisions as (

    select division_id, currency_code from {{ ref('stg_erp__divisions') }}

),

rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

settlements as (

    select
        allocations.invoice_id,
        payments.payment_date,
        allocations.amount,
        allocations.amount_base
    from allocations
    inner join payments
        on allocations.payment_id = payments.payment_id

),

settled_in_full as (

    select
        settlements.invoice_id,
        max(settlements.payment_date) as last_payment_date,
        sum(settlements.amount) as amount,
        sum(settlements.amount_base) as amount_base
    from settlements
    group by settlements.invoice_id

),

invoice_spans as (

    -- An invoice is open from its date until the payment that settles it in full (never
    -- closed when something is still open): only those periods are joined to it.
    select
        invoices.*,
        case
            when invoices.amount_incl_vat = settled_in_full.amount
                and invoices.amount_base = settled_in_full.amount_base
                then settled_in_full.last_payment_date
        end as closed_on
    from invoices
    left join settled_in_full
        on invoices.invoice_id = settled_in_full.invoice_id

),

open_in_period as (

    select
        periods.division_id,
        periods.fiscal_year,
        periods.period_number,
        periods.period_end,
        periods.as_of_date,
        invoice_spans.invoice_id,
        invoice_spans.invoice_type,
        invoice_spans.relation_id,
        invoice_spans.document_number,
        invoice_spans.invoice_date,
        invoice_spans.due_date,
        invoice_spans.currency_code,
        invoice_spans.amount_incl_vat,
        invoice_spans.amount_base
    from invoice_spans
    inner join periods
        on invoice_spans.division_id = periods.division_id
        and invoice_spans.invoice_date <= periods.as_of_date
        and (invoice_spans.closed_on is null or invoice_spans.closed_on > periods.as_of_date)

),

balanced as (

    select
        open_in_period.division_id,
        open_in_period.fiscal_year,
        open_in_period.period_number,
        open_in_period.period_end,
        open_in_period.as_of_date,
        open_in_period.invoice_id,
        open_in_period.invoice_type,
        open_in_period.relation_id,
        open_in_period.document_number,
        open_in_period.invoice_date,
        open_in_period.due_date,
        open_in_period.currency_code,
        open_in_period.amount_incl_vat - coalesce(sum(settlements.amount), 0) as open_amount,
        open_in_period.amount_base - coalesce(sum(settlements.amount_base), 0)
            as open_amount_base
    from open_in_period
    left join settlements
        on open_in_period.invoice_id = settlements.invoice_id
        and settlements.payment_date <= open_in_period.as_of_date
    group by
        open_in_period.division_id,
        open_in_period.fiscal_year,
        open_in_period.period_number,
        open_in_period.period_end,
        open_in_period.as_of_date,
        open_in_period.invoice_id,
        open_in_period.invoice_type,
        open_in_period.relation_id,
        open_in_period.document_number,
        open_in_period.invoice_date,
        open_in_period.due_date,
        open_in_period.currency_code,
        open_in_period.amount_incl_vat,
        open_in_period.amount_base

),

aged as (

    select
        balanced.*,
        rates.rate_to_group,
        {{ days_between('balanced.due_date', 'balanced.as_of_date') }} as days_overdue
    from balanced
    inner join divisions
        on balanced.division_id = divisions.division_id
    left join rates
        on rates.currency_code = divisions.currency_code
        and rates.date_day = balanced.as_of_date
    where balanced.open_amount <> 0 or balanced.open_amount_base <> 0

),

final as (

    select
        aged.division_id,
        aged.fiscal_year,
        aged.period_number,
        aged.period_end,
        aged.as_of_date,
        case aged.invoice_type when 'sales' then 'receivable' else 'payable' end as item_type,
        aged.relation_id,
        relations.relation_name,
        aged.invoice_id,
        aged.document_number,
        aged.invoice_date,
        aged.due_date,
        aged.currency_code,
        {{ money('aged.open_amount') }} as open_amount,
        {{ money('aged.open_amount_base') }} as open_amount_base,
        {{ money('aged.open_amount_base * aged.rate_to_group') }} as open_amount_group,
        aged.days_overdue,
        {{ ageing_bucket('aged.days_overdue') }} as ageing_bucket,
        {{ ageing_bucket_order('aged.days_overdue') }} as bucket_order
    from aged
    inner join relations
        on aged.relation_id = relations.relation_id

)

select * from final
