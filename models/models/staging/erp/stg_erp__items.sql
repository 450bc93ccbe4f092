-- Items (articles) sold or bought; prices and costs in the division's base currency.
with

source as (

    select * from {{ source('erp', 'item') }}

),

renamed as (

    select
        id as item_id,
        division_id,
        source.code as item_code,
        source.name as item_name,
        item_group_id,
        unit,
        tracking,
        allow_negative_stock,
        cost_method,
        {{ price('standard_cost') }} as standard_cost,
        {{ price('sales_price') }} as sales_price,
        {{ price('purchase_price') }} as purchase_price,
        revenue_account_id,
        cost_account_id,
        is_active

    from source

)

select * from renamed
