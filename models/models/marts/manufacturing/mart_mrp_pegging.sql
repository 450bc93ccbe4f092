-- The pegging of the latest MRP run of each division: per peg, the advice (planned
-- order), the demand it serves (sales order line, sales plan row, an open production
-- order's material, or a parent advice) and the root demand at the top of the chain,
-- with the sales order number and customer where the root is a sales order line (or a
-- production order made for one). The drill-down from mart_mrp_advice.
with

pegs as (

    select * from {{ ref('int_mrp_peg_roots') }}

),

runs as (

    select * from {{ ref('int_mrp_latest_runs') }}

),

advice as (

    select * from {{ ref('stg_erp__mrp_advice') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

relations as (

    select * from {{ ref('stg_erp__relations') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        pegs.division_id,
        divisions.division_code,
        pegs.mrp_peg_id as peg_id,
        pegs.mrp_advice_id as advice_id,
        pegs.mrp_run_id as run_id,
        advice.item_id,
        items.item_code,
        advice.action,
        {{ rate('advice.quantity') }} as advice_quantity,
        advice.order_date,
        advice.due_date,
        advice.order_date < runs.start_date as is_late,
        pegs.demand_type,
        cast(pegs.demand_id as bigint) as demand_id,
        pegs.demand_date,
        {{ rate('pegs.quantity') }} as quantity,
        pegs.parent_advice_id,
        pegs.demand_item_id,
        demand_items.item_code as demand_item_code,
        pegs.demand_document_number,
        pegs.root_type,
        cast(pegs.root_id as bigint) as root_id,
        root_items.item_code as root_item_code,
        pegs.root_document_number,
        pegs.sales_order_id,
        pegs.sales_order_number,
        pegs.sales_order_line_id,
        pegs.customer_id,
        customers.relation_name as customer_name
    from pegs
    inner join advice
        on pegs.mrp_advice_id = advice.mrp_advice_id
    inner join runs
        on pegs.mrp_run_id = runs.mrp_run_id
    inner join divisions
        on pegs.division_id = divisions.division_id
    inner join items
        on advice.item_id = items.item_id
    left join items as demand_items
        on pegs.demand_item_id = demand_items.item_id
    left join items as root_items
        on pegs.root_item_id = root_items.item_id
    left join relations as customers
        on pegs.customer_id = customers.relation_id

)

select * from final
