-- People (and the system) acting on the books.
with

source as (

    select * from {{ source('erp', 'app_user') }}

),

renamed as (

    select
        id as user_id,
        username,
        full_name,
        source.role as role,
        is_active

    from source

)

select * from renamed
