-- Every (division, account) with ledger lines that has no group account, in the divisions
-- of a group structure: consolidation refuses to run while there is one, rather than drop
-- amounts (the test on this model stops the refresh and lists them by division code,
-- account code and name). A ledger without a group structure consolidates nothing and
-- needs no mapping.
with

lines as (

    select division_id, account_id from {{ ref('stg_erp__journal_lines') }}

),

account_map as (

    select * from {{ ref('int_consolidation_account_map') }}

),

chains as (

    select distinct division_id from {{ ref('int_consolidation_group_chains') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

accounts as (

    select * from {{ ref('stg_erp__accounts') }}

),

used as (

    select division_id, account_id, count(*) as line_count
    from lines
    where division_id in (select division_id from chains)
    group by division_id, account_id

),

final as (

    select
        used.division_id,
        divisions.division_code,
        used.account_id,
        accounts.account_code,
        accounts.account_name,
        used.line_count
    from used
    inner join divisions
        on used.division_id = divisions.division_id
    inner join accounts
        on used.account_id = accounts.account_id
    left join account_map
        on account_map.division_id = used.division_id
        and account_map.account_id = used.account_id
    where account_map.group_account_id is null

)

select * from final
