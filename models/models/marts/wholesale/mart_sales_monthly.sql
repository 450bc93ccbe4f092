-- Sales per division, calendar month, customer, salesperson and item group (from
-- fct_sales_lines: credit notes included, negative). The measures: macro sum_sales_lines.
with

final as (

    {{ sum_sales_lines(
        ['division_id', 'division_code', 'year', 'month',
         'relation_id', 'customer_code', 'customer_name', 'country',
         'salesperson_code', 'item_group_code'],
    ) }}

)

select * from final
