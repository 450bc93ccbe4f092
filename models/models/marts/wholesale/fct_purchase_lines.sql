-- One row per purchase order line: ordered, received, returned and invoiced quantities,
-- the order amount in base currency (at the order date's rate), and the delivery
-- performance: promised lead time (order date to the line's promised date), actual lead
-- time (order date to the last receipt), fully received, on time.
-- is_on_time: true when fully received on or before the promised date; false when fully
-- received later, or still not fully received after the promised date (as of as_of_date);
-- null while the promised date has not passed, and for cancelled orders not fully received.
with

order_lines as (

    select * from {{ ref('stg_erp__purchase_order_lines') }}

),

orders as (

    select * from {{ ref('stg_erp__purchase_orders') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

relations as (

    select * from {{ ref('stg_erp__relations') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

cross_rates as (

    select * from {{ ref('int_currency_cross_rates_daily') }}

),

receipts as (

    select
        receipt_lines.purchase_order_line_id,
        min(goods_receipts.receipt_date) as first_receipt_date,
        max(goods_receipts.receipt_date) as last_receipt_date
    from {{ ref('stg_erp__goods_receipt_lines') }} as receipt_lines
    inner join {{ ref('stg_erp__goods_receipts') }} as goods_receipts
        on receipt_lines.goods_receipt_id = goods_receipts.goods_receipt_id
    where receipt_lines.quantity > 0
    group by receipt_lines.purchase_order_line_id

),

joined as (

    select
        order_lines.purchase_order_line_id,
        order_lines.purchase_order_id,
        orders.order_number,
        orders.order_date,
        coalesce(order_lines.promised_date, orders.promised_date) as promised_date,
        orders.status,
        orders.division_id,
        divisions.division_code,
        orders.relation_id,
        relations.relation_code as supplier_code,
        relations.relation_name as supplier_name,
        order_lines.item_id,
        items.item_code,
        order_lines.quantity,
        order_lines.quantity_received,
        order_lines.quantity_returned,
        order_lines.quantity_invoiced,
        order_lines.unit_price,
        {{ money('order_lines.quantity * order_lines.unit_price * cross_rates.rate') }}
            as amount_base,
        receipts.first_receipt_date,
        receipts.last_receipt_date,
        order_lines.quantity_received >= order_lines.quantity as is_fully_received
    from order_lines
    inner join orders
        on order_lines.purchase_order_id = orders.purchase_order_id
    inner join divisions
        on orders.division_id = divisions.division_id
    inner join relations
        on orders.relation_id = relations.relation_id
    inner join items
        on order_lines.item_id = items.item_id
    left join cross_rates
        on cross_rates.date_day = orders.order_date
        and cross_rates.from_currency_code = orders.currency_code
        and cross_rates.to_currency_code = divisions.currency_code
    left join receipts
        on order_lines.purchase_order_line_id = receipts.purchase_order_line_id

),

final as (

    select
        purchase_order_line_id,
        purchase_order_id,
        order_number,
        order_date,
        promised_date,
        division_id,
        division_code,
        relation_id,
        supplier_code,
        supplier_name,
        item_id,
        item_code,
        quantity,
        quantity_received,
        quantity_returned,
        quantity_invoiced,
        {{ rate('quantity_received - quantity_returned - quantity_invoiced') }}
            as quantity_not_invoiced,
        unit_price,
        amount_base,
        first_receipt_date,
        last_receipt_date,
        cast({{ days_between('order_date', 'promised_date') }} as integer) as promised_lead_days,
        case
            when last_receipt_date is not null
                then cast({{ days_between('order_date', 'last_receipt_date') }} as integer)
        end as actual_lead_days,
        is_fully_received,
        case
            when is_fully_received then last_receipt_date <= promised_date
            when status = 'cancelled' then null
            when promised_date < {{ as_of_date() }} then false
        end as is_on_time
    from joined

)

select * from final
