with account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        account_tiers.account_id,
        account_tiers.snapshot_date,
        account_tiers.month_start_date,
        account_tiers.snapshot_date > as_of.as_of_date as is_partial_period,
        account_tiers.revenue_month,
        account_tiers.revenue_12m,
        account_tiers.revenue_prev_12m,
        account_tiers.growth_12m,
        account_tiers.revenue_share,
        account_tiers.cumulative_share,
        account_tiers.abc_class,
        account_tiers.market_potential,
        account_tiers.share_of_potential,
        account_tiers.headroom,
        account_tiers.referrals_count,
        account_tiers.is_reference_site,
        account_tiers.tenure_months,
        account_tiers.orders_12m,
        account_tiers.active_months_12m,
        account_tiers.strategic_score,
        account_tiers.score_inputs,
        account_tiers.score_top_pct,
        account_tiers.computed_tier,
        account_tiers.tier,
        account_tiers.tier_reason,
        account_tiers.is_override
    from account_tiers
    cross join as_of

)

select * from final
