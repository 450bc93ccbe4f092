-- Open sales orders and back orders per division and calendar month-end, as they stood at
-- that month-end: every month from the first order month through the month of the
-- as_of_date var, for every division (zero where nothing was open). The month of the
-- as-of date is taken at the as-of date (snapshot_date = the earlier of the month-end
-- and the as-of date), so a month not yet over is not judged by its end.
-- At a snapshot date D, an order line (orders in status 'order' or 'closed', ordered on
-- or before D; quotes and cancelled orders left out) is
--   open when its quantity - delivered_by_D > 0, delivered_by_D being the quantity of its
--     delivery lines dated on or before D (customer returns do not reopen a line, as in
--     fct_sales_order_lines);
--   a back order when it is open and partly delivered by D, or its requested date is
--     before D.
-- open value = open quantity x unit price, in base currency at the order date's rate (as
-- fct_sales_order_lines); the group amounts translate the division's total at the rate of
-- the snapshot date (a balance, like the balance sheet's period-end rate).
-- Limitation: the source keeps only the current order. cancel_order cuts a partly
-- delivered line's quantity to what was delivered and marks an undelivered order
-- 'cancelled', so cancelled quantities count as never ordered, also at month-ends
-- before the cancellation; likewise a line's quantity and price as they are now.
with

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

orders as (

    select * from {{ ref('stg_erp__sales_orders') }}
    where status in ('order', 'closed')
        and order_date is not null

),

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

delivery_lines as (

    select * from {{ ref('stg_erp__delivery_lines') }}

),

deliveries as (

    select * from {{ ref('stg_erp__deliveries') }}

),

cross_rates as (

    select * from {{ ref('int_currency_cross_rates_daily') }}

),

daily_rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

line_deliveries as (

    -- Quantity delivered per order line and delivery date.
    select
        delivery_lines.sales_order_line_id,
        deliveries.delivery_date,
        sum(delivery_lines.quantity) as quantity
    from delivery_lines
    inner join deliveries
        on delivery_lines.delivery_id = deliveries.delivery_id
    group by delivery_lines.sales_order_line_id, deliveries.delivery_date

),

lines as (

    select
        order_lines.sales_order_line_id,
        orders.division_id,
        orders.order_date,
        orders.requested_date,
        order_lines.quantity,
        order_lines.unit_price,
        cross_rates.rate as order_rate
    from order_lines
    inner join orders
        on order_lines.sales_order_id = orders.sales_order_id
    inner join divisions
        on orders.division_id = divisions.division_id
    left join cross_rates
        on cross_rates.date_day = orders.order_date
        and cross_rates.from_currency_code = orders.currency_code
        and cross_rates.to_currency_code = divisions.currency_code

),

running_deliveries as (

    select
        line_deliveries.sales_order_line_id,
        line_deliveries.delivery_date,
        sum(line_deliveries.quantity) over (
            partition by line_deliveries.sales_order_line_id
            order by line_deliveries.delivery_date
            rows between unbounded preceding and current row
        ) as delivered_to_date
    from line_deliveries

),

fully_delivered as (

    -- The day a line's deliveries reached its quantity (no row: never fully delivered).
    select
        lines.sales_order_line_id,
        min(running_deliveries.delivery_date) as fully_delivered_date
    from lines
    inner join running_deliveries
        on lines.sales_order_line_id = running_deliveries.sales_order_line_id
        and running_deliveries.delivered_to_date >= lines.quantity
    group by lines.sales_order_line_id

),

month_ends as (

    select
        dates.date_day as month_end,
        dates.year,
        dates.month,
        case
            when dates.date_day > {{ as_of_date() }} then {{ as_of_date() }}
            else dates.date_day
        end as snapshot_date
    from dates
    where extract(day from {{ add_days(1, 'dates.date_day') }}) = 1
        and dates.date_day >= (select min(order_date) from lines)
        and dates.month_start <= {{ as_of_date() }}

),

line_months as (

    -- Each line at each snapshot date from its order date until it is fully delivered.
    select
        month_ends.month_end,
        month_ends.snapshot_date,
        lines.*
    from lines
    inner join month_ends
        on lines.order_date <= month_ends.snapshot_date
    left join fully_delivered
        on lines.sales_order_line_id = fully_delivered.sales_order_line_id
    where fully_delivered.fully_delivered_date is null
        or fully_delivered.fully_delivered_date > month_ends.snapshot_date

),

delivered_by_month as (

    select
        line_months.sales_order_line_id,
        line_months.month_end,
        coalesce(sum(line_deliveries.quantity), 0) as delivered
    from line_months
    left join line_deliveries
        on line_months.sales_order_line_id = line_deliveries.sales_order_line_id
        and line_deliveries.delivery_date <= line_months.snapshot_date
    group by line_months.sales_order_line_id, line_months.month_end

),

open_lines as (

    select
        line_months.division_id,
        line_months.month_end,
        {{ money(
            'coalesce((line_months.quantity - delivered_by_month.delivered)
                * line_months.unit_price * line_months.order_rate, 0)'
        ) }} as open_value_base,
        delivered_by_month.delivered > 0
            or coalesce(line_months.requested_date < line_months.snapshot_date, false)
            as is_back_order
    from line_months
    inner join delivered_by_month
        on line_months.sales_order_line_id = delivered_by_month.sales_order_line_id
        and line_months.month_end = delivered_by_month.month_end
    where line_months.quantity - delivered_by_month.delivered > 0

),

totals as (

    select
        division_id,
        month_end,
        count(*) as open_lines,
        sum(open_value_base) as open_value_base,
        sum(case when is_back_order then 1 else 0 end) as back_order_lines,
        sum(case when is_back_order then open_value_base else 0 end) as back_order_value_base
    from open_lines
    group by division_id, month_end

),

final as (

    select
        divisions.division_id,
        divisions.division_code,
        cast(month_ends.year as integer) as year,
        cast(month_ends.month as integer) as month,
        month_ends.month_end,
        month_ends.snapshot_date,
        cast(coalesce(totals.open_lines, 0) as integer) as open_lines,
        {{ money('coalesce(totals.open_value_base, 0)') }} as open_value_base,
        {{ money('coalesce(totals.open_value_base, 0) * snapshot_rates.rate_to_group') }}
            as open_value_group,
        cast(coalesce(totals.back_order_lines, 0) as integer) as back_order_lines,
        {{ money('coalesce(totals.back_order_value_base, 0)') }} as back_order_value_base,
        {{ money('coalesce(totals.back_order_value_base, 0) * snapshot_rates.rate_to_group') }}
            as back_order_value_group
    from divisions
    cross join month_ends
    left join totals
        on divisions.division_id = totals.division_id
        and month_ends.month_end = totals.month_end
    left join daily_rates as snapshot_rates
        on divisions.currency_code = snapshot_rates.currency_code
        and month_ends.snapshot_date = snapshot_rates.date_day

)

select * from final
