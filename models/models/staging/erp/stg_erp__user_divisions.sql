-- The divisions each user may act in (admins act in all).
with

source as (

    select * from {{ source('erp', 'user_division') }}

),

renamed as (

    select
        user_id,
        division_id

    from source

)

select * from renamed
