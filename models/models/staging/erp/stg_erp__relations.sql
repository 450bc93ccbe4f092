-- Customers and suppliers of a division.
with

source as (

    select * from {{ source('erp', 'relation') }}

),

renamed as (

    select
        id as relation_id,
        division_id,
        "code" as relation_code,
        "name" as relation_name,
        relation_type,
        country,
        currency_code,
        payment_terms_days,
        cast(credit_limit as decimal(19, 4)) as credit_limit,
        intercompany_division_id,
        is_active

    from source

)

select * from renamed
