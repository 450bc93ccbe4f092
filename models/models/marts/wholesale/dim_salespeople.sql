-- Salespeople per division.
with

salespeople as (

    select * from {{ ref('stg_erp__salespeople') }}

),

final as (

    select
        salesperson_id,
        division_id,
        salesperson_code,
        salesperson_name
    from salespeople

)

select * from final
