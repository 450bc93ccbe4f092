{{ config(materialized='table') }}
-- The consolidation's own entries per group level and period end, cumulative, in the
-- level currency (docs/consolidation.md, section 2): intercompany balances and
-- transactions (and what the two sides leave, on ic_difference), dividends inside the
-- group, the investment against the equity at acquisition with goodwill or a bargain
-- purchase gain, non-controlling interests, the equity method, and the top-side entries.
-- amount_group_prior is the part from before 1 January of the period's year (the trial
-- balance folds it into retained earnings on P&L accounts).
with

scope as (

    select * from {{ ref('int_consolidation_scope') }}

),

translation as (

    select * from {{ ref('int_consolidation_translation') }}

),

intercompany_months as (

    select * from {{ ref('int_consolidation_intercompany_months') }}

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

divisions as (

    select * from {{ ref('stg_erp__divisions') }}

),

topside_entries as (

    select * from {{ ref('stg_erp__consolidation_entries') }}

),

topside_lines as (

    select * from {{ ref('stg_erp__consolidation_lines') }}

),

roles as (

    select
        max(case when group_account_role = 'investments' then group_account_id end) as investments,
        max(case when group_account_role = 'goodwill' then group_account_id end) as goodwill,
        max(case when group_account_role = 'dividends' then group_account_id end) as dividends,
        max(case when group_account_role = 'cta' then group_account_id end) as cta,
        max(case when group_account_role = 'nci' then group_account_id end) as nci,
        max(case when group_account_role = 'bargain_purchase_gain' then group_account_id end)
            as bargain_purchase_gain,
        max(case when group_account_role = 'ic_difference' then group_account_id end)
            as ic_difference,
        max(case when group_account_role = 'nci_result' then group_account_id end) as nci_result,
        max(case when group_account_role = 'associates_result' then group_account_id end)
            as associates_result
    from group_accounts

),

-- Intercompany -------------------------------------------------------------------------

intercompany_sides as (

    -- each division's lines toward another company of the level, translated: balance-sheet
    -- accounts at the closing rate on the cumulative balance, P&L accounts per month at the
    -- average rate
    select
        sides.group_division_id,
        sides.period_end,
        sides.year_start,
        sides.division_id,
        counterparties.division_id as counterparty_division_id,
        counterparties.is_level_parent as counterparty_is_level_parent,
        months.group_account_id,
        group_accounts.account_type,
        group_accounts.group_account_role,
        sides.currency_code,
        sides.group_currency,
        sum(months.amount_local) as amount_local,
        sum(months.amount_group_average_post) as average_post,
        sum(case when months.period_end < sides.year_start then months.amount_group_average_post else 0 end)
            as average_post_prior
    from scope as sides
    inner join scope as counterparties
        on sides.group_division_id = counterparties.group_division_id
        and sides.period_end = counterparties.period_end
        and sides.division_id <> counterparties.division_id
    inner join intercompany_months as months
        on months.group_division_id = sides.group_division_id
        and months.division_id = sides.division_id
        and months.counterparty_division_id = counterparties.division_id
        and (
            months.acquisition_date = sides.acquisition_date
            or (months.acquisition_date is null and sides.acquisition_date is null)
        )
        and (
            months.counterparty_acquisition_date = counterparties.acquisition_date
            or (months.counterparty_acquisition_date is null and counterparties.acquisition_date is null)
        )
        and months.period_end <= sides.period_end
    inner join group_accounts
        on months.group_account_id = group_accounts.group_account_id
    where sides.method = 'full'
        and counterparties.method = 'full'
    group by
        sides.group_division_id,
        sides.period_end,
        sides.year_start,
        sides.division_id,
        counterparties.division_id,
        counterparties.is_level_parent,
        months.group_account_id,
        group_accounts.account_type,
        group_accounts.group_account_role,
        sides.currency_code,
        sides.group_currency

),

intercompany_translated as (

    select
        sides.group_division_id,
        sides.period_end,
        sides.division_id,
        sides.counterparty_division_id,
        sides.counterparty_is_level_parent,
        sides.group_account_id,
        sides.group_account_role,
        case when sides.account_type = 'balance_sheet' then 'balance' else 'transaction' end
            as kind,
        case
            when sides.account_type <> 'balance_sheet' then {{ money('sides.average_post') }}
            when sides.currency_code = sides.group_currency then {{ money('sides.amount_local') }}
            else {{ money('sides.amount_local * monthly_rates.closing_rate') }}
        end as amount_group,
        case
            when sides.account_type <> 'balance_sheet' then {{ money('sides.average_post_prior') }}
            else {{ money('0') }}
        end as amount_group_prior
    from intercompany_sides as sides
    left join monthly_rates
        on monthly_rates.group_currency = sides.group_currency
        and monthly_rates.currency_code = sides.currency_code
        and monthly_rates.period_end = sides.period_end

),

intercompany as (

    -- each side eliminated in full, in its own column (dividends have their own rule)
    select
        group_division_id,
        period_end,
        division_id,
        counterparty_division_id,
        group_account_id,
        cast(null as bigint) as reference_id,
        concat('intercompany_', kind) as elimination_type,
        -amount_group as amount_group,
        -amount_group_prior as amount_group_prior
    from intercompany_translated
    where coalesce(group_account_role, '') <> 'dividend_income'

),

intercompany_differences as (

    -- what the two sides of a pair leave, per kind, in the column of the lower division id
    select
        sides.group_division_id,
        sides.period_end,
        case when sides.division_id < sides.counterparty_division_id
            then sides.division_id else sides.counterparty_division_id end as division_id,
        case when sides.division_id < sides.counterparty_division_id
            then sides.counterparty_division_id else sides.division_id end as counterparty_division_id,
        roles.ic_difference as group_account_id,
        case when sides.kind = 'balance' then cast(1 as bigint) else cast(2 as bigint) end
            as reference_id,
        'intercompany_difference' as elimination_type,
        sum(sides.amount_group) as amount_group,
        sum(case when sides.kind = 'transaction' then sides.amount_group_prior else 0 end)
            as amount_group_prior
    from intercompany_translated as sides
    cross join roles
    where coalesce(sides.group_account_role, '') <> 'dividend_income'
    group by
        sides.group_division_id,
        sides.period_end,
        case when sides.division_id < sides.counterparty_division_id
            then sides.division_id else sides.counterparty_division_id end,
        case when sides.division_id < sides.counterparty_division_id
            then sides.counterparty_division_id else sides.division_id end,
        roles.ic_difference,
        sides.kind

),

dividends as (

    -- a parent's dividend income from a subsidiary of the level, in the parent's column,
    -- and the same amount credited to the subsidiary's dividends account in its column
    select
        group_division_id,
        period_end,
        division_id,
        counterparty_division_id,
        group_account_id,
        cast(null as bigint) as reference_id,
        'dividend' as elimination_type,
        -amount_group as amount_group,
        -amount_group_prior as amount_group_prior
    from intercompany_translated
    where group_account_role = 'dividend_income'
        and not counterparty_is_level_parent

    union all

    select
        sides.group_division_id,
        sides.period_end,
        sides.counterparty_division_id as division_id,
        sides.division_id as counterparty_division_id,
        roles.dividends as group_account_id,
        cast(null as bigint) as reference_id,
        'dividend' as elimination_type,
        sides.amount_group,
        {{ money('0') }} as amount_group_prior
    from intercompany_translated as sides
    cross join roles
    where sides.group_account_role = 'dividend_income'
        and not sides.counterparty_is_level_parent

),

-- Investment, goodwill, non-controlling interests ----------------------------------------

division_totals as (

    -- per division in a level: net assets at acquisition (NA_a), the result and the
    -- other equity since acquisition, and the CTA
    select
        translation.group_division_id,
        translation.period_end,
        translation.division_id,
        -sum(case when group_accounts.account_class = 'equity' or group_accounts.account_type = 'profit_loss'
            then translation.amount_group_pre else 0 end) as net_assets_at_acquisition,
        sum(case when group_accounts.account_type = 'profit_loss'
            then translation.amount_group - translation.amount_group_pre else 0 end) as result_since_acquisition,
        sum(case when group_accounts.account_type = 'profit_loss'
            then translation.amount_group_prior - translation.amount_group_pre_prior else 0 end)
            as result_since_acquisition_prior,
        sum(translation.cta_amount) as cta_amount
    from translation
    inner join group_accounts
        on translation.group_account_id = group_accounts.group_account_id
    group by translation.group_division_id, translation.period_end, translation.division_id

),

subsidiaries as (

    select
        scope.group_division_id,
        scope.period_end,
        scope.year_start,
        scope.division_id,
        scope.parent_division_id,
        scope.method,
        scope.ownership,
        -- q: the direct parent's effective ownership from the level (1 for the level's own
        -- division); the parent's minority owns 1 - q of what the parent paid
        coalesce(parents.ownership, {{ rate('1') }}) as parent_ownership,
        scope.acquisition_date,
        coalesce(totals.net_assets_at_acquisition, 0) as net_assets_at_acquisition,
        coalesce(totals.result_since_acquisition, 0) as result_since_acquisition,
        coalesce(totals.result_since_acquisition_prior, 0) as result_since_acquisition_prior,
        coalesce(totals.cta_amount, 0) as cta_amount,
        {{ money('scope.investment_cost * ' ~ "case when scope.parent_currency = scope.group_currency then 1 else parent_rates.rate end") }}
            as investment_cost_group,
        case when scope.currency_code = scope.group_currency then {{ rate('1') }}
            else acquisition_rates.rate end as acquisition_rate,
        case when scope.currency_code = scope.group_currency then {{ rate('1') }}
            else monthly_rates.closing_rate end as closing_rate
    from scope
    left join scope as parents
        on parents.group_division_id = scope.group_division_id
        and parents.period_end = scope.period_end
        and parents.division_id = scope.parent_division_id
    left join division_totals as totals
        on totals.group_division_id = scope.group_division_id
        and totals.period_end = scope.period_end
        and totals.division_id = scope.division_id
    left join rates as parent_rates
        on parent_rates.group_currency = scope.group_currency
        and parent_rates.currency_code = scope.parent_currency
        and parent_rates.date_day = scope.acquisition_date
    left join rates as acquisition_rates
        on acquisition_rates.group_currency = scope.group_currency
        and acquisition_rates.currency_code = scope.currency_code
        and acquisition_rates.date_day = scope.acquisition_date
    left join monthly_rates
        on monthly_rates.group_currency = scope.group_currency
        and monthly_rates.currency_code = scope.currency_code
        and monthly_rates.period_end = scope.period_end
    where not scope.is_level_parent

),

