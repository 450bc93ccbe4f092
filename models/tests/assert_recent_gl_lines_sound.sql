-- The quick refresh's check of the incremental fact before it publishes (blocking): the
-- lines of the last load window (var gl_lookback_ids below the highest id, which holds
-- every line a quick refresh can add) are each in the fact once, with the ledger's
-- amount; every entry they belong to sums to zero; and the fact holds as many lines as
-- the ledger. Older lines are immutable and were checked when they arrived; the full
-- refresh checks them all again (unique, sums_to_zero, assert_gl_lines_complete).
-- Returns one row per problem.
-- dagster attaches it to fct_gl_lines as an asset check (it reads two models).
{{ config(tags=['blocking'], meta={'dagster': {'ref': {'name': 'fct_gl_lines'}}}) }}
with

window_start as (

    select coalesce(max(gl_line_id), 0) - {{ var('gl_lookback_ids') }} as low_id
    from {{ ref('fct_gl_lines') }}

),

recent_fact as (

    select fact.gl_line_id, fact.entry_id, fact.amount_base
    from {{ ref('fct_gl_lines') }} as fact
    where fact.gl_line_id > (select low_id from window_start)

),

recent_ledger as (

    select ledger.journal_line_id, ledger.amount_base
    from {{ ref('stg_erp__journal_lines') }} as ledger
    where ledger.journal_line_id > (select low_id from window_start)

),

duplicated as (

    select 'line ' || gl_line_id || ' is in the fact ' || count(*) || ' times' as problem
    from recent_fact
    group by gl_line_id
    having count(*) > 1

),

unbalanced as (

    select 'entry ' || entry_id || ' sums to ' || sum(amount_base) as problem
    from {{ ref('fct_gl_lines') }}
    where entry_id in (select entry_id from recent_fact)
    group by entry_id
    having sum(amount_base) <> 0

),

differing as (

    select
        'line ' || coalesce(ledger.journal_line_id, fact.gl_line_id)
        || ' differs between the ledger and the fact' as problem
    from recent_ledger as ledger
    full outer join recent_fact as fact
        on fact.gl_line_id = ledger.journal_line_id
    where ledger.journal_line_id is null
        or fact.gl_line_id is null
        or ledger.amount_base <> fact.amount_base

),

counted as (

    select 'the fact holds ' || fact_lines.n || ' lines, the ledger ' || ledger_lines.n as problem
    from (select count(*) as n from {{ ref('fct_gl_lines') }}) as fact_lines
    cross join (select count(*) as n from {{ ref('stg_erp__journal_lines') }}) as ledger_lines
    where fact_lines.n <> ledger_lines.n

)

select problem from duplicated
union all
select problem from unbalanced
union all
select problem from differing
union all
select problem from counted
