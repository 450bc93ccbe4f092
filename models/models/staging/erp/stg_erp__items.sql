-- Items (articles) sold or bought; prices and costs in the division's base currency.
with

source as (

    select * from {{ source('erp', 'item') }}

),

renamed as (

    select
        id as item_id,
        division_id,
        "code" as item_code,
        "name" as item_name,
        item_group_id,
        unit,
        tracking,
        allow_negative_stock,
        cost_method,
        cast(standard_cost as decimal(19, 4)) as standard_cost,
        cast(sales_price as decimal(19, 4)) as sales_price,
        cast(purchase_price as decimal(19, 4)) as purchase_price,
        revenue_account_id,
        cost_account_id,
        is_active

    from source

)

select * from renamed
