-- Each division's trial balance translated into its group level's currency, per period
-- end and group account, cumulative since the first line (docs/consolidation.md,
-- "Translation of a division"): closing accounts at the closing rate, average accounts
-- month by month at the month's average rate, historical accounts day by day, and
-- pre-acquisition amounts at the acquisition-date rate. The CTA row (the cta account,
-- amount_local 0) makes each division's translated trial balance sum to zero.
-- currency_effect: what the rate types change against translating everything at the
-- closing rate (the CTA row's whole amount). Associates are not here (equity method).
with

translation as (

    select * from {{ ref('int_consolidation_translation') }}

),

scope as (

    select * from {{ ref('int_consolidation_scope') }}

),

final as (

    select
        cast(translation.group_division_id as bigint) as group_division_id,
        translation.period_end,
        cast(translation.division_id as bigint) as division_id,
        cast(translation.group_account_id as bigint) as group_account_id,
        translation.amount_local,
        translation.amount_group,
        {{ money('translation.amount_local * translation.closing_rate') }} as amount_at_closing_rate,
        {{ money('translation.amount_group - ' ~ money('translation.amount_local * translation.closing_rate')) }}
            as currency_effect,
        translation.rate_type,
        {{ rate('translation.closing_rate') }} as closing_rate
    from translation
    inner join scope
        on translation.group_division_id = scope.group_division_id
        and translation.period_end = scope.period_end
        and translation.division_id = scope.division_id
    where scope.method = 'full'

)

select * from final
