{#- Layers get plain schema names (staging, intermediate); marts stay in the target schema
    (main), where the dashboards read them. dbt's default would prefix: main_staging. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
