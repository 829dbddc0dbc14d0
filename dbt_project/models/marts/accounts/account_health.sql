{#- One row per account: the quarterly review's account table. Tier and why, revenue trend, churn
    status, CLV, this quarter's plan attainment, decision-unit gaps and SLA, and risk flags each
    with a short reason, summed up in risk_level.
    A flag is null when the input behind it is missing (no CLV, no contacts, no plan for the
    quarter, no service requests): unknown is not "no risk". The CLV columns come from
    account_clv through int_accounts__clv: null where the CLV models are not built (PostgreSQL,
    Spark, or var fit_clv_models false). -#}

with accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

account_monthly as (

    select * from {{ ref('int_accounts__monthly') }}

),

account_churn as (

    select * from {{ ref('account_churn') }}

),

objective_attainment as (

    select * from {{ ref('objective_attainment') }}

),

decision_unit_gaps as (

    select * from {{ ref('decision_unit_gaps') }}

),

sla_compliance as (

    select * from {{ ref('sla_compliance') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

clv as (

    select * from {{ ref('int_accounts__clv') }}

),

current_tiers as (

    select account_tiers.*
    from account_tiers
    inner join as_of
        on account_tiers.month_start_date = as_of.as_of_month_start_date

),

{#- The last three complete months against the same three months a year earlier: complete
    months, so a partial as-of month does not read as a drop; a year apart, so seasonality
    does not either. #}
recent_revenue as (

    select
        account_monthly.account_id,
        sum(
            case
                when account_monthly.month_start_date
                    between {{ add_months('as_of.last_complete_month_start_date', -2) }}
                    and as_of.last_complete_month_start_date
                    then account_monthly.net_revenue
                else 0
            end
        ) as revenue_3m,
        sum(
            case
                when account_monthly.month_start_date
                    between {{ add_months('as_of.last_complete_month_start_date', -14) }}
                    and {{ add_months('as_of.last_complete_month_start_date', -12) }}
                    then account_monthly.net_revenue
                else 0
            end
        ) as revenue_3m_year_ago
    from account_monthly
    cross join as_of
    group by account_monthly.account_id

),

quarter_plan as (

    select
        objective_attainment.account_id,
        objective_attainment.plan_period,
        count(*) as objectives_count,
        count(case when objective_attainment.pace_status = 'off_track' then 1 end)
            as objectives_off_track,
        sum(
            case
                when objective_attainment.attainment_pct is not null
                    then objective_attainment.weight * objective_attainment.attainment_pct
                else 0
            end
        ) as weighted_attainment_sum,
        sum(
            case
                when objective_attainment.attainment_pct is not null
                    then objective_attainment.weight
                else 0
            end
        ) as attainment_weight,
        max(objective_attainment.expected_pct) as expected_pct
    from objective_attainment
    cross join as_of
    where objective_attainment.plan_period = {{ plan_period_of('as_of.as_of_date') }}
    group by objective_attainment.account_id, objective_attainment.plan_period

),

gaps as (

    select
        account_id,
        count(case when is_gap then 1 end) as decision_unit_gaps,
        {{ sorted_text_agg('case when is_gap then gap_reason end', '; ') }} as gap_reasons
    from decision_unit_gaps
    group by account_id

),

recent_sla as (

    select
        sla_compliance.account_id,
        sum(sla_compliance.responses_within_sla) as requests_met,
        sum(sla_compliance.responses_within_sla + sla_compliance.breached_requests)
            as requests_decided
    from sla_compliance
    cross join as_of
    where sla_compliance.month_start_date >= {{ add_months('as_of.as_of_month_start_date', -2) }}
    group by sla_compliance.account_id

),

joined as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.owner_kam_id,
        accounts.account_type,
        accounts.region,
        current_tiers.tier,
        current_tiers.tier_reason,
        current_tiers.abc_class,
        current_tiers.strategic_score,
        coalesce(current_tiers.revenue_12m, 0) as revenue_12m,
        coalesce(current_tiers.revenue_prev_12m, 0) as revenue_prev_12m,
        current_tiers.growth_12m,
        coalesce(recent_revenue.revenue_3m, 0) as revenue_3m,
        coalesce(recent_revenue.revenue_3m_year_ago, 0) as revenue_3m_year_ago,
        case
            when recent_revenue.revenue_3m_year_ago > 0
                then cast(recent_revenue.revenue_3m - recent_revenue.revenue_3m_year_ago as {{ type_double() }})
                    / cast(recent_revenue.revenue_3m_year_ago as {{ type_double() }})
        end as growth_3m,
        account_churn.status as churn_status,
        account_churn.last_purchase_date,
        account_churn.days_since_last_purchase,
        account_churn.churn_threshold_days,
        clv.p_alive,
        clv.clv_12m,
        clv.clv_36m,
        {{ plan_period_of('as_of.as_of_date') }} as plan_period,
        coalesce(quarter_plan.objectives_count, 0) as objectives_count,
        {{ safe_ratio('quarter_plan.weighted_attainment_sum', 'quarter_plan.attainment_weight') }}
            as weighted_attainment_pct,
        quarter_plan.expected_pct,
        quarter_plan.objectives_off_track,
        case
            when inputs.has_contacts and current_tiers.tier in (
                {%- for tier in var('decision_unit_gap_tiers') %}'{{ tier }}'{% if not loop.last %}, {% endif %}{% endfor -%}
            ) then coalesce(gaps.decision_unit_gaps, 0)
        end as decision_unit_gaps,
        gaps.gap_reasons,
        case when inputs.has_service_requests then coalesce(recent_sla.requests_decided, 0) end
            as sla_requests_decided_3m,
        100 * {{ safe_ratio('recent_sla.requests_met', 'recent_sla.requests_decided') }}
            as sla_compliance_pct_3m
    from accounts
    cross join as_of
    cross join inputs
    left join current_tiers
        on accounts.account_id = current_tiers.account_id
    left join recent_revenue
        on accounts.account_id = recent_revenue.account_id
    left join account_churn
        on accounts.account_id = account_churn.account_id
    left join clv
        on accounts.account_id = clv.account_id
    left join quarter_plan
        on accounts.account_id = quarter_plan.account_id
    left join gaps
        on accounts.account_id = gaps.account_id
    left join recent_sla
        on accounts.account_id = recent_sla.account_id

),

flagged as (

    select
        joined.*,
        joined.churn_status in ('at_risk', 'churned') as is_churn_risk,
        case
            when joined.churn_status in ('at_risk', 'churned')
                then joined.churn_status || ': no purchase for '
                    || cast(joined.days_since_last_purchase as {{ dbt.type_string() }})
                    || ' days (churned after '
                    || cast(cast(joined.churn_threshold_days as integer) as {{ dbt.type_string() }})
                    || ')'
        end as churn_risk_reason,
        case
            when joined.revenue_prev_12m > 0
                then joined.growth_12m < -{{ var('health_revenue_decline_share') }}
        end as is_revenue_declining,
        case
            when joined.revenue_prev_12m > 0 and joined.growth_12m < -{{ var('health_revenue_decline_share') }}
                then 'revenue of the last 12 months down '
                    || cast(cast({{ round_double('-100 * joined.growth_12m', 0) }} as integer) as {{ dbt.type_string() }})
                    || ' % on the 12 months before'
        end as revenue_decline_reason,
        case
            when joined.p_alive is not null then joined.p_alive < {{ var('health_p_alive_below') }}
        end as is_unlikely_alive,
        case
            when joined.p_alive < {{ var('health_p_alive_below') }}
                then 'p_alive ' || cast({{ round_double('joined.p_alive', 2) }} as {{ dbt.type_string() }})
                    || ' (below {{ var("health_p_alive_below") }})'
        end as unlikely_alive_reason,
        case
            when joined.weighted_attainment_pct is not null
                then joined.weighted_attainment_pct < 0.8 * joined.expected_pct
        end as is_behind_plan,
        case
            when joined.weighted_attainment_pct < 0.8 * joined.expected_pct
                then joined.plan_period || ' plan attained '
                    || cast(cast({{ round_double('joined.weighted_attainment_pct', 0) }} as integer) as {{ dbt.type_string() }})
                    || ' % with '
                    || cast(cast({{ round_double('joined.expected_pct', 0) }} as integer) as {{ dbt.type_string() }})
                    || ' % of the quarter elapsed'
        end as behind_plan_reason,
        case when joined.decision_unit_gaps is not null then joined.decision_unit_gaps > 0 end
            as has_decision_unit_gap,
        case when joined.decision_unit_gaps > 0 then joined.gap_reasons end as decision_unit_gap_reason,
        case
            when joined.sla_requests_decided_3m >= {{ var('health_sla_min_requests') }}
                then joined.sla_compliance_pct_3m < {{ var('health_sla_below_pct') }}
        end as is_sla_breaching,
        case
            when joined.sla_requests_decided_3m >= {{ var('health_sla_min_requests') }}
                and joined.sla_compliance_pct_3m < {{ var('health_sla_below_pct') }}
                then 'SLA met on '
                    || cast(cast({{ round_double('joined.sla_compliance_pct_3m', 0) }} as integer) as {{ dbt.type_string() }})
                    || ' % of '
                    || cast(joined.sla_requests_decided_3m as {{ dbt.type_string() }})
                    || ' requests in the last 3 months'
        end as sla_breach_reason
    from joined

),

counted as (

    select
        flagged.*,
        (case when is_churn_risk then 1 else 0 end)
        + (case when is_revenue_declining then 1 else 0 end)
        + (case when is_unlikely_alive then 1 else 0 end)
        + (case when is_behind_plan then 1 else 0 end)
        + (case when has_decision_unit_gap then 1 else 0 end)
        + (case when is_sla_breaching then 1 else 0 end) as risk_flags_count
    from flagged

),

final as (

    select
        account_id,
        account_name,
        owner_kam_id,
        account_type,
        region,
        tier,
        tier_reason,
        abc_class,
        strategic_score,
        {{ money('revenue_12m') }} as revenue_12m,
        {{ money('revenue_prev_12m') }} as revenue_prev_12m,
        growth_12m,
        {{ money('revenue_3m') }} as revenue_3m,
        {{ money('revenue_3m_year_ago') }} as revenue_3m_year_ago,
        growth_3m,
        churn_status,
        last_purchase_date,
        days_since_last_purchase,
        p_alive,
        clv_12m,
        clv_36m,
        plan_period,
        objectives_count,
        weighted_attainment_pct,
        expected_pct,
        {{ as_bigint('decision_unit_gaps') }} as decision_unit_gaps,
        {{ as_bigint('sla_requests_decided_3m') }} as sla_requests_decided_3m,
        sla_compliance_pct_3m,
        is_churn_risk,
        churn_risk_reason,
        is_revenue_declining,
        revenue_decline_reason,
        is_unlikely_alive,
        unlikely_alive_reason,
        is_behind_plan,
        behind_plan_reason,
        has_decision_unit_gap,
        decision_unit_gap_reason,
        is_sla_breaching,
        sla_breach_reason,
        risk_flags_count,
        case
            when churn_status = 'churned' or risk_flags_count >= {{ var('health_high_risk_flags') }}
                then 'high'
            when risk_flags_count > 0 then 'medium'
            else 'low'
        end as risk_level
    from counted

)

select * from final