goodwill as (

    -- the group's goodwill is its share q of what the direct parent paid less its share p
    -- of the net assets; the rest of the cost belongs to the parent's minority
    -- (nci_investment)
    select
        subsidiaries.*,
        {{ money('parent_ownership * investment_cost_group') }}
            - {{ money('ownership * net_assets_at_acquisition') }} as goodwill_at_acquisition,
        investment_cost_group
            - {{ money('parent_ownership * investment_cost_group') }} as nci_investment
    from subsidiaries
    where method = 'full'

),

goodwill_translated as (

    select
        goodwill.*,
        case
            when goodwill_at_acquisition < 0 then {{ money('0') }}
            else {{ money(divide('goodwill_at_acquisition * closing_rate', 'acquisition_rate')) }}
        end as goodwill_at_period_end
    from goodwill

),

acquisition_entries as (

    -- equity at acquisition: minus each equity and P&L account's pre-acquisition amount
    select
        translation.group_division_id,
        translation.period_end,
        translation.division_id,
        cast(null as bigint) as counterparty_division_id,
        translation.group_account_id,
        cast(null as bigint) as reference_id,
        'equity_at_acquisition' as elimination_type,
        -translation.amount_group_pre as amount_group,
        -translation.amount_group_pre_prior as amount_group_prior
    from translation
    inner join group_accounts
        on translation.group_account_id = group_accounts.group_account_id
    inner join goodwill
        on goodwill.group_division_id = translation.group_division_id
        and goodwill.period_end = translation.period_end
        and goodwill.division_id = translation.division_id
    where group_accounts.account_class = 'equity' or group_accounts.account_type = 'profit_loss'

    union all

    -- the investment's cost, at the parent's rate on the acquisition date
    select
        goodwill.group_division_id, goodwill.period_end, goodwill.division_id,
        goodwill.parent_division_id, roles.investments, cast(null as bigint),
        'investment', -goodwill.investment_cost_group, {{ money('0') }}
    from goodwill
    cross join roles

    union all

    -- goodwill, an asset of the foreign operation: at the closing rate
    select
        goodwill_translated.group_division_id, goodwill_translated.period_end,
        goodwill_translated.division_id, cast(null as bigint), roles.goodwill,
        cast(null as bigint), 'goodwill', goodwill_translated.goodwill_at_period_end,
        {{ money('0') }}
    from goodwill_translated
    cross join roles
    where goodwill_translated.goodwill_at_acquisition >= 0

    union all

    select
        goodwill_translated.group_division_id, goodwill_translated.period_end,
        goodwill_translated.division_id, cast(null as bigint), roles.cta,
        cast(null as bigint), 'goodwill_translation',
        goodwill_translated.goodwill_at_acquisition - goodwill_translated.goodwill_at_period_end,
        {{ money('0') }}
    from goodwill_translated
    cross join roles
    where goodwill_translated.goodwill_at_acquisition >= 0

    union all

    -- negative goodwill: a gain in the result of the acquisition period
    select
        goodwill.group_division_id, goodwill.period_end, goodwill.division_id,
        cast(null as bigint), roles.bargain_purchase_gain, cast(null as bigint),
        'bargain_purchase_gain', goodwill.goodwill_at_acquisition,
        case when goodwill.acquisition_date < goodwill.year_start
            then goodwill.goodwill_at_acquisition else {{ money('0') }} end
    from goodwill
    cross join roles
    where goodwill.goodwill_at_acquisition < 0

    union all

    -- the NCI's share of the net assets at acquisition: what the parent's share leaves, so
    -- that the acquisition entries balance to the cent
    select
        goodwill.group_division_id, goodwill.period_end, goodwill.division_id,
        cast(null as bigint), roles.nci, cast(null as bigint), 'nci_at_acquisition',
        -(goodwill.net_assets_at_acquisition - {{ money('goodwill.ownership * goodwill.net_assets_at_acquisition') }}),
        {{ money('0') }}
    from goodwill
    cross join roles

    union all

    -- the direct parent's minority's share of the investment it paid: that minority's NCI
    -- is worked out on the parent's net assets, the investment included, and gives it back
    -- here (none when the parent is wholly owned from the level: zero rows are dropped)
    select
        goodwill.group_division_id, goodwill.period_end, goodwill.division_id,
        goodwill.parent_division_id, roles.nci, cast(null as bigint), 'nci_investment',
        goodwill.nci_investment, {{ money('0') }}
    from goodwill
    cross join roles

),

