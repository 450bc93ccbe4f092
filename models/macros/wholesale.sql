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
