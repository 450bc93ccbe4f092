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
    positive values), cumulative_value (through the end of the block), running_value (in
    rank order, through the member itself), value_before_block, share, cumulative_share
    (through the end of the block) and abc_class. -#}
{% macro abc_classify(relation, partition_by, value_column='value', code_column='code') -%}
{%- set abc_a = var('abc_a', 0.80) -%}
{%- set abc_b = var('abc_b', 0.15) -%}
{%- set partition = partition_by | join(', ') -%}
select
    windowed.*,
    {{ rate('case when windowed.positive_total > 0 then ' ~ divide('windowed.positive_value', 'windowed.positive_total') ~ ' else 0 end') }}
        as share,
    {{ rate('case when windowed.positive_total > 0 then ' ~ divide('windowed.cumulative_value', 'windowed.positive_total') ~ ' else 0 end') }}
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
            ) as cumulative_value,
            -- The running total in rank order (a ROWS frame: peers one by one), for the
            -- Pareto curve; the class never looks at it.
            sum(valued.positive_value) over (
                partition by {{ partition }}
                order by valued.{{ value_column }} desc, valued.{{ code_column }}
                rows between unbounded preceding and current row
            ) as running_value
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


{#- An ABC mart: the sales of `source` (monthly rows: division_id, year, month, ...)
    totalled per division, window and subject (the `key` column with its `code`, `name`
    and `extra` descriptive columns), classified for three measures (revenue, margin,
    quantity; base currency) with abc_classify. Used by mart_abc_items (items) and
    mart_abc_customers (customers).

    The windows follow the Insights sidebar's fiscal year and period (int_period_windows:
    per division and period up to the as_of_date var, the 12 months ending with the period
    and the fiscal year to date). The page filters one window, division and measure and
    compares the stored shares with the user's thresholds; window_start / window_end
    bound the drill-down's invoice dates.
    A window gets rows only for the members with sales lines in it. -#}
{#- Column names that are keywords somewhere are quoted with adapter.quote: "name" in
    DuckDB and PostgreSQL, `name` in Spark (where "name" would be a string literal). -#}
{% macro abc_mart(source, key, code, name, extra) -%}
with

sales as (

    select * from {{ ref(source) }}

),

windows as (

    select * from {{ ref('int_period_windows') }}

),

window_months as (

    -- The months of each window on the year x 12 + month scale of the monthly source.
    select
        windows.*,
        {{ year_month_index('windows.window_start') }} as first_month,
        {{ year_month_index('windows.window_end') }} as last_month
    from windows

),

totals as (

    -- One row per division, window and member; the descriptive columns are the same on
    -- every row of a group (max picks one).
    select
        sales.division_id,
        window_months.window_type,
        window_months.fiscal_year,
        window_months.period,
        sales.{{ key }},
        max(sales.division_code) as division_code,
        max(window_months.window_start) as window_start,
        max(window_months.window_end) as window_end,
        max(sales.{{ code }}) as code,
        max(sales.{{ name }}) as {{ adapter.quote('name') }},
        max(sales.{{ extra }}) as {{ extra }},
        sum(sales.revenue_base) as revenue,
        sum(sales.margin_base) as margin,
        sum(sales.quantity) as quantity
    from sales
    inner join window_months
        on sales.division_id = window_months.division_id
        and sales.year * 12 + sales.month
            between window_months.first_month and window_months.last_month
    group by
        sales.division_id,
        window_months.window_type,
        window_months.fiscal_year,
        window_months.period,
        sales.{{ key }}

),

measures as (

    {%- for measure in ['revenue', 'margin', 'quantity'] %}
    select
        division_id, division_code, window_type, fiscal_year, period, window_start,
        window_end, '{{ measure }}' as measure, {{ key }}, code, {{ adapter.quote('name') }},
        {{ extra }}, {{ rate(measure) }} as {{ adapter.quote('value') }}
    from totals
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

classified as (

    {{ abc_classify('measures', ['division_id', 'window_type', 'fiscal_year', 'period', 'measure']) }}

),

final as (

    select
        division_id,
        division_code,
        window_type,
        fiscal_year,
        period,
        window_start,
        window_end,
        measure,
        {{ key }},
        code,
        {{ adapter.quote('name') }},
        {{ extra }},
        {{ adapter.quote('value') }},
        cast(abc_rank as integer) as {{ adapter.quote('rank') }},
        share,
        {{ rate('case when positive_total > 0 then ' ~ divide('value_before_block', 'positive_total') ~ ' else 0 end') }}
            as share_before,
        cumulative_share,
        {{ rate('case when positive_total > 0 then ' ~ divide('running_value', 'positive_total') ~ ' else 0 end') }}
            as running_share,
        {{ rate('value_before_block') }} as value_before,
        {{ rate('positive_total') }} as positive_total,
        abc_class
    from classified

)

select * from final
{%- endmacro %}
