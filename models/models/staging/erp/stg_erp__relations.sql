-- Customers and suppliers of a division.
with

source as (

    select * from {{ source('erp', 'relation') }}

),

renamed as (

    select
        id as relation_id,
        division_id,
        source.code as relation_code,
        source.name as relation_name,
        relation_type,
        country,
        currency_code,
        payment_terms_days,
        {{ money('credit_limit') }} as credit_limit,
        intercompany_division_id,
        is_active

    from source

)

select * from renamed
