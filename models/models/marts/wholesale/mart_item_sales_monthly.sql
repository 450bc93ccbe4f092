-- Sales per division, calendar month and item (from fct_sales_lines: credit notes
-- included, negative). The input of the item ABC analysis. The measures are those of
-- mart_sales_monthly (macro sum_sales_lines), without cost_base.
with

final as (

    {{ sum_sales_lines(
        ['division_id', 'division_code', 'year', 'month',
         'item_id', 'item_code', 'item_name', 'item_group_code'],
        without=['cost_base'],
    ) }}

)

select * from final
