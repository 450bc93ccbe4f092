-- A sub-ledger against the ledger at every period end (mart_stock_reconciliation: stock
-- movements against the inventory accounts; mart_wip_position: production transactions
-- against the WIP account). The shared parts live here so both reconcile the same way:
-- which periods, at which date, and "cumulative through that date".

-- Every period of dim_periods started by the as_of_date var; the current, unfinished one
-- is taken at the as_of_date (its valuation_date).
{% macro valuation_periods() -%}
    select
        *,
        least(period_end, {{ as_of_date() }}) as valuation_date
    from {{ ref('dim_periods') }}
    where period_start <= {{ as_of_date() }}
{%- endmacro %}

-- The ledger per division and day on the accounts of the CTE ``accounts`` (account_id).
{% macro ledger_days(accounts) -%}
    select
        gl_lines.division_id,
        gl_lines.entry_date,
        sum(gl_lines.amount_base) as amount_base
    from {{ ref('fct_gl_lines') }} as gl_lines
    inner join {{ accounts }}
        on gl_lines.account_id = {{ accounts }}.account_id
    group by gl_lines.division_id, gl_lines.entry_date
{%- endmacro %}

-- ``value`` of the CTE ``days`` (division_id, ``day``) summed through each period's
-- valuation date, per period of the CTE ``periods`` (and per ``by``, when given), as
-- ``name``.
{% macro cumulative_at_period_ends(days, day, value, name, by=none) -%}
    select
        periods.period_id,
        {% if by %}{{ days }}.{{ by }},{% endif %}
        sum({{ days }}.{{ value }}) as {{ name }}
    from periods
    inner join {{ days }}
        on periods.division_id = {{ days }}.division_id
        and {{ days }}.{{ day }} <= periods.valuation_date
    group by periods.period_id{% if by %}, {{ days }}.{{ by }}{% endif %}
{%- endmacro %}
