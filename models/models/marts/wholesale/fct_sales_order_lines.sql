-- One row per sales quote or order line with its delivered, returned and invoiced
-- quantities and what is still open. Only lines of orders in status 'order' are open:
-- quantity_open = ordered - delivered (quotes, closed and cancelled orders: 0). The open
-- value is in base currency at the order date's rate. A back order is an open line that
-- is partly delivered, or whose requested date has passed (as of as_of_date).
-- quantity_invoiced is net of credit notes (invoiced - credited).
with

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

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

joined as (

    select
        order_lines.sales_order_line_id,
        order_lines.sales_order_id,
        orders.order_number,
        orders.status,
        orders.order_date,
        orders.requested_date,
        orders.division_id,
        divisions.division_code,
        orders.relation_id,
        relations.relation_code as customer_code,
        order_lines.item_id,
        items.item_code,
        order_lines.quantity,
        order_lines.quantity_delivered,
        order_lines.quantity_returned,
        {{ rate('order_lines.quantity_invoiced - order_lines.quantity_credited') }}
            as quantity_invoiced,
        {{ rate(
            "case when orders.status = 'order'
                and order_lines.quantity > order_lines.quantity_delivered
                then order_lines.quantity - order_lines.quantity_delivered
                else 0 end"
        ) }} as quantity_open,
        order_lines.unit_price,
        cross_rates.rate as order_rate
    from order_lines
    inner join orders
        on order_lines.sales_order_id = orders.sales_order_id
    inner join divisions
        on orders.division_id = divisions.division_id
    inner join relations
        on orders.relation_id = relations.relation_id
    inner join items
        on order_lines.item_id = items.item_id
    left join cross_rates
        on cross_rates.date_day = coalesce(orders.order_date, orders.quote_date)
        and cross_rates.from_currency_code = orders.currency_code
        and cross_rates.to_currency_code = divisions.currency_code

),

final as (

    select
        sales_order_line_id,
        sales_order_id,
        order_number,
        status,
        order_date,
        requested_date,
        division_id,
        division_code,
        relation_id,
        customer_code,
        item_id,
        item_code,
        quantity,
        quantity_delivered,
        quantity_returned,
        quantity_invoiced,
        quantity_open,
        {{ money('coalesce(quantity_open * unit_price * order_rate, 0)') }} as open_value_base,
        quantity_open > 0
            and (
                quantity_delivered > 0
                or coalesce(requested_date < {{ as_of_date() }}, false)
            )
            as is_back_order
    from joined

)

select * from final
