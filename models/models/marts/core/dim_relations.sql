-- Customers and suppliers per division; intercompany relations point at another division.
with

relations as (

    select * from {{ ref('stg_erp__relations') }}

),

final as (

    select
        relation_id,
        division_id,
        relation_code,
        relation_name,
        relation_type,
        country,
        currency_code,
        payment_terms_days,
        credit_limit,
        intercompany_division_id is not null as is_intercompany
    from relations

)

select * from final
