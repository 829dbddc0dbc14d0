with account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

with_previous as (

    select
        account_id,
        snapshot_date,
        month_start_date,
        tier,
        abc_class,
        strategic_score,
        tier_reason,
        is_override,
        lag(snapshot_date) over (partition by account_id order by snapshot_date) as previous_snapshot_date,
        lag(tier) over (partition by account_id order by snapshot_date) as previous_tier,
        lag(abc_class) over (partition by account_id order by snapshot_date) as previous_abc_class
    from account_tiers

),

ranked as (

    select
        *,
        case tier when 'key' then 1 when 'strategic' then 2 when 'core' then 3 else 4 end as tier_rank,
        case previous_tier when 'key' then 1 when 'strategic' then 2 when 'core' then 3 else 4 end
            as previous_tier_rank
    from with_previous
    where previous_tier is not null
        and previous_tier <> tier

),

final as (

    select
        account_id,
        snapshot_date,
        month_start_date,
        previous_snapshot_date,
        previous_tier as from_tier,
        tier as to_tier,
        case when tier_rank < previous_tier_rank then 'upgrade' else 'downgrade' end as change_direction,
        previous_abc_class as from_abc_class,
        abc_class as to_abc_class,
        strategic_score,
        tier_reason,
        is_override
    from ranked

)

select * from final
