-- The Finance page's KPI cards (mart_open_items_by_period, a running sum of dated
-- events) and its ageing tab (mart_ageing_by_period, invoice by invoice) must show
-- the same open and overdue amounts for every period, division and side.
-- dagster attaches it to mart_ageing_by_period as an asset check.
{{ config(meta={'dagster': {'ref': {'name': 'mart_ageing_by_period'}}}) }}
with

by_invoice as (

    select
        division_id,
        fiscal_year,
        period_number,
        item_type,
        sum(open_amount_base) as open_amount,
        sum(case when days_overdue > 0 then open_amount_base else 0 end) as overdue_amount
    from {{ ref('mart_ageing_by_period') }}
    group by division_id, fiscal_year, period_number, item_type

),

by_event as (

    select division_id, fiscal_year, period_number, item_type,
        open_amount_base as open_amount, overdue_amount_base as overdue_amount
    from {{ ref('mart_open_items_by_period') }}

),

compared as (

    select
        by_event.division_id,
        by_event.fiscal_year,
        by_event.period_number,
        by_event.item_type,
        by_event.open_amount as open_by_event,
        coalesce(by_invoice.open_amount, 0) as open_by_invoice,
        by_event.overdue_amount as overdue_by_event,
        coalesce(by_invoice.overdue_amount, 0) as overdue_by_invoice
    from by_event
    left join by_invoice
        on by_event.division_id = by_invoice.division_id
        and by_event.fiscal_year = by_invoice.fiscal_year
        and by_event.period_number = by_invoice.period_number
        and by_event.item_type = by_invoice.item_type

)

select *
from compared
where open_by_event <> open_by_invoice
    or overdue_by_event <> overdue_by_invoice