nci_shares as (

    -- (1 - p) x what the subsidiary earned, translated and otherwise moved in equity
    -- since acquisition; each reclassified from its account to nci
    select
        goodwill.group_division_id,
        goodwill.period_end,
        goodwill.division_id,
        'nci_result' as elimination_type,
        roles.nci_result as group_account_id,
        {{ money('(1 - goodwill.ownership) * goodwill.result_since_acquisition') }} as share,
        {{ money('(1 - goodwill.ownership) * goodwill.result_since_acquisition_prior') }} as share_prior
    from goodwill
    cross join roles

    union all

    select
        goodwill.group_division_id, goodwill.period_end, goodwill.division_id, 'nci_cta',
        roles.cta,
        {{ money('(1 - goodwill.ownership) * goodwill.cta_amount') }},
        {{ money('0') }}
    from goodwill
    cross join roles

    union all

    select
        goodwill.group_division_id, goodwill.period_end, goodwill.division_id, 'nci_equity',
        translation.group_account_id,
        {{ money('(1 - goodwill.ownership) * (translation.amount_group - translation.amount_group_pre - translation.cta_amount)') }},
        {{ money('0') }}
    from goodwill
    inner join translation
        on goodwill.group_division_id = translation.group_division_id
        and goodwill.period_end = translation.period_end
        and goodwill.division_id = translation.division_id
    inner join group_accounts
        on translation.group_account_id = group_accounts.group_account_id
    cross join roles
    where group_accounts.account_class = 'equity'
        and translation.group_account_id <> roles.nci
        and translation.group_account_id <> roles.cta

),

