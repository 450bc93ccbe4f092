-- The pegs of the latest MRP run of each division, with what their demand and their root
-- (the independent demand at the top of the chain) are: the item that demands, and the
-- document behind it. A sales_order demand or root is a sales order line; a
-- production_order demand is an open order's material line, a production_order root the
-- order itself; a sales_plan one a plan row; a planned_order demand the parent advice.
-- The customer is that of the root's sales order, or of the sales order line a root
-- production order was made for.
with

runs as (

    select * from {{ ref('int_mrp_latest_runs') }}

),

advice as (

    select * from {{ ref('stg_erp__mrp_advice') }}

),

pegs as (

    select * from {{ ref('stg_erp__mrp_pegs') }}

),

sales_order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

sales_orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

sales_plans as (

    select * from {{ ref('stg_erp__sales_plans') }}

),

production_orders as (

    select * from {{ ref('stg_erp__production_orders') }}

),

production_materials as (

    select * from {{ ref('stg_erp__production_order_materials') }}

),

latest_pegs as (

    select
        pegs.*,
        advice.mrp_run_id,
        advice.division_id
    from pegs
    inner join advice
        on pegs.mrp_advice_id = advice.mrp_advice_id
    inner join runs
        on advice.mrp_run_id = runs.mrp_run_id

),

demands as (

    select
        latest_pegs.mrp_peg_id,
        case when latest_pegs.demand_type = 'planned_order' then latest_pegs.demand_id end
            as parent_advice_id,
        case latest_pegs.demand_type
            when 'sales_order' then demand_lines.item_id
            when 'sales_plan' then demand_plans.item_id
            when 'production_order' then demand_orders.item_id
            when 'planned_order' then parent_advice.item_id
        end as demand_item_id,
        case latest_pegs.demand_type
            when 'sales_order' then demand_sales_orders.order_number
            when 'production_order' then demand_orders.order_number
        end as demand_document_number
    from latest_pegs
    left join sales_order_lines as demand_lines
        on latest_pegs.demand_type = 'sales_order'
        and latest_pegs.demand_id = demand_lines.sales_order_line_id
    left join sales_orders as demand_sales_orders
        on demand_lines.sales_order_id = demand_sales_orders.sales_order_id
    left join sales_plans as demand_plans
        on latest_pegs.demand_type = 'sales_plan'
        and latest_pegs.demand_id = demand_plans.sales_plan_id
    left join production_materials as demand_materials
        on latest_pegs.demand_type = 'production_order'
        and latest_pegs.demand_id = demand_materials.production_order_material_id
    left join production_orders as demand_orders
        on demand_materials.production_order_id = demand_orders.production_order_id
    left join advice as parent_advice
        on latest_pegs.demand_type = 'planned_order'
        and latest_pegs.demand_id = parent_advice.mrp_advice_id

),

roots as (

    select
        latest_pegs.mrp_peg_id,
        case latest_pegs.root_type
            when 'sales_order' then root_lines.item_id
            when 'sales_plan' then root_plans.item_id
            when 'production_order' then root_orders.item_id
        end as root_item_id,
        case latest_pegs.root_type
            when 'sales_order' then root_sales_orders.order_number
            when 'production_order' then root_orders.order_number
        end as root_document_number,
        root_plans.period_start as root_plan_period_start,
        coalesce(root_lines.sales_order_line_id, root_order_lines.sales_order_line_id)
            as sales_order_line_id,
        coalesce(root_sales_orders.sales_order_id, root_order_sales_orders.sales_order_id)
            as sales_order_id,
        coalesce(root_sales_orders.order_number, root_order_sales_orders.order_number)
            as sales_order_number,
        coalesce(root_sales_orders.relation_id, root_order_sales_orders.relation_id)
            as customer_id
    from latest_pegs
    left join sales_order_lines as root_lines
        on latest_pegs.root_type = 'sales_order'
        and latest_pegs.root_id = root_lines.sales_order_line_id
    left join sales_orders as root_sales_orders
        on root_lines.sales_order_id = root_sales_orders.sales_order_id
    left join sales_plans as root_plans
        on latest_pegs.root_type = 'sales_plan'
        and latest_pegs.root_id = root_plans.sales_plan_id
    left join production_orders as root_orders
        on latest_pegs.root_type = 'production_order'
        and latest_pegs.root_id = root_orders.production_order_id
    left join sales_order_lines as root_order_lines
        on root_orders.sales_order_line_id = root_order_lines.sales_order_line_id
    left join sales_orders as root_order_sales_orders
        on root_order_lines.sales_order_id = root_order_sales_orders.sales_order_id

),

final as (

    select
        latest_pegs.mrp_peg_id,
        latest_pegs.mrp_advice_id,
        latest_pegs.mrp_run_id,
        latest_pegs.division_id,
        latest_pegs.demand_type,
        latest_pegs.demand_id,
        latest_pegs.demand_date,
        latest_pegs.quantity,
        demands.parent_advice_id,
        demands.demand_item_id,
        demands.demand_document_number,
        latest_pegs.root_type,
        latest_pegs.root_id,
        roots.root_item_id,
        roots.root_document_number,
        roots.root_plan_period_start,
        roots.sales_order_id,
        roots.sales_order_number,
        roots.sales_order_line_id,
        roots.customer_id
    from latest_pegs
    inner join demands
        on latest_pegs.mrp_peg_id = demands.mrp_peg_id
    inner join roots
        on latest_pegs.mrp_peg_id = roots.mrp_peg_id

)

select * from final
