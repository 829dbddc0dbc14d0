{#- Month-end tier snapshots: ABC class, strategic score, computed tier and plan overrides.
    One row per account and month (snapshot_date = the month's last day).
    The score's weights are renormalised over the components whose input was delivered: without
    any market potential there is no headroom, without referrals and reference-site flags no
    advocacy, and their weight goes to the other components instead of scoring every account 0
    there (which capped the best score below the key threshold). With every input delivered the
    arithmetic is the one it always was, term for term. -#}
{%- set weight_revenue = var('score_weight_revenue') -%}
{%- set weight_growth = var('score_weight_growth') -%}
{%- set weight_headroom = var('score_weight_headroom') -%}
{%- set weight_loyalty = var('score_weight_loyalty') -%}
{%- set weight_advocacy = var('score_weight_advocacy') -%}
{#- The denominator for each combination of the two optional components, summed in the order of
    the full formula so that the all-inputs total is the exact literal it always was. -#}
{%- set total_all = weight_revenue + weight_growth + weight_headroom + weight_loyalty + weight_advocacy -%}
{%- set total_without_headroom = weight_revenue + weight_growth + weight_loyalty + weight_advocacy -%}
{%- set total_without_advocacy = weight_revenue + weight_growth + weight_headroom + weight_loyalty -%}
{%- set total_without_both = weight_revenue + weight_growth + weight_loyalty -%}

{%- set strategic_score_expression -%}
    100 * (
        {{ weight_revenue }} * revenue_percentile
        + {{ weight_growth }} * growth_percentile
        + case when has_market_potential then {{ weight_headroom }} * headroom_percentile else 0 end
        + {{ weight_loyalty }} * (tenure_percentile + frequency_percentile) / 2
        + case when has_advocacy then {{ weight_advocacy }} * advocacy_percentile else 0 end
    ) / case
        when has_market_potential and has_advocacy then {{ total_all }}
        when has_advocacy then {{ total_without_headroom }}
        when has_market_potential then {{ total_without_advocacy }}
        else {{ total_without_both }}
    end
{%- endset -%}

with account_monthly as (

    select * from {{ ref('int_accounts__monthly') }}

),

tier_overrides as (

    select * from {{ ref('stg_plan__tier_overrides') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

snapshot_totals as (

    select
        month_start_date,
        -- Shares are of positive revenue: an account whose credit notes exceed its purchases
        -- has share 0 (and class C), so shares stay within [0, 1] and still sum to 1.
        sum(case when revenue_12m > 0 then revenue_12m else 0 end) as total_revenue_12m,
        count(*) as accounts_in_snapshot
    from account_monthly
    group by month_start_date

),

ranked as (

    select
        account_monthly.*,
        case
            when account_monthly.revenue_12m > 0 then account_monthly.revenue_12m else 0
        end as positive_revenue_12m,
        snapshot_totals.total_revenue_12m,
        snapshot_totals.accounts_in_snapshot,
        coalesce(sum(case when account_monthly.revenue_12m > 0 then account_monthly.revenue_12m else 0 end) over (
            partition by account_monthly.month_start_date
            order by account_monthly.revenue_12m desc, account_monthly.account_id
            rows between unbounded preceding and 1 preceding
        ), 0) as revenue_12m_before
    from account_monthly
    inner join snapshot_totals
        on account_monthly.month_start_date = snapshot_totals.month_start_date

),

classified as (

    select
        ranked.*,
        case
            when total_revenue_12m > 0
                then cast(positive_revenue_12m as {{ type_double() }})
                    / cast(total_revenue_12m as {{ type_double() }})
        end as revenue_share,
        case
            when total_revenue_12m > 0
                then cast(revenue_12m_before + positive_revenue_12m as {{ type_double() }})
                    / cast(total_revenue_12m as {{ type_double() }})
        end as cumulative_share,
        case
            when total_revenue_12m > 0
                then cast(revenue_12m_before as {{ type_double() }})
                    / cast(total_revenue_12m as {{ type_double() }})
        end as cumulative_share_before,
        case
            when revenue_prev_12m > 0
                then cast(revenue_12m - revenue_prev_12m as {{ type_double() }})
                    / cast(revenue_prev_12m as {{ type_double() }})
        end as growth_12m,
        {{ safe_ratio('revenue_12m', 'market_potential') }} as share_of_potential,
        coalesce(market_potential, 0) - revenue_12m as headroom,
        referrals_count + case when is_reference_site then 1 else 0 end as advocacy_points,
        inputs.has_market_potential,
        inputs.has_advocacy,
        'revenue, growth'
        || case when inputs.has_market_potential then ', headroom' else '' end
        || ', loyalty'
        || case when inputs.has_advocacy then ', advocacy' else '' end as score_inputs
    from ranked
    cross join inputs

),

abc as (

    select
        *,
        case
            when revenue_12m > 0 and cumulative_share_before < {{ var('abc_a_threshold') }} then 'A'
            when revenue_12m > 0 and cumulative_share_before < {{ var('abc_b_threshold') }} then 'B'
            else 'C'
        end as abc_class
    from classified

),

percentiles as (

    select
        *,
        percent_rank() over (
            partition by month_start_date order by revenue_12m
        ) as revenue_percentile,
        percent_rank() over (
            partition by month_start_date order by coalesce(growth_12m, 0)
        ) as growth_percentile,
        percent_rank() over (
            partition by month_start_date order by headroom
        ) as headroom_percentile,
        percent_rank() over (
            partition by month_start_date order by tenure_months
        ) as tenure_percentile,
        percent_rank() over (
            partition by month_start_date order by active_months_12m
        ) as frequency_percentile,
        percent_rank() over (
            partition by month_start_date order by advocacy_points
        ) as advocacy_percentile
    from abc

),

scored as (

    select
        *,
        {{ round_double(strategic_score_expression, 2) }} as strategic_score
    from percentiles

),

score_ranked as (

    select
        *,
        rank() over (
            partition by month_start_date order by strategic_score desc
        ) as score_rank
    from scored

),

computed as (

    select
        *,
        case
            when abc_class = 'A' and strategic_score >= {{ var('tier_key_min_score') }} then 'key'
            when abc_class = 'A' then 'strategic'
            when revenue_12m > 0 and strategic_score >= {{ var('tier_strategic_min_score') }} then 'strategic'
            when abc_class = 'B' then 'core'
            else 'maintain'
        end as computed_tier,
        cast(ceil(100.0 * score_rank / accounts_in_snapshot) as integer) as score_top_pct
    from score_ranked

),

valid_overrides as (

    select
        computed.account_id,
        computed.month_start_date,
        tier_overrides.tier,
        tier_overrides.reason,
        row_number() over (
            partition by computed.account_id, computed.month_start_date
            order by tier_overrides.valid_from desc
        ) as override_rank
    from computed
    inner join tier_overrides
        on computed.account_id = tier_overrides.account_id
        and tier_overrides.valid_from <= computed.month_end_date
        and coalesce(tier_overrides.valid_to, cast('9999-12-31' as date)) >= computed.month_end_date

),

final as (

    select
        computed.account_id,
        computed.month_end_date as snapshot_date,
        computed.month_start_date,
        computed.net_revenue as revenue_month,
        computed.revenue_12m,
        computed.revenue_prev_12m,
        computed.growth_12m,
        computed.revenue_share,
        computed.cumulative_share,
        computed.cumulative_share_before,
        computed.abc_class,
        computed.market_potential,
        computed.share_of_potential,
        computed.headroom,
        computed.referrals_count,
        computed.is_reference_site,
        computed.first_purchase_date,
        computed.tenure_months,
        computed.orders_12m,
        computed.active_months_12m,
        computed.is_active,
        computed.strategic_score,
        computed.score_inputs,
        computed.score_top_pct,
        computed.computed_tier,
        coalesce(valid_overrides.tier, computed.computed_tier) as tier,
        case
            when valid_overrides.tier is not null
                then 'Plan override: ' || valid_overrides.reason
            when computed.revenue_12m <= 0
                then 'No revenue in the last 12 months'
            else
                computed.abc_class || '-class, score '
                || cast(cast({{ round_double('computed.strategic_score', 0) }} as integer) as {{ dbt.type_string() }})
                || ' (top ' || cast(computed.score_top_pct as {{ dbt.type_string() }}) || ' %)'
                || case
                    when computed.has_market_potential and computed.has_advocacy then ''
                    else ' on ' || computed.score_inputs
                end
        end as tier_reason,
        valid_overrides.tier is not null as is_override
    from computed
    left join valid_overrides
        on computed.account_id = valid_overrides.account_id
        and computed.month_start_date = valid_overrides.month_start_date
        and valid_overrides.override_rank = 1

)

select * from final
