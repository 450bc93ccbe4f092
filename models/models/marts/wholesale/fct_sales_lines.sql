-- One row per sales invoice line that bills an item; credit-note lines are negative
-- (quantity, revenue and cost). Revenue is the line amount in base currency exactly as
-- the invoice posted it (amount x invoice rate, rounded to the base currency's decimals).
-- Cost is the quantity x the order line's cost basis (int_sales_order_line_costs: the
-- delivered cost net of returns per delivered unit net of returns). Group amounts at the
-- rate of the invoice date, as fct_gl_lines translates P&L lines.
with

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}
    where item_id is not null

),

invoices as (

    select * from {{ ref('stg_erp__invoices') }}
    where invoice_type = 'sales'

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

currencies as (

    select * from {{ ref('stg_erp__currencies') }}

),

relations as (

    select * from {{ ref('stg_erp__relations') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

item_groups as (

    select * from {{ ref('stg_erp__item_groups') }}

),

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

salespeople as (

    select * from {{ ref('stg_erp__salespeople') }}

),

customer_salespeople as (

    select * from {{ ref('stg_erp__customer_salespeople') }}

),

line_costs as (

    select * from {{ ref('int_sales_order_line_costs') }}

),

rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

lines as (

    select
        invoice_lines.invoice_line_id,
        invoice_lines.invoice_id,
        invoices.document_number,
        invoices.invoice_date,
        invoices.division_id,
        divisions.division_code,
        divisions.currency_code as base_currency_code,
        invoices.relation_id,
        relations.relation_code as customer_code,
        relations.relation_name as customer_name,
        relations.country,
        coalesce(order_salespeople.salesperson_code, customer_salespeople_codes.salesperson_code)
            as salesperson_code,
        invoice_lines.item_id,
        items.item_code,
        items.item_name,
        item_groups.item_group_code,
        orders.sales_order_id,
        orders.order_number,
        -- Credit notes: negative quantity, whichever of quantity or price the source signed.
        case
            when invoice_lines.amount < 0
                or (invoice_lines.amount = 0 and invoices.amount_excl_vat < 0)
                then -abs(invoice_lines.quantity)
            else abs(invoice_lines.quantity)
        end as quantity,
        {{ round_to_decimals('invoice_lines.amount * invoices.rate', 'currencies.decimals') }}
            as revenue_base,
        line_costs.cost_basis_quantity,
        line_costs.cost_basis_value
    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
    inner join divisions
        on invoices.division_id = divisions.division_id
    inner join currencies
        on divisions.currency_code = currencies.currency_code
    inner join relations
        on invoices.relation_id = relations.relation_id
    inner join items
        on invoice_lines.item_id = items.item_id
    left join item_groups
        on items.item_group_id = item_groups.item_group_id
    left join order_lines
        on invoice_lines.sales_order_line_id = order_lines.sales_order_line_id
    left join orders
        on order_lines.sales_order_id = orders.sales_order_id
    left join salespeople as order_salespeople
        on orders.salesperson_id = order_salespeople.salesperson_id
    left join customer_salespeople
        on invoices.relation_id = customer_salespeople.relation_id
    left join salespeople as customer_salespeople_codes
        on customer_salespeople.salesperson_id = customer_salespeople_codes.salesperson_id
    left join line_costs
        on invoice_lines.sales_order_line_id = line_costs.sales_order_line_id

),

costed as (

    select
        lines.*,
        {{ money(
            'case when lines.cost_basis_quantity > 0 then '
            ~ divide('lines.quantity * lines.cost_basis_value', 'lines.cost_basis_quantity')
            ~ ' else 0 end'
        ) }} as cost_base
    from lines

),

final as (

    select
        costed.invoice_line_id,
        costed.invoice_id,
        costed.document_number,
        costed.invoice_date,
        cast(extract(year from costed.invoice_date) as integer) as year,
        cast(extract(month from costed.invoice_date) as integer) as month,
        costed.division_id,
        costed.division_code,
        costed.relation_id,
        costed.customer_code,
        costed.customer_name,
        costed.country,
        costed.salesperson_code,
        costed.item_id,
        costed.item_code,
        costed.item_name,
        costed.item_group_code,
        costed.sales_order_id,
        costed.order_number,
        costed.quantity,
        costed.revenue_base,
        costed.cost_base,
        {{ money('costed.revenue_base - costed.cost_base') }} as margin_base,
        {{ money('costed.revenue_base * rates.rate_to_group') }} as revenue_group,
        {{ money('costed.cost_base * rates.rate_to_group') }} as cost_group,
        {{ money('(costed.revenue_base - costed.cost_base) * rates.rate_to_group') }}
            as margin_group
    from costed
    left join rates
        on costed.base_currency_code = rates.currency_code
        and costed.invoice_date = rates.date_day

)

select * from final
