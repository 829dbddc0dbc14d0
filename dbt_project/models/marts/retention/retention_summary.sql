{%- set period = var('retention_period') -%}
with account_periods as (

    select * from {{ ref('int_accounts__periods') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

with_attributes as (

    select
        account_periods.*,
        coalesce(account_tiers.tier, 'unranked') as tier_at_start,
        coalesce(accounts.owner_kam_id, 'unassigned') as kam_id,
        coalesce(accounts.region, 'unknown') as region
    from account_periods
    left join account_tiers
        on account_periods.account_id = account_tiers.account_id
        and {{ add_months('account_periods.period_start_date', -1) }} = account_tiers.month_start_date
    left join accounts
        on account_periods.account_id = accounts.account_id

),

classified as (

    select
        account_id,
        period_start_date,
        period_end_date,
        tier_at_start,
        kam_id,
        region,
        was_active_previous_period as is_at_start,
        was_active_previous_period and is_active as is_retained,
        was_active_previous_period and not is_active as is_churned,
        coalesce(period_start_date = cohort_period_date, false) as is_new,
        is_active and not was_active_previous_period and has_purchased_before as is_reactivated,
        is_active as is_active_now,
        -- Trailing revenue is floored at 0 per account: credit notes beyond an account's
        -- purchases count as losing it entirely, never as less than nothing (NRR, GRR >= 0).
        case
            when revenue_prev_12m > 0 and revenue_12m > 0 then revenue_12m else 0
        end as nrr_revenue_t,
        case when revenue_prev_12m > 0 then revenue_prev_12m else 0 end as nrr_revenue_t_minus_1,
        case
            when revenue_prev_12m > 0 and revenue_12m > 0 then least(revenue_12m, revenue_prev_12m)
            else 0
        end as grr_revenue_t
    from with_attributes

),

sliced as (

    select 'all' as slice_type, 'all' as slice_value, classified.* from classified
    union all
    select 'tier' as slice_type, tier_at_start as slice_value, classified.* from classified
    union all
    select 'kam' as slice_type, kam_id as slice_value, classified.* from classified
    union all
    select 'region' as slice_type, region as slice_value, classified.* from classified

),

aggregated as (

    select
        period_start_date,
        period_end_date,
        slice_type,
        slice_value,
        count(case when is_at_start then 1 end) as accounts_at_start,
        count(case when is_retained then 1 end) as retained_accounts,
        count(case when is_churned then 1 end) as churned_accounts,
        count(case when is_new then 1 end) as new_accounts,
        count(case when is_reactivated then 1 end) as reactivated_accounts,
        count(case when is_active_now then 1 end) as active_accounts,
        sum(nrr_revenue_t) as revenue_12m,
        sum(nrr_revenue_t_minus_1) as revenue_prev_12m,
        sum(grr_revenue_t) as retained_revenue_12m
    from sliced
    group by period_start_date, period_end_date, slice_type, slice_value

),

final as (

    select
        period_start_date,
        period_end_date,
        slice_type,
        slice_value,
        '{{ period }}' as period_type,
        accounts_at_start,
        retained_accounts,
        churned_accounts,
        new_accounts,
        reactivated_accounts,
        active_accounts,
        {{ safe_ratio('retained_accounts', 'accounts_at_start') }} as logo_retention,
        revenue_12m,
        revenue_prev_12m,
        retained_revenue_12m,
        {{ safe_ratio('revenue_12m', 'revenue_prev_12m') }} as nrr,
        {{ safe_ratio('retained_revenue_12m', 'revenue_prev_12m') }} as grr
    from aggregated

)

select * from final
