-- Per sales order line: what was delivered and returned, and the cost basis the invoice
-- lines of the line are costed at (fct_sales_lines): the delivered cost net of returns
-- over the delivered quantity net of returns. When everything delivered came back (net
-- quantity zero), the gross delivered cost and quantity, so an invoice and the credit
-- note for the returned units cost the same and cancel out.
with

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

delivery_lines as (

    select
        sales_order_line_id,
        sum(quantity) as quantity_delivered,
        sum(cost_value) as cost_delivered
    from {{ ref('stg_erp__delivery_lines') }}
    group by sales_order_line_id

),

return_lines as (

    select
        sales_order_line_id,
        sum(quantity) as quantity_returned,
        sum(cost_value) as cost_returned
    from {{ ref('stg_erp__sales_return_lines') }}
    group by sales_order_line_id

),

joined as (

    select
        order_lines.sales_order_line_id,
        coalesce(delivery_lines.quantity_delivered, 0) as quantity_delivered,
        {{ money('coalesce(delivery_lines.cost_delivered, 0)') }} as cost_delivered,
        coalesce(return_lines.quantity_returned, 0) as quantity_returned,
        {{ money('coalesce(return_lines.cost_returned, 0)') }} as cost_returned
    from order_lines
    left join delivery_lines
        on order_lines.sales_order_line_id = delivery_lines.sales_order_line_id
    left join return_lines
        on order_lines.sales_order_line_id = return_lines.sales_order_line_id

),

final as (

    select
        sales_order_line_id,
        quantity_delivered,
        cost_delivered,
        quantity_returned,
        cost_returned,
        case
            when quantity_delivered - quantity_returned > 0
                then quantity_delivered - quantity_returned
            else quantity_delivered
        end as cost_basis_quantity,
        {{ money(
            'case when quantity_delivered - quantity_returned > 0
                then cost_delivered - cost_returned
                else cost_delivered end'
        ) }} as cost_basis_value
    from joined

)

select * from final
