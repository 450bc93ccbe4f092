{{ config(materialized='table') }}
-- Each division of each group level (and each associate, for the equity method) at each
-- period end, per group account: the cumulative amount in its own currency and translated
-- into the level currency (docs/consolidation.md, "Translation of a division"), and the
-- division's CTA on the cta account so that its translated trial balance sums to zero.
-- - closing: balance at the period end x closing rate, per account;
-- - average: the months' rounded movements after the acquisition date, plus the
--   pre-acquisition amount at the acquisition-date rate (one amount per account);
-- - historical: the days' rounded movements after the acquisition date, plus the same
--   pre-acquisition amount.
-- Beside the amount: the part of it from before 1 January of the period's year
-- (amount_group_prior: the trial balance folds it into retained earnings on P&L
-- accounts) and the pre-acquisition amount at the acquisition rate on every account
-- (amount_group_pre: net assets at acquisition, goodwill, NCI).
with

scope as (

    select * from {{ ref('int_consolidation_scope') }}

),

months as (

    select * from {{ ref('int_consolidation_translation_months') }}

),

monthly_rates as (

    select * from {{ ref('int_consolidation_rates_monthly') }}

),

rates as (

    select * from {{ ref('int_consolidation_rates') }}

),

group_accounts as (

    select * from {{ ref('stg_erp__group_accounts') }}

),

cumulative as (

    select
        scope.group_division_id,
        scope.period_end,
        scope.year_start,
        scope.division_id,
        scope.acquisition_date,
        scope.group_currency,
        scope.currency_code,
        months.group_account_id,
        sum(months.amount_local) as amount_local,
        sum(case when months.period_end < scope.year_start then months.amount_local else 0 end)
            as amount_local_prior,
        sum(months.amount_local_pre) as amount_local_pre,
        sum(case when months.period_end < scope.year_start then months.amount_local_pre else 0 end)
            as amount_local_pre_prior,
        sum(months.amount_group_average_post) as average_post,
        sum(case when months.period_end < scope.year_start then months.amount_group_average_post else 0 end)
            as average_post_prior,
        sum(months.amount_group_historical_post) as historical_post,
        sum(case when months.period_end < scope.year_start then months.amount_group_historical_post else 0 end)
            as historical_post_prior,
        -- sum() skips nulls: a month whose rate is missing must leave the total null
        count(*) - count(months.amount_group_average_post) as missing_average,
        count(*) - count(months.amount_group_historical_post) as missing_historical
    from scope
    inner join months
        on months.group_division_id = scope.group_division_id
        and months.division_id = scope.division_id
        and (
            months.acquisition_date = scope.acquisition_date
            or (months.acquisition_date is null and scope.acquisition_date is null)
        )
        and months.period_end <= scope.period_end
    group by
        scope.group_division_id,
        scope.period_end,
        scope.year_start,
        scope.division_id,
        scope.acquisition_date,
        scope.group_currency,
        scope.currency_code,
        months.group_account_id

),

rated as (

    select
        cumulative.*,
        case
            when cumulative.currency_code = cumulative.group_currency then {{ rate('1') }}
            else monthly_rates.closing_rate
        end as closing_rate,
        case
            when cumulative.acquisition_date is null then null
            when cumulative.currency_code = cumulative.group_currency then {{ rate('1') }}
            else acquisition_rates.rate
        end as acquisition_rate,
        group_accounts.rate_type
    from cumulative
    inner join group_accounts
        on cumulative.group_account_id = group_accounts.group_account_id
    left join monthly_rates
        on monthly_rates.group_currency = cumulative.group_currency
        and monthly_rates.currency_code = cumulative.currency_code
        and monthly_rates.period_end = cumulative.period_end
    left join rates as acquisition_rates
        on acquisition_rates.group_currency = cumulative.group_currency
        and acquisition_rates.currency_code = cumulative.currency_code
        and acquisition_rates.date_day = cumulative.acquisition_date

),

pre_acquisition as (

    select
        rated.*,
        case
            when acquisition_date is null then {{ money('0') }}
            else {{ money('amount_local_pre * acquisition_rate') }}
        end as amount_group_pre,
        case
            when acquisition_date is null then {{ money('0') }}
            when acquisition_date < year_start then {{ money('amount_local_pre * acquisition_rate') }}
            else {{ money('amount_local_pre_prior * acquisition_rate') }}
        end as amount_group_pre_prior
    from rated

),

translated as (

    select
        group_division_id,
        period_end,
        division_id,
        group_account_id,
        rate_type,
        closing_rate,
        amount_local,
        amount_group_pre,
        amount_group_pre_prior,
        case
            when rate_type = 'closing' then {{ money('amount_local * closing_rate') }}
            when rate_type = 'average' and missing_average = 0
                then amount_group_pre + average_post
            when rate_type = 'historical' and missing_historical = 0
                then amount_group_pre + historical_post
        end as amount_group,
        case
            when rate_type = 'closing' then {{ money('amount_local_prior * closing_rate') }}
            when rate_type = 'average' then amount_group_pre_prior + average_post_prior
            when rate_type = 'historical' then amount_group_pre_prior + historical_post_prior
        end as amount_group_prior
    from pre_acquisition

),

cta_account as (

    select group_account_id, rate_type
    from group_accounts
    where group_account_role = 'cta'

),

cta as (

    -- minus the sum of the translated amounts: every translated trial balance balances.
    -- A division in the level currency translates at 1 and has none.
    select
        translated.group_division_id,
        translated.period_end,
        translated.division_id,
        cta_account.group_account_id,
        cta_account.rate_type,
        max(translated.closing_rate) as closing_rate,
        {{ money('0') }} as amount_local,
        {{ money('0') }} as amount_group_pre,
        {{ money('0') }} as amount_group_pre_prior,
        {{ money('-sum(translated.amount_group)') }} as amount_group,
        {{ money('0') }} as amount_group_prior,
        cast(1 as bigint) as is_cta
    from translated
    inner join scope
        on translated.group_division_id = scope.group_division_id
        and translated.period_end = scope.period_end
        and translated.division_id = scope.division_id
    cross join cta_account
    where scope.currency_code <> scope.group_currency
    group by
        translated.group_division_id,
        translated.period_end,
        translated.division_id,
        cta_account.group_account_id,
        cta_account.rate_type

),

combined as (

    select
        group_division_id, period_end, division_id, group_account_id, rate_type, closing_rate,
        amount_local, amount_group_pre, amount_group_pre_prior, amount_group, amount_group_prior,
        cast(0 as bigint) as is_cta
    from translated

    union all

    select
        group_division_id, period_end, division_id, group_account_id, rate_type, closing_rate,
        amount_local, amount_group_pre, amount_group_pre_prior, amount_group, amount_group_prior,
        is_cta
    from cta

),

final as (

    -- the division's own lines on the cta account (if any) and its CTA share one row
    select
        group_division_id,
        period_end,
        division_id,
        group_account_id,
        max(rate_type) as rate_type,
        max(closing_rate) as closing_rate,
        {{ money('sum(amount_local)') }} as amount_local,
        {{ money('sum(amount_group)') }} as amount_group,
        {{ money('sum(amount_group_prior)') }} as amount_group_prior,
        {{ money('sum(amount_group_pre)') }} as amount_group_pre,
        {{ money('sum(amount_group_pre_prior)') }} as amount_group_pre_prior,
        {{ money('sum(case when is_cta = 1 then amount_group else 0 end)') }} as cta_amount,
        max(is_cta) = 1 as is_cta
    from combined
    group by group_division_id, period_end, division_id, group_account_id

)

select * from final
