-- Movement of the cumulative translation adjustment (CTA) per group level, month end and
-- division of the level, in the level's currency, signed as in the ledger (debit
-- positive: a translation loss is positive, a gain negative). closing is everything the
-- consolidation puts on the cta account for the division except what it moves on to the
-- non-controlling interests: its translation CTA, the translation of its goodwill
-- (goodwill_translation, the group's alone), an associate's CTA share (equity method, in
-- the row the elimination names) and top-side entries on cta in its column. opening is
-- last December's closing (0 before the first year), movement = closing - opening (the
-- year to date). closing splits into nci_share (the NCI's share of the division's own
-- CTA, which nci_cta moves to the nci account) and group_share (what stays in the
-- group's translation reserve): the group_share of all divisions is the cta balance of
-- the GROUP column of the consolidated trial balance.
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

cta_accounts as (

    select group_account_id from group_accounts where role = 'cta'

),

cta_postings as (

    select
        translation.group_division_id,
        translation.period_end,
        translation.division_id,
        translation.amount_group,
        'translation' as posting_type
    from translation
    inner join cta_accounts
        on translation.group_account_id = cta_accounts.group_account_id

    union all

    select
        eliminations.group_division_id,
        eliminations.period_end,
        eliminations.division_id,
        eliminations.amount_group,
        eliminations.elimination_type as posting_type
    from eliminations
    inner join cta_accounts
        on eliminations.group_account_id = cta_accounts.group_account_id

),

-- Every amount above is cumulative at its period end.
cumulative as (

    select
        group_division_id,
        period_end,
        division_id,
        sum(case when posting_type = 'nci_cta' then 0 else amount_group end) as closing,
        sum(case when posting_type = 'goodwill_translation' then amount_group else 0 end)
            as goodwill_translation,
        -- nci_cta takes the NCI's share off the cta account: minus what it posts there.
        -sum(case when posting_type = 'nci_cta' then amount_group else 0 end) as nci_share
    from cta_postings
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

-- Last December's amounts, on the month ends of the next year.
previous_year_end as (

    select
        periods.group_division_id,
        periods.period_end,
        cumulative.division_id,
        cumulative.closing
    from periods
    inner join year_ends
        on periods.group_division_id = year_ends.group_division_id
        and year_ends.fiscal_year = periods.fiscal_year - 1
    inner join cumulative
        on cumulative.group_division_id = year_ends.group_division_id
        and cumulative.period_end = year_ends.period_end

),

-- A row per division column of the level, and per division with a CTA now or last
-- December (one that left the level shows its CTA going to zero).
report_rows as (

    select group_division_id, period_end, division_id
    from trial_balance
    where column_kind = 'division'

    union

    select group_division_id, period_end, division_id from cumulative

    union

    select group_division_id, period_end, division_id from previous_year_end

),

final as (

    select
        cast(report_rows.group_division_id as bigint) as group_division_id,
        cast(periods.fiscal_year as bigint) as fiscal_year,
        report_rows.period_end,
        cast(report_rows.division_id as bigint) as division_id,
        {{ money('coalesce(previous_year_end.closing, 0)') }} as opening,
        {{ money('coalesce(cumulative.closing, 0) - coalesce(previous_year_end.closing, 0)') }}
            as movement,
        {{ money('coalesce(cumulative.closing, 0)') }} as closing,
        {{ money('coalesce(cumulative.goodwill_translation, 0)') }} as goodwill_translation,
        {{ money('coalesce(cumulative.nci_share, 0)') }} as nci_share,
        {{ money('coalesce(cumulative.closing, 0) - coalesce(cumulative.nci_share, 0)') }}
            as group_share
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

)

select * from final
