{#- The ABC rule of docs/wholesale.md ("ABC rule"), over a relation (a CTE name) with one
    row per member (item or customer) and partition (division x measure).

    Within a partition, members are sorted by value descending, ties by code. Only
    positive values share the total. Members with equal values form one block (a RANGE
    window: peers share their frame), and every member of a block gets the block's class.
    The share before a block is the cumulative share of all higher blocks: the block is A
    when that share is below abc_a, B when below abc_a + abc_b, else C. Zero and negative
    values are always C.

    The comparisons run on exact decimals (value_before_block < abc_a x total), never on
    a rounded share: an item whose predecessors hold exactly 80 % is not an A. The
    thresholds are rendered as separate SQL literals so that 0.80 + 0.15 is 0.95 exactly.

    Adds: abc_rank (1..n in sort order), positive_total, block_value (sum of the block's
    positive values), cumulative_value (through the end of the block), value_before_block,
    share, cumulative_share and abc_class. -#}
{% macro abc_classify(relation, partition_by, value_column='value', code_column='code') -%}
{%- set abc_a = var('abc_a', 0.80) -%}
{%- set abc_b = var('abc_b', 0.15) -%}
{%- set partition = partition_by | join(', ') -%}
select
    windowed.*,
    {{ rate('case when windowed.positive_total > 0 then windowed.positive_value / windowed.positive_total else 0 end') }}
        as share,
    {{ rate('case when windowed.positive_total > 0 then windowed.cumulative_value / windowed.positive_total else 0 end') }}
        as cumulative_share,
    case
        when windowed.{{ value_column }} <= 0 then 'C'
        when windowed.value_before_block < ({{ abc_a }}) * windowed.positive_total then 'A'
        when windowed.value_before_block < (({{ abc_a }}) + ({{ abc_b }})) * windowed.positive_total
            then 'B'
        else 'C'
    end as abc_class
from (
    select
        blocks.*,
        blocks.cumulative_value - blocks.block_value as value_before_block
    from (
        select
            valued.*,
            row_number() over (
                partition by {{ partition }}
                order by valued.{{ value_column }} desc, valued.{{ code_column }}
            ) as abc_rank,
            sum(valued.positive_value) over (partition by {{ partition }}) as positive_total,
            sum(valued.positive_value) over (
                partition by {{ partition }}, valued.{{ value_column }}
            ) as block_value,
            sum(valued.positive_value) over (
                partition by {{ partition }}
                order by valued.{{ value_column }} desc
                range between unbounded preceding and current row
            ) as cumulative_value
        from (
            select
                {{ relation }}.*,
                case when {{ relation }}.{{ value_column }} > 0 then {{ relation }}.{{ value_column }} else 0 end
                    as positive_value
            from {{ relation }}
        ) as valued
    ) as blocks
) as windowed
{%- endmacro %}


{#- An ABC mart: the sales of `source` (monthly rows) over the 12 calendar months up to and
    including the month of the as_of_date var, totalled per division and subject (the
    `key` column with its `code` and `name` columns), classified for three measures
    (revenue, margin, quantity) with abc_classify. Used by mart_abc_items (items) and
    mart_abc_customers (customers). -#}
{% macro abc_mart(source, key, code, name) -%}
{%- set months_back = 11 %}
with

sales as (

    select * from {{ ref(source) }}
    where year * 12 + month
        between {{ year_month_index(as_of_date()) }} - {{ months_back }}
        and {{ year_month_index(as_of_date()) }}

),

totals as (

    select
        division_id,
        division_code,
        {{ key }},
        {{ code }} as code,
        {{ name }} as "name",
        sum(revenue_base) as revenue,
        sum(margin_base) as margin,
        sum(quantity) as quantity
    from sales
    group by division_id, division_code, {{ key }}, {{ code }}, {{ name }}

),

measures as (

    {%- for measure in ['revenue', 'margin', 'quantity'] %}
    select
        division_id, division_code, '{{ measure }}' as measure, {{ key }},
        code, "name", {{ rate(measure) }} as "value"
    from totals
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

classified as (

    {{ abc_classify('measures', ['division_id', 'measure']) }}

),

final as (

    select
        division_id,
        division_code,
        measure,
        {{ key }},
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
{%- endmacro %}
