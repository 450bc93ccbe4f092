-- Items with their group and division.
with

items as (

    select * from {{ ref('stg_erp__items') }}

),

item_groups as (

    select * from {{ ref('stg_erp__item_groups') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        items.item_id,
        items.division_id,
        divisions.division_code,
        items.item_code,
        items.item_name,
        item_groups.item_group_code,
        item_groups.item_group_name,
        items.unit,
        items.tracking,
        items.cost_method,
        items.sales_price,
        items.purchase_price,
        items.is_active
    from items
    inner join divisions
        on items.division_id = divisions.division_id
    left join item_groups
        on items.item_group_id = item_groups.item_group_id

)

select * from final
