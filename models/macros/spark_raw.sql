{#- The raw layer on Spark: the extract's Parquet files (ingestion/raw_parquet.py) under
    <ERP_SPARK_DIR>/raw/<table>, registered as tables of the `raw` database before the
    models run (on-run-start). Nothing to do on DuckDB, where the extract loads raw.* into
    the warehouse file itself. -#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'erp')()) }}
{%- endmacro %}

{#- Empty: dbt skips an empty hook without opening a connection. -#}
{% macro default__register_raw_tables() -%}
{%- endmacro %}

{#- Only commands that read the raw layer re-register it (new Parquet files, a changed
    column); `dbt compile`, `show` or `docs` use the tables the last build registered in
    the metastore, and need no JVM work before their own query. -#}
{% macro spark__register_raw_tables() -%}
    {%- if execute and flags.WHICH in ('build', 'run', 'test', 'seed', 'snapshot') -%}
        {%- set folder = env_var('ERP_SPARK_DIR', '../data/warehouse/spark') ~ '/raw' -%}
        {%- if run_query("show databases like 'raw'") | length == 0 -%}
            {%- do run_query('create database raw') -%}
        {%- endif -%}
        {%- for source in graph.sources.values() if source.package_name == 'erp' -%}
            {%- set table = 'raw.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query('create table ' ~ table ~ " using parquet location '" ~ folder ~ '/' ~ source.identifier ~ "'") -%}
            {%- if source.meta.get('partitioned_by') -%}
                {%- do run_query('msck repair table ' ~ table) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
