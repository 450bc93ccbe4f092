-- Each relation's historical payment delay: the average number of days between an
-- invoice's due date and the payments settling it (positive = paid late, negative = paid
-- early), weighted by the amount each payment settled. History = allocations of payments
-- dated on or before the as-of date (dbt var as_of_date) to invoices (credit notes left
-- out). Rounded to whole days. Relations without history have no row (the cash forecast
-- then shifts their items by 0 days). Feeds mart_cash_flow_forecast.
with

invoices as (

    select * from {{ ref('stg_erp__invoices') }}

),

allocations as (

    select * from {{ ref('stg_erp__payment_allocations') }}

),

payments as (

    select * from {{ ref('stg_erp__payments') }}

),

settlements as (

    select
        invoices.division_id,
        invoices.relation_id,
        {{ days_between('invoices.due_date', 'payments.payment_date') }} as delay_days,
        abs(allocations.amount_base) as weight
    from allocations
    inner join payments
        on allocations.payment_id = payments.payment_id
    inner join invoices
        on allocations.invoice_id = invoices.invoice_id
    where payments.payment_date <= {{ as_of_date() }}
        and invoices.amount_incl_vat > 0
        and allocations.amount_base <> 0

),

final as (

    select
        division_id,
        relation_id,
        count(*) as settlements,
        cast(round({{ divide('sum(delay_days * weight)', 'sum(weight)') }}, 0) as integer) as avg_delay_days
    from settlements
    group by division_id, relation_id

)

select * from final
