-- Invoices still (partly) open on the ageing date (dbt var as_of_date, default today):
-- invoiced on or before it, less what payments dated on or before it settled.
-- Amounts are positive for an invoice and negative for a credit note, on both the
-- receivable and the payable side.
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

settled as (

    select
        allocations.invoice_id,
        sum(allocations.amount) as amount,
        sum(allocations.amount_base) as amount_base
    from allocations
    inner join payments
        on allocations.payment_id = payments.payment_id
    where payments.payment_date <= {{ as_of_date() }}
    group by allocations.invoice_id

),

balanced as (

    select
        invoices.invoice_id,
        invoices.division_id,
        invoices.invoice_type,
        invoices.relation_id,
        relations.relation_name,
        invoices.document_number,
        invoices.invoice_date,
        invoices.due_date,
        invoices.currency_code,
        {{ money('invoices.amount_incl_vat - coalesce(settled.amount, 0)') }} as open_amount,
        {{ money('invoices.amount_base - coalesce(settled.amount_base, 0)') }}
            as open_amount_base
    from invoices
    inner join relations
        on invoices.relation_id = relations.relation_id
    left join settled
        on invoices.invoice_id = settled.invoice_id
    where invoices.invoice_date <= {{ as_of_date() }}

),

final as (

    select *
    from balanced
    where open_amount <> 0 or open_amount_base <> 0

)

select * from final
