with account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

final as (

    select
        account_id,
        snapshot_date,
        month_start_date,
        revenue_month,
        revenue_12m,
        revenue_prev_12m,
        growth_12m,
        revenue_share,
        cumulative_share,
        abc_class,
        market_potential,
        share_of_potential,
        headroom,
        referrals_count,
        is_reference_site,
        tenure_months,
        orders_12m,
        active_months_12m,
        strategic_score,
        score_top_pct,
        computed_tier,
        tier,
        tier_reason,
        is_override
    from account_tiers

)

select * from final
