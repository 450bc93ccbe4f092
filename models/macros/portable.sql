{#- Small portable building blocks. Anything engine-specific is dispatched here so the
    models stay standard SQL (DuckDB now; PostgreSQL, Spark or Trino when outgrown). -#}

{#- Money and rates keep the source's exact scale: DECIMAL(19,4) and DECIMAL(19,8). -#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(19, 4))
{%- endmacro %}

{% macro rate(expression) -%}
    cast({{ expression }} as decimal(19, 8))
{%- endmacro %}

{#- The ageing date: the dbt var as_of_date ('YYYY-MM-DD'); else ERP_TODAY, the product's
    frozen "today" (transactional/clock.py), so tests and replays age as of a fixed day;
    else the engine's current date. -#}
{% macro as_of_date() -%}
    {%- set value = (var('as_of_date', '') or env_var('ERP_TODAY', '')) | trim -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

{#- Whole days from one date to another (positive when end_date is later). -#}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro add_days(days, date_expression) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#- 'YYYY-MM' from a year and a month/period number. -#}
{% macro period_key(year, number) -%}
    {{ dbt.concat([
        "cast(" ~ year ~ " as " ~ dbt.type_string() ~ ")",
        "'-'",
        "case when " ~ number ~ " < 10 then '0' else '' end",
        "cast(" ~ number ~ " as " ~ dbt.type_string() ~ ")",
    ]) }}
{%- endmacro %}

{% macro iso_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_week', 'erp')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_week(date_expression) -%}
    cast(extract(week from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__iso_week(date_expression) -%}
    weekofyear({{ date_expression }})
{%- endmacro %}

{% macro quarter_of(date_expression) -%}
    {{ return(adapter.dispatch('quarter_of', 'erp')(date_expression)) }}
{%- endmacro %}

{% macro default__quarter_of(date_expression) -%}
    cast(extract(quarter from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__quarter_of(date_expression) -%}
    quarter({{ date_expression }})
{%- endmacro %}

{#- Consecutive integers 1..upper_bound, as a subquery with column generated_number
    (dbt's generate_series: a native function where there is one, else a cross join). -#}
{% macro day_numbers(upper_bound) -%}
    ({{ dbt.generate_series(upper_bound) }})
{%- endmacro %}
