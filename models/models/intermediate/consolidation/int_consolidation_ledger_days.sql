{{ config(materialized='table') }}
-- The ledger of the divisions of a group structure per day, on group accounts: amounts in
-- the division's own currency (debit positive) per division, group account, intercompany
-- counterparty and entry date. The input of the translation and the eliminations.
-- Runs only once every account with lines is mapped: the test on
-- int_consolidation_unmapped_accounts fails first and dbt skips what follows.
-- depends_on: {{ ref('int_consolidation_unmapped_accounts') }}
with

lines as (

    select * from {{ ref('stg_erp__journal_lines') }}

),

entries as (

    select * from {{ ref('stg_erp__journal_entries') }}

),

account_map as (

    select * from {{ ref('int_consolidation_account_map') }}

),

chains as (

    select distinct division_id from {{ ref('int_consolidation_group_chains') }}

),

final as (

    select
        lines.division_id,
        account_map.group_account_id,
        lines.counterparty_division_id,
        entries.entry_date,
        {{ money('sum(lines.amount_base)') }} as amount_local
    from lines
    inner join entries
        on lines.entry_id = entries.entry_id
    inner join account_map
        on account_map.division_id = lines.division_id
        and account_map.account_id = lines.account_id
    where lines.division_id in (select division_id from chains)
        and account_map.group_account_id is not null
    group by
        lines.division_id,
        account_map.group_account_id,
        lines.counterparty_division_id,
        entries.entry_date

)

select * from final
