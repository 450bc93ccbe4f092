-- The advice (planned orders) of the latest MRP run of each division (docs/manufacturing.md,
-- section 5): item, buy or make, quantity, order and due date. An order date before the
-- run's start is kept by MRP and flagged here (is_late, days_late). The supplier is the
-- item's planning supplier (a buy advice is ordered there, else from the item's last
-- supplier when converted). root_demands: the documents at the top of the advice's
-- pegging chains (sales order numbers, production order numbers, 'plan YYYY-MM-DD'),
-- sorted and '; '-separated.
with

runs as (

    select * from {{ ref('int_mrp_latest_runs') }}

),

advice as (

    select * from {{ ref('stg_erp__mrp_advice') }}

),

peg_roots as (

    select
        mrp_advice_id,
        coalesce(
            root_document_number,
            case
                when root_type = 'sales_plan'
                    then {{ dbt.concat([
                        "'plan '",
                        "cast(root_plan_period_start as " ~ dbt.type_string() ~ ")",
                    ]) }}
            end
        ) as root_label
    from {{ ref('int_mrp_peg_roots') }}

),

roots as (

    select
        mrp_advice_id,
        count(distinct root_label) as root_count,
        {{ sorted_distinct_join('root_label', "'; '") }} as root_demands
    from peg_roots
    group by mrp_advice_id

),

planning as (

    select * from {{ ref('stg_erp__item_planning') }}

),

relations as (

    select * from {{ ref('stg_erp__relations') }}

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

final as (

    select
        advice.division_id,
        divisions.division_code,
        advice.mrp_advice_id as advice_id,
        advice.mrp_run_id as run_id,
        runs.start_date as run_start_date,
        runs.bucket,
        advice.item_id,
        items.item_code,
        items.item_name,
        advice.action,
        {{ rate('advice.quantity') }} as quantity,
        advice.order_date,
        advice.due_date,
        advice.status,
        advice.order_date < runs.start_date as is_late,
        case
            when advice.order_date < runs.start_date
                then {{ days_between('advice.order_date', 'runs.start_date') }}
            else cast(0 as bigint)
        end as days_late,
        case when advice.action = 'buy' then planning.supplier_id end as supplier_id,
        case when advice.action = 'buy' then suppliers.relation_name end as supplier_name,
        advice.purchase_order_id,
        advice.production_order_id,
        cast(coalesce(roots.root_count, 0) as bigint) as root_count,
        roots.root_demands
    from advice
    inner join runs
        on advice.mrp_run_id = runs.mrp_run_id
    inner join divisions
        on advice.division_id = divisions.division_id
    inner join items
        on advice.item_id = items.item_id
    left join planning
        on advice.item_id = planning.item_id
    left join relations as suppliers
        on planning.supplier_id = suppliers.relation_id
    left join roots
        on advice.mrp_advice_id = roots.mrp_advice_id

)

select * from final
