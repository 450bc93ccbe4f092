-- The dated changes of open and overdue receivables and payables (base currency), so the
-- open items at any period end are a running sum instead of a join of every invoice
-- with every period:
--   an invoice opens on its date and becomes overdue the day after its due date;
--   a payment allocation closes its part on the payment date, and closes the overdue
--   part on the payment date or, when paid early, on the day the invoice became overdue.
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

invoice_items as (

    select
        invoice_id,
        division_id,
        case invoice_type when 'sales' then 'receivable' else 'payable' end as item_type,
        invoice_date,
        due_date,
        {{ add_days(1, 'due_date') }} as overdue_from,
        amount_base
    from invoices

),

settlements as (

    select
        invoice_items.division_id,
        invoice_items.item_type,
        payments.payment_date,
        invoice_items.overdue_from,
        allocations.amount_base
    from allocations
    inner join payments
        on allocations.payment_id = payments.payment_id
    inner join invoice_items
        on allocations.invoice_id = invoice_items.invoice_id

),

events as (

    select division_id, item_type, invoice_date as event_date,
        amount_base as open_change, 0 as overdue_change
    from invoice_items

    union all

    select division_id, item_type, overdue_from as event_date,
        0 as open_change, amount_base as overdue_change
    from invoice_items

    union all

    select division_id, item_type, payment_date as event_date,
        -amount_base as open_change, 0 as overdue_change
    from settlements

    union all

    select division_id, item_type,
        case when payment_date > overdue_from then payment_date else overdue_from end
            as event_date,
        0 as open_change, -amount_base as overdue_change
    from settlements

),

final as (

    select
        division_id,
        item_type,
        event_date,
        {{ money('sum(open_change)') }} as open_change_base,
        {{ money('sum(overdue_change)') }} as overdue_change_base
    from events
    group by division_id, item_type, event_date

)

select * from final
