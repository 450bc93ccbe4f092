-- Supplier delivery performance per division, supplier and year of the order date (from
-- fct_purchase_lines; lines of cancelled orders left out).
--   order_lines: purchase order lines ordered in the year;
--   on_time_lines: lines fully received on or before their promised date;
--   on_time_pct = 100 x on_time_lines / the lines that can be judged (is_on_time not null:
--     fully received, or past the promised date);
--   avg_promised_lead_days over all lines, avg_actual_lead_days over lines with a receipt
--     (order date to the last receipt);
--   returns_pct = 100 x quantity_returned / quantity_received (percentages, 0-100).
with

purchase_lines as (

    select purchase_lines.*
    from {{ ref('fct_purchase_lines') }} as purchase_lines
    inner join {{ ref('stg_erp__purchase_orders') }} as orders
        on purchase_lines.purchase_order_id = orders.purchase_order_id
    where orders.status <> 'cancelled'

),

aggregated as (

    select
        division_id,
        division_code,
        relation_id,
        supplier_code,
        supplier_name,
        cast(extract(year from order_date) as integer) as year,
        cast(count(*) as integer) as order_lines,
        cast(sum(case when is_on_time then 1 else 0 end) as integer) as on_time_lines,
        sum(case when is_on_time is not null then 1 else 0 end) as judged_lines,
        avg(promised_lead_days) as avg_promised_lead_days,
        avg(actual_lead_days) as avg_actual_lead_days,
        sum(quantity_received) as quantity_received,
        sum(quantity_returned) as quantity_returned
    from purchase_lines
    group by
        division_id,
        division_code,
        relation_id,
        supplier_code,
        supplier_name,
        cast(extract(year from order_date) as integer)

),

final as (

    select
        division_id,
        division_code,
        relation_id,
        supplier_code,
        supplier_name,
        year,
        order_lines,
        on_time_lines,
        case
            when judged_lines > 0
                then {{ rate(divide('100.0 * on_time_lines', 'judged_lines')) }}
        end as on_time_pct,
        {{ rate('avg_promised_lead_days') }} as avg_promised_lead_days,
        {{ rate('avg_actual_lead_days') }} as avg_actual_lead_days,
        {{ rate('quantity_received') }} as quantity_received,
        {{ rate('quantity_returned') }} as quantity_returned,
        case
            when quantity_received > 0
                then {{ rate(divide('100 * quantity_returned', 'quantity_received')) }}
        end as returns_pct
    from aggregated

)

select * from final