nci_entries as (

    select
        nci_shares.group_division_id, nci_shares.period_end, nci_shares.division_id,
        cast(null as bigint) as counterparty_division_id, nci_shares.group_account_id,
        cast(null as bigint) as reference_id, nci_shares.elimination_type,
        -nci_shares.share as amount_group, -nci_shares.share_prior as amount_group_prior
    from nci_shares

    union all

    select
        nci_shares.group_division_id, nci_shares.period_end, nci_shares.division_id,
        cast(null as bigint), roles.nci, nci_shares.group_account_id, nci_shares.elimination_type,
        nci_shares.share, {{ money('0') }}
    from nci_shares
    cross join roles

),

-- Equity method ----------------------------------------------------------------------------

equity_method_entries as (

    -- the share of an associate's result and CTA since acquisition, in its parent's column:
    -- the investment grows by the share of a profit (a credit on the associate's P&L)
    select
        associates.group_division_id, associates.period_end, associates.parent_division_id as division_id,
        associates.division_id as counterparty_division_id, roles.investments as group_account_id,
        cast(null as bigint) as reference_id, 'equity_method_result' as elimination_type,
        -{{ money('associates.ownership * associates.result_since_acquisition') }} as amount_group,
        {{ money('0') }} as amount_group_prior
    from subsidiaries as associates
    cross join roles
    where associates.method = 'equity'

    union all

    select
        associates.group_division_id, associates.period_end, associates.parent_division_id,
        associates.division_id, roles.associates_result, cast(null as bigint),
        'equity_method_result',
        {{ money('associates.ownership * associates.result_since_acquisition') }},
        {{ money('associates.ownership * associates.result_since_acquisition_prior') }}
    from subsidiaries as associates
    cross join roles
    where associates.method = 'equity'

    union all

    select
        associates.group_division_id, associates.period_end, associates.parent_division_id,
        associates.division_id, roles.investments, cast(null as bigint), 'equity_method_cta',
        -{{ money('associates.ownership * associates.cta_amount') }}, {{ money('0') }}
    from subsidiaries as associates
    cross join roles
    where associates.method = 'equity'

    union all

    select
        associates.group_division_id, associates.period_end, associates.parent_division_id,
        associates.division_id, roles.cta, cast(null as bigint), 'equity_method_cta',
        {{ money('associates.ownership * associates.cta_amount') }}, {{ money('0') }}
    from subsidiaries as associates
    cross join roles
    where associates.method = 'equity'

),

-- Top-side entries ---------------------------------------------------------------------------

topside as (

    select
        levels.group_division_id,
        levels.period_end,
        topside_lines.division_id,
        topside_lines.counterparty_division_id,
        topside_lines.group_account_id,
        topside_lines.consolidation_line_id as reference_id,
        'topside' as elimination_type,
        topside_lines.amount as amount_group,
        case when topside_entries.entry_date < levels.year_start
            then topside_lines.amount else {{ money('0') }} end as amount_group_prior,
        coalesce(nullif(topside_lines.description, ''), topside_entries.description) as topside_description
    from topside_lines
    inner join topside_entries
        on topside_lines.consolidation_entry_id = topside_entries.consolidation_entry_id
    inner join (
        select distinct group_division_id, period_end, year_start from scope
    ) as levels
        on levels.group_division_id = topside_entries.group_division_id
        and topside_entries.entry_date <= levels.period_end

),

combined as (

    select *, cast(null as {{ dbt.type_string() }}) as topside_description from intercompany
    union all
    select *, cast(null as {{ dbt.type_string() }}) from intercompany_differences
    union all
    select *, cast(null as {{ dbt.type_string() }}) from dividends
    union all
    select *, cast(null as {{ dbt.type_string() }}) from acquisition_entries
    union all
    select *, cast(null as {{ dbt.type_string() }}) from nci_entries
    union all
    select *, cast(null as {{ dbt.type_string() }}) from equity_method_entries
    union all
    select * from topside

),

final as (

    select
        combined.group_division_id,
        combined.period_end,
        {{ dbt.concat([
            "combined.elimination_type", "':'",
            "cast(combined.division_id as " ~ dbt.type_string() ~ ")", "':'",
            "coalesce(cast(combined.counterparty_division_id as " ~ dbt.type_string() ~ "), '')", "':'",
            "coalesce(cast(combined.reference_id as " ~ dbt.type_string() ~ "), '')", "':'",
            "cast(combined.group_account_id as " ~ dbt.type_string() ~ ")",
        ]) }} as elimination_id,
        combined.division_id,
        combined.counterparty_division_id,
        combined.group_account_id,
        combined.elimination_type,
        case when combined.elimination_type = 'topside' then 'adjustment' else 'elimination' end
            as column_kind,
        {{ money('combined.amount_group') }} as amount_group,
        {{ money('combined.amount_group_prior') }} as amount_group_prior,
        case
            when combined.elimination_type = 'topside' then combined.topside_description
            when combined.counterparty_division_id is null
                then {{ dbt.concat(["combined.label", "' '", "divisions.division_code"]) }}
            else {{ dbt.concat([
                "combined.label", "' '", "divisions.division_code",
                "' / '", "counterparties.division_code",
            ]) }}
        end as description
    from (
        select
            combined.*,
            -- the kind of an intercompany difference is in its text (and its id)
            case
                when elimination_type = 'intercompany_difference' and reference_id = 1
                    then 'intercompany difference (balance)'
                when elimination_type = 'intercompany_difference'
                    then 'intercompany difference (transaction)'
                else replace(elimination_type, '_', ' ')
            end as label
        from combined
    ) as combined
    inner join divisions
        on combined.division_id = divisions.division_id
    left join divisions as counterparties
        on combined.counterparty_division_id = counterparties.division_id
    where combined.amount_group <> 0 or combined.amount_group_prior <> 0

)

select * from final
