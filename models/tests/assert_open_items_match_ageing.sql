-- Two routes to the open items on the ageing date must agree, per division and side:
-- the invoice-by-invoice ageing marts, and the running sum of dated open-item events
-- that mart_open_items_by_period is built from (open and overdue amounts).
-- dagster attaches it to mart_receivables_ageing as an asset check.
{{ config(meta={'dagster': {'ref': {'name': 'mart_receivables_ageing'}}}) }}
with

ageing as (

    select division_id, 'receivable' as item_type, open_amount_base, days_overdue
    from {{ ref('mart_receivables_ageing') }}
    union all
    select division_id, 'payable' as item_type, open_amount_base, days_overdue
    from {{ ref('mart_payables_ageing') }}

),

by_invoice as (

    select
        division_id,
        item_type,
        sum(open_amount_base) as open_amount,
        sum(case when days_overdue > 0 then open_amount_base else 0 end) as overdue_amount
    from ageing
    group by division_id, item_type

),

by_event as (

    select
        division_id,
        item_type,
        sum(open_change_base) as open_amount,
        sum(overdue_change_base) as overdue_amount
    from {{ ref('int_open_item_events') }}
    where event_date <= {{ as_of_date() }}
    group by division_id, item_type

),

compared as (

    select
        coalesce(by_event.division_id, by_invoice.division_id) as division_id,
        coalesce(by_event.item_type, by_invoice.item_type) as item_type,
        coalesce(by_event.open_amount, 0) as open_by_event,
        coalesce(by_invoice.open_amount, 0) as open_by_invoice,
        coalesce(by_event.overdue_amount, 0) as overdue_by_event,
        coalesce(by_invoice.overdue_amount, 0) as overdue_by_invoice
    from by_event
    full outer join by_invoice
        on by_event.division_id = by_invoice.division_id
        and by_event.item_type = by_invoice.item_type

)

select *
from compared
where open_by_event <> open_by_invoice
    or overdue_by_event <> overdue_by_invoice
