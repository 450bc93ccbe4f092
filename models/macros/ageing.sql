{#- The ageing of open invoices of one type ('sales' or 'purchase') on the ageing date:
    days overdue, bucket, and the open amount in the group currency at that date's rate
    (the latest rate on or before it). Shared by the receivables and payables ageing. -#}
{% macro ageing_of(invoice_type) %}
with

open_invoices as (

    select * from {{ ref('int_invoices_open') }}
    where invoice_type = '{{ invoice_type }}'

),

divisions as (

    select division_id, currency_code from {{ ref('stg_erp__divisions') }}

),

daily_rates as (

    select * from {{ ref('int_exchange_rates_daily') }}

),

ageing_rates as (

    select currency_code, rate_to_group
    from daily_rates
    where date_day = (select max(date_day) from daily_rates where date_day <= {{ as_of_date() }})

),

aged as (

    select
        open_invoices.*,
        ageing_rates.rate_to_group,
        {{ days_between('open_invoices.due_date', as_of_date()) }} as days_overdue
    from open_invoices
    inner join divisions
        on open_invoices.division_id = divisions.division_id
    left join ageing_rates
        on divisions.currency_code = ageing_rates.currency_code

),

final as (

    select
        division_id,
        relation_id,
        relation_name,
        invoice_id,
        document_number,
        invoice_date,
        due_date,
        currency_code,
        open_amount,
        open_amount_base,
        {{ money('open_amount_base * rate_to_group') }} as open_amount_group,
        days_overdue,
        {{ ageing_bucket('days_overdue') }} as ageing_bucket,
        {{ ageing_bucket_order('days_overdue') }} as bucket_order,
        {{ as_of_date() }} as as_of_date
    from aged

)

select * from final
{% endmacro %}

{#- The ageing bucket of a number of days overdue, and its order (0 'Not due' to 4 '90+'):
    one definition for the ageing on the ageing date and the ageing at every period end. -#}
{% macro ageing_bucket(days) -%}
    case
        when {{ days }} <= 0 then 'Not due'
        when {{ days }} <= 30 then '1-30'
        when {{ days }} <= 60 then '31-60'
        when {{ days }} <= 90 then '61-90'
        else '90+'
    end
{%- endmacro %}

{% macro ageing_bucket_order(days) -%}
    case
        when {{ days }} <= 0 then 0
        when {{ days }} <= 30 then 1
        when {{ days }} <= 60 then 2
        when {{ days }} <= 90 then 3
        else 4
    end
{%- endmacro %}
