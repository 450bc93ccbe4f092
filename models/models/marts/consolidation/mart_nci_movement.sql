-- Movement of the non-controlling interests (IFRS 10) per group level, month end and
-- subsidiary, in the level's currency, signed as in the ledger (the NCI's equity is a
-- credit: negative; its share of a profit negative, of a loss positive). closing is
-- everything on the nci account for the subsidiary at the month end; opening is last
-- December's closing (0 before the first year); the movements of the year to date
-- between them: at_acquisition (the NCI's share of the net assets at acquisition, less
-- the direct parent's minority's share of the investment it paid: nci_investment),
-- share_of_result (of the result since acquisition), share_of_cta (of the translation
-- adjustment) and share_of_equity_movements (of dividends and other equity movements;
-- top-side entries on the nci account too), so closing = opening + the four. The
-- closings of all subsidiaries are the nci balance of the GROUP column of the
-- consolidated trial balance.
with

translation as (

    select * from {{ ref('fct_consolidation_translation') }}

),

eliminations as (

    select * from {{ ref('fct_consolidation_eliminations') }}

),

group_accounts as (

    select * from {{ ref('dim_group_accounts') }}

),

trial_balance as (

    select * from {{ ref('mart_consolidated_trial_balance') }}

),

nci_accounts as (

    select group_account_id from group_accounts where role = 'nci'

),

-- A division's own lines mapped to the nci account (none in a usual chart) count as
-- equity movements, so the closing is still the account's whole balance.
nci_postings as (

    select
        translation.group_division_id,
        translation.period_end,
        translation.division_id,
        translation.amount_group as amount,
        'translation' as posting_type
    from translation
    inner join nci_accounts
        on translation.group_account_id = nci_accounts.group_account_id

    union all

    select
        eliminations.group_division_id,
        eliminations.period_end,
        eliminations.division_id,
        eliminations.amount_group as amount,
        eliminations.elimination_type as posting_type
    from eliminations
    inner join nci_accounts
        on eliminations.group_account_id = nci_accounts.group_account_id

),

-- Every amount above is cumulative at its period end.
cumulative as (

    select
        group_division_id,
        period_end,
        division_id,
        sum(case when posting_type in ('nci_at_acquisition', 'nci_investment') then amount else 0 end)
            as at_acquisition,
        sum(case when posting_type = 'nci_result' then amount else 0 end)
            as share_of_result,
        sum(case when posting_type = 'nci_cta' then amount else 0 end)
            as share_of_cta,
        sum(case
            when posting_type in ('nci_at_acquisition', 'nci_investment', 'nci_result', 'nci_cta')
                then 0
            else amount
        end) as share_of_equity_movements,
        sum(amount) as closing
    from nci_postings
    group by group_division_id, period_end, division_id

),

periods as (

    select distinct group_division_id, period_end, fiscal_year
    from trial_balance

),

-- The last month end of each year: December for every year but the current one.
year_ends as (

    select group_division_id, fiscal_year, max(period_end) as period_end
    from periods
    group by group_division_id, fiscal_year

),

-- Last December's cumulative amounts, on the month ends of the next year.
previous_year_end as (

    select
        periods.group_division_id,
        periods.period_end,
        cumulative.division_id,
        cumulative.at_acquisition,
        cumulative.share_of_result,
        cumulative.share_of_cta,
        cumulative.share_of_equity_movements,
        cumulative.closing
    from periods
    inner join year_ends
        on periods.group_division_id = year_ends.group_division_id
        and year_ends.fiscal_year = periods.fiscal_year - 1
    inner join cumulative
        on cumulative.group_division_id = year_ends.group_division_id
        and cumulative.period_end = year_ends.period_end

),

-- A row per subsidiary column of the level (the level's own division has no NCI in it),
-- and per division with NCI now or last December (one that left the level shows its
-- NCI going to zero).
report_rows as (

    select group_division_id, period_end, division_id
    from trial_balance
    where column_kind = 'division'
        and division_id <> group_division_id

    union

    select group_division_id, period_end, division_id from cumulative

    union

    select group_division_id, period_end, division_id from previous_year_end

),

movements as (

    select
        report_rows.group_division_id,
        periods.fiscal_year,
        report_rows.period_end,
        report_rows.division_id,
        coalesce(previous_year_end.closing, 0) as opening,
        coalesce(cumulative.at_acquisition, 0) - coalesce(previous_year_end.at_acquisition, 0)
            as at_acquisition,
        coalesce(cumulative.share_of_result, 0) - coalesce(previous_year_end.share_of_result, 0)
            as share_of_result,
        coalesce(cumulative.share_of_cta, 0) - coalesce(previous_year_end.share_of_cta, 0)
            as share_of_cta,
        coalesce(cumulative.share_of_equity_movements, 0)
            - coalesce(previous_year_end.share_of_equity_movements, 0)
            as share_of_equity_movements,
        coalesce(cumulative.closing, 0) as closing
    from report_rows
    inner join periods
        on report_rows.group_division_id = periods.group_division_id
        and report_rows.period_end = periods.period_end
    left join cumulative
        on report_rows.group_division_id = cumulative.group_division_id
        and report_rows.period_end = cumulative.period_end
        and report_rows.division_id = cumulative.division_id
    left join previous_year_end
        on report_rows.group_division_id = previous_year_end.group_division_id
        and report_rows.period_end = previous_year_end.period_end
        and report_rows.division_id = previous_year_end.division_id

),

final as (

    select
        cast(group_division_id as bigint) as group_division_id,
        cast(fiscal_year as bigint) as fiscal_year,
        period_end,
        cast(division_id as bigint) as division_id,
        {{ money('opening') }} as opening,
        {{ money('at_acquisition') }} as at_acquisition,
        {{ money('share_of_result') }} as share_of_result,
        {{ money('share_of_cta') }} as share_of_cta,
        {{ money('share_of_equity_movements') }} as share_of_equity_movements,
        {{ money('closing') }} as closing
    from movements

)

select * from final
