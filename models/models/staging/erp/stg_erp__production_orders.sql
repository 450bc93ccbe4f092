-- Production orders: make a quantity of an item, with the standard cost per unit (copied at release) the order is measured against.
with

source as (

    select * from {{ source('erp', 'production_order') }}

),

renamed as (

    select
        id as production_order_id,
        division_id,
        number as order_number,
        source.status as status,
        item_id,
        bom_id,
        warehouse_id,
        cast(quantity as decimal(19, 8)) as quantity,
        cast(quantity_completed as decimal(19, 8)) as quantity_completed,
        cast(start_date as date) as start_date,
        cast(due_date as date) as due_date,
        cast(released_on as date) as released_on,
        cast(completed_on as date) as completed_on,
        cast(closed_on as date) as closed_on,
        backflush,
        sales_order_line_id,
        parent_order_id,
        cast(standard_material as decimal(19, 8)) as standard_material,
        cast(standard_labour as decimal(19, 8)) as standard_labour,
        cast(standard_machine as decimal(19, 8)) as standard_machine,
        cast(standard_outsourced as decimal(19, 8)) as standard_outsourced,
        cast(standard_overhead as decimal(19, 8)) as standard_overhead,
        description,
        created_by as created_by_user_id

    from source

)

select * from renamed
