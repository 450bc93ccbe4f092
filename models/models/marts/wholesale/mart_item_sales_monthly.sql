-- Sales per division, calendar month and item (from fct_sales_lines: credit notes
-- included, negative). The input of the item ABC analysis.
with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

final as (

    select
        division_id,
        division_code,
        year,
        month,
        item_id,
        item_code,
        item_name,
        item_group_code,
        {{ rate('sum(quantity)') }} as quantity,
        {{ money('sum(revenue_base)') }} as revenue_base,
        {{ money('sum(margin_base)') }} as margin_base,
        {{ money('sum(revenue_group)') }} as revenue_group,
        {{ money('sum(cost_group)') }} as cost_group,
        {{ money('sum(margin_group)') }} as margin_group
    from sales_lines
    group by
        division_id,
        division_code,
        year,
        month,
        item_id,
        item_code,
        item_name,
        item_group_code

)

select * from final
