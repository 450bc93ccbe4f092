-- The incremental fact holds every loaded journal line exactly once, with its amount.
-- The full refresh runs it over every line; the quick refresh checks the new lines with
-- assert_recent_gl_lines_sound. dagster attaches it to fct_gl_lines as an asset check.
{{ config(meta={'dagster': {'ref': {'name': 'fct_gl_lines'}}}) }}
with

source_lines as (

    select count(*) as line_count, sum(amount_base) as total_base, sum(abs(amount_base)) as volume
    from {{ ref('stg_erp__journal_lines') }}

),

fact_lines as (

    select count(*) as line_count, sum(amount_base) as total_base, sum(abs(amount_base)) as volume
    from {{ ref('fct_gl_lines') }}

)

select *
from source_lines
cross join fact_lines as fact
where source_lines.line_count <> fact.line_count
    or source_lines.volume <> fact.volume
