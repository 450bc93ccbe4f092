{#- Helpers for the wholesale marts. -#}

{#- Round a base-currency amount to the currency's decimals, half away from zero, as the
    transactional layer does (round_money with ROUND_HALF_UP). decimals_column is a
    column holding the currency's decimals (0 to 4). -#}
{% macro round_to_decimals(expression, decimals_column) -%}
    {#- Each branch is cast to money on its own: a product of two decimals is already 38
        digits wide, and CASE cannot widen round(..., 0) and round(..., 2) to one type,
        so it would silently drop the decimals of every branch. -#}
    case {{ decimals_column }}
        when 0 then {{ money("round(" ~ expression ~ ", 0)") }}
        when 1 then {{ money("round(" ~ expression ~ ", 1)") }}
        when 2 then {{ money("round(" ~ expression ~ ", 2)") }}
        when 3 then {{ money("round(" ~ expression ~ ", 3)") }}
        else {{ money("round(" ~ expression ~ ", 4)") }}
    end
{%- endmacro %}

{#- The first day of the month `months` before (negative: after) the month of a date. -#}
{% macro month_start_offset(date_expression, months) -%}
    cast({{ dbt.dateadd('month', months, dbt.date_trunc('month', date_expression)) }} as date)
{%- endmacro %}

{#- A month's position on a continuous scale (year x 12 + month), to select ranges of
    months with plain integer arithmetic. -#}
{% macro year_month_index(date_expression) -%}
    (cast(extract(year from {{ date_expression }}) as integer) * 12
        + cast(extract(month from {{ date_expression }}) as integer))
{%- endmacro %}

{#- fct_sales_lines summed per `dimensions`: the one definition of the monthly sales
    measures (quantity; revenue, cost and margin in base and group currency) that the
    monthly sales marts share. `without` leaves measures out of a mart's contract. -#}
{% macro sum_sales_lines(dimensions, without=[]) -%}
    {%- set measures = ['revenue_base', 'cost_base', 'margin_base',
                        'revenue_group', 'cost_group', 'margin_group'] -%}
    select
        {%- for dimension in dimensions %}
        {{ dimension }},
        {%- endfor %}
        {{ rate('sum(quantity)') }} as quantity
        {%- for measure in measures if measure not in without %},
        {{ money('sum(' ~ measure ~ ')') }} as {{ measure }}
        {%- endfor %}
    from {{ ref('fct_sales_lines') }}
    group by
        {{ dimensions | join(',\n        ') }}
{%- endmacro %}
