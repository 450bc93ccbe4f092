-- One row per production transaction: a movement of value into (+) or out of (-) an
-- order's work in progress (docs/manufacturing.md, section 3), with its order, the
-- product, the item moved, the operation's work centre and the month.
with

transactions as (

    select * from {{ ref('stg_erp__production_transactions') }}

),

orders as (

    select * from {{ ref('stg_erp__production_orders') }}

),

operations as (

    select * from {{ ref('stg_erp__production_order_operations') }}

),

work_centres as (

    select * from {{ ref('stg_erp__work_centres') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        transactions.production_transaction_id,
        transactions.division_id,
        divisions.division_code,
        transactions.production_order_id as order_id,
        orders.order_number,
        orders.status as order_status,
        orders.item_id as product_item_id,
        products.item_code as product_item_code,
        transactions.transaction_date,
        {{ month_start('transactions.transaction_date') }} as month_start,
        cast(extract(year from transactions.transaction_date) as integer) as year,
        cast(extract(month from transactions.transaction_date) as integer) as month,
        transactions.kind,
        {{ production_cost_type('transactions.cost_type', 'transactions.kind') }} as cost_type,
        transactions.item_id,
        moved.item_code,
        transactions.production_order_operation_id as operation_id,
        operations.work_centre_id,
        work_centres.work_centre_code,
        {{ rate('transactions.quantity') }} as quantity,
        {{ rate('transactions.hours') }} as hours,
        {{ money('transactions.value_base') }} as value_base,
        transactions.stock_movement_id,
        transactions.entry_id
    from transactions
    inner join orders
        on transactions.production_order_id = orders.production_order_id
    inner join divisions
        on transactions.division_id = divisions.division_id
    inner join items as products
        on orders.item_id = products.item_id
    left join items as moved
        on transactions.item_id = moved.item_id
    left join operations
        on transactions.production_order_operation_id = operations.production_order_operation_id
    left join work_centres
        on operations.work_centre_id = work_centres.work_centre_id

)

select * from final
