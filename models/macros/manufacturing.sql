{#- Helpers for the manufacturing marts (docs/manufacturing.md, section 8). -#}

{#- The distinct non-empty values of a text expression within the group, sorted and
    joined with the delimiter; empty (null) when there are none, on every engine (Spark's
    array_join of nothing is ''). dbt.listagg cannot do it: Spark's has no order. -#}
{% macro sorted_distinct_join(expression, delimiter) -%}
    case
        when count({{ expression }}) > 0
            then {{ adapter.dispatch('sorted_distinct_join', 'erp')(expression, delimiter) }}
    end
{%- endmacro %}

{% macro duckdb__sorted_distinct_join(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_distinct_join(expression, delimiter) -%}
    array_join(array_sort(collect_set({{ expression }})), {{ delimiter }})
{%- endmacro %}

{#- The day of the week of a date, 0 for Monday to 6 for Sunday (ISO order), from the
    Monday that starts its ISO week (dbt.date_trunc('week') is Monday on every engine the
    project runs on). -#}
{% macro weekday_index(date_expression) -%}
    {{ days_between("cast(" ~ dbt.date_trunc('week', date_expression) ~ " as date)", date_expression) }}
{%- endmacro %}

{#- The Monday of a date's ISO week. -#}
{% macro week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{#- The first day of a date's month. -#}
{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{#- The cost type a production transaction moves (docs/manufacturing.md, section 3): its
    own, else the one its kind implies; none for a completion. -#}
{% macro production_cost_type(cost_type, kind) -%}
    coalesce({{ cost_type }}, case {{ kind }}
        when 'material_issue' then 'material'
        when 'material_return' then 'material'
        when 'labour' then 'labour'
        when 'machine' then 'machine'
        when 'outsourced' then 'outsourced'
        when 'overhead' then 'overhead'
    end)
{%- endmacro %}
