-- Material loss per component of the production orders that are completed or closed
-- (docs/manufacturing.md, section 3: issuing more than planned is allowed; it is the
-- loss). standard_quantity is what the completed output should have taken: the planned
-- quantity (for the whole order, scrap included) x completed / ordered; its planned
-- scrap part is standard_quantity x scrap / (100 + scrap). loss = issued (less returns)
-- - standard; negative is a saving. The loss is valued at the average cost it was issued
-- at (issued value / issued quantity), else at the planned unit cost.
with

orders as (

    select * from {{ ref('stg_erp__production_orders') }}
    where status in ('completed', 'closed')

),

materials as (

    select * from {{ ref('stg_erp__production_order_materials') }}

),

issues as (

    select
        production_order_material_id,
        sum(value_base) as issued_value
    from {{ ref('stg_erp__production_transactions') }}
    where kind in ('material_issue', 'material_return')
    group by production_order_material_id

),

items as (

    select * from {{ ref('stg_erp__items') }}

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

quantities as (

    select
        orders.division_id,
        orders.production_order_id,
        orders.order_number,
        orders.status,
        orders.item_id,
        orders.completed_on,
        materials.production_order_material_id,
        materials.line_number,
        materials.item_id as component_id,
        materials.scrap_pct,
        materials.quantity as planned_quantity,
        materials.unit_cost as planned_unit_cost,
        materials.quantity_issued as issued_quantity,
        coalesce(issues.issued_value, 0) as issued_value,
        {{ rate(divide('materials.quantity * orders.quantity_completed', 'orders.quantity')) }}
            as standard_quantity
    from orders
    inner join materials
        on orders.production_order_id = materials.production_order_id
    left join issues
        on materials.production_order_material_id = issues.production_order_material_id
    where orders.quantity > 0

),

losses as (

    select
        quantities.*,
        {{ rate('quantities.issued_quantity - quantities.standard_quantity') }} as loss_quantity
    from quantities

),

final as (

    select
        losses.division_id,
        divisions.division_code,
        losses.production_order_id as order_id,
        losses.order_number,
        losses.status as order_status,
        losses.item_id,
        products.item_code,
        losses.completed_on,
        {{ month_start('losses.completed_on') }} as month_start,
        cast(extract(year from losses.completed_on) as integer) as year,
        cast(extract(month from losses.completed_on) as integer) as month,
        losses.production_order_material_id as material_id,
        cast(losses.line_number as integer) as line_number,
        losses.component_id,
        components.item_code as component_code,
        components.item_name as component_name,
        {{ price('losses.scrap_pct') }} as scrap_pct,
        {{ rate('losses.planned_quantity') }} as planned_quantity,
        losses.standard_quantity,
        {{ rate(divide(
            'losses.standard_quantity * losses.scrap_pct', '100 + losses.scrap_pct'
        )) }} as planned_scrap_quantity,
        {{ rate('losses.issued_quantity') }} as issued_quantity,
        losses.loss_quantity,
        case
            when losses.issued_quantity <> 0
                then {{ price(divide('losses.issued_value', 'losses.issued_quantity')) }}
            else {{ price('losses.planned_unit_cost') }}
        end as unit_cost,
        {{ money('losses.standard_quantity * losses.planned_unit_cost') }} as planned_value,
        {{ money('losses.issued_value') }} as issued_value,
        case
            when losses.issued_quantity <> 0
                then {{ money(divide(
                    'losses.loss_quantity * losses.issued_value', 'losses.issued_quantity'
                )) }}
            else {{ money('losses.loss_quantity * losses.planned_unit_cost') }}
        end as loss_value,
        case
            when losses.standard_quantity <> 0
                then {{ price(divide('100 * losses.loss_quantity', 'losses.standard_quantity')) }}
        end as loss_pct
    from losses
    inner join divisions
        on losses.division_id = divisions.division_id
    inner join items as products
        on losses.item_id = products.item_id
    inner join items as components
        on losses.component_id = components.item_id

)

select * from final
