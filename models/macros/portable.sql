{#- Small portable building blocks. Anything engine-specific is dispatched here so the
    models stay standard SQL (DuckDB now; PostgreSQL, Spark or Trino when outgrown). -#}

{#- Typed numbers, the same on every engine (the engines type sums, products and
    divisions differently, so every mart column is cast to its contract type):
    - money: decimal(18,2), amounts in a currency (the marts' contract type);
    - price: decimal(19,4), unit prices and costs, and settings such as percentages;
    - rate: decimal(19,8), exchange rates and shares.
    The cast is exact-or-error on every engine. DuckDB raises when a value does not fit;
    Spark under dbt-spark runs with ANSI mode off and would return NULL, silently dropping
    an amount from every sum: checked_cast makes it raise instead (docs/spark.md). -#}
{% macro money(expression) -%}
    {{ checked_cast(expression, 'decimal(18, 2)') }}
{%- endmacro %}

{% macro price(expression) -%}
    {{ checked_cast(expression, 'decimal(19, 4)') }}
{%- endmacro %}

{% macro rate(expression) -%}
    {{ checked_cast(expression, 'decimal(19, 8)') }}
{%- endmacro %}

{#- a / b as DuckDB computes it, on every engine: in double precision. DuckDB divides
    decimals as doubles; Spark keeps decimals and cuts the result's scale to 6 digits when
    the operands are wide (spark.sql.decimalOperations.allowPrecisionLoss), so shares and
    averages came out different in the 7th digit. Callers guard a zero denominator. -#}
{% macro divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide', 'erp')(numerator, denominator)) }}
{%- endmacro %}

{#- The same body per engine on purpose: a division is the one place where `/` may be
    written (tests/warehouse/test_portable_sql.py), and an engine added later must say how
    it divides. -#}
{% macro duckdb__divide(numerator, denominator) -%}
    (cast(({{ numerator }}) as double) / cast(({{ denominator }}) as double))
{%- endmacro %}

{% macro spark__divide(numerator, denominator) -%}
    (cast(({{ numerator }}) as double) / cast(({{ denominator }}) as double))
{%- endmacro %}

{#- A term of a sum, as an exact decimal: a sum of doubles depends on the order the engine
    adds them in, and a total near half a cent then rounds one way on DuckDB and the
    other on Spark. Divide, make each term exact, then sum. -#}
{% macro exact_term(expression) -%}
    {{ checked_cast(expression, 'decimal(38, 10)') }}
{%- endmacro %}

{% macro checked_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('checked_cast', 'erp')(expression, data_type)) }}
{%- endmacro %}

{% macro default__checked_cast(expression, data_type) -%}
    cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- Spark: a value that is there but does not survive the cast stops the query, with the
    expression in the message, as DuckDB's own conversion error would. -#}
{% macro spark__checked_cast(expression, data_type) -%}
    {%- set label = expression | replace("'", "") | replace("\\", "") -%}
    case
        when ({{ expression }}) is not null
            and cast(({{ expression }}) as {{ data_type }}) is null
        then raise_error(concat(
            'Conversion Error: ', cast(({{ expression }}) as string),
            ' does not fit {{ data_type }} ({{ label }})'
        ))
        else cast(({{ expression }}) as {{ data_type }})
    end
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
{#- bigint on every engine (Spark's datediff gives int, DuckDB's bigint). -#}
{% macro days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as bigint)
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
    (dbt's generate_series: a native function where there is one, else a cross join of
    powers of two, which Spark types double: hence the cast). -#}
{% macro day_numbers(upper_bound) -%}
    (select cast(series.generated_number as bigint) as generated_number
     from ({{ dbt.generate_series(upper_bound) }}) as series)
{%- endmacro %}

{#- Stops the query with the message (a string expression): a test that must name what is
    wrong in dbt's output (an unmapped account, a missing exchange rate) raises it. -#}
{% macro raise_message(message) -%}
    {{ return(adapter.dispatch('raise_message', 'erp')(message)) }}
{%- endmacro %}

{% macro duckdb__raise_message(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__raise_message(message) -%}
    raise_error({{ message }})
{%- endmacro %}
