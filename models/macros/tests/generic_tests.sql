{#- The few generic tests the project needs (no dbt_utils: no packages at run time). -#}

{#- The column sums to zero within every group: e.g. each journal entry balances. -#}
{% test sums_to_zero(model, column_name, group_by) %}
select
    {{ group_by | join(', ') }},
    sum({{ column_name }}) as total
from {{ model }}
group by {{ group_by | join(', ') }}
having sum({{ column_name }}) <> 0
{% endtest %}

{#- No two rows share the same values in these columns (a composite primary key). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as rows_with_key
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Every row satisfies the boolean SQL expression. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}

{#- Amounts fit the marts' money type, decimal(18,2), without rounding: a currency with
    three decimals (BHD, KWD) would otherwise lose its last digit in every mart. -#}
{% test fits_money(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} <> round({{ column_name }}, 2)
{% endtest %}

{#- No row satisfies the condition; when some do, the test stops with the message and the
    first 50 items (an expression per row) in dbt's output, not only a count: e.g. the
    unmapped accounts that keep the consolidation from running. The raise sits in the
    HAVING clause: dbt wraps a test in select count(*), and an engine drops a selected
    column nobody reads, raise and all. -#}
{% test none_listed(model, condition, message, item) %}
select 1 as failure
from {{ model }}
where {{ condition }}
having (
    case
        when count(*) > 0 then cast({{ raise_message(dbt.concat(["'" ~ message ~ ": '", dbt.listagg(item, "'; '", none, 50)])) }} as {{ dbt.type_string() }})
        else 'none'
    end
) is null
{% endtest %}
