-- ABC classification of customers per division over the 12 calendar months up to and
-- including the month of the as_of_date var, for three measures: revenue, margin and
-- quantity (base currency; credit notes net). The rule: docs/wholesale.md "ABC rule",
-- implemented by the abc_classify macro (thresholds: vars abc_a, abc_b). Customers appear
-- when they have sales lines in the period; rank is the position in the sort order
-- (value descending, ties by code).
{%- set months_back = 11 %}
with

customer_sales as (

    select * from {{ ref('mart_sales_monthly') }}
    where year * 12 + month
        between {{ year_month_index(as_of_date()) }} - {{ months_back }}
        and {{ year_month_index(as_of_date()) }}

),

totals as (

    select
        division_id,
        division_code,
        relation_id,
        customer_code,
        customer_name,
        sum(revenue_base) as revenue,
        sum(margin_base) as margin,
        sum(quantity) as quantity
    from customer_sales
    group by division_id, division_code, relation_id, customer_code, customer_name

),

measures as (

    select
        division_id, division_code, 'revenue' as measure, relation_id,
        customer_code as code, customer_name as "name", {{ rate('revenue') }} as "value"
    from totals
    union all
    select
        division_id, division_code, 'margin' as measure, relation_id,
        customer_code as code, customer_name as "name", {{ rate('margin') }} as "value"
    from totals
    union all
    select
        division_id, division_code, 'quantity' as measure, relation_id,
        customer_code as code, customer_name as "name", {{ rate('quantity') }} as "value"
    from totals

),

classified as (

    {{ abc_classify('measures', ['division_id', 'measure']) }}

),

final as (

    select
        division_id,
        division_code,
        measure,
        relation_id,
        code,
        "name",
        "value",
        cast(abc_rank as integer) as "rank",
        share,
        cumulative_share,
        abc_class
    from classified

)

select * from final
