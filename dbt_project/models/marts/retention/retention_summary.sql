{#- Logo and revenue retention per period (months and quarters, told apart by period_type) and
    slice (all accounts, tier, KAM, region at the start of the period).
    Ratios that cannot be read as rates are null, with the reason in a column beside them: the
    period holding the as-of date is partial (retained and churned are not known until it ends);
    NRR and GRR need 24 months of history; a base below retention_min_base_accounts accounts is too
    small for a rate (a KAM with one account at start showed an NRR of 14.66). -#}
{%- set min_base = var('retention_min_base_accounts') -%}

with account_periods as (

    select * from {{ ref('int_accounts__periods') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

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
        period_type,
        period_start_date,
        period_end_date,
        is_partial_period,
        has_24_months_history,
        tier_at_start,
        kam_id,
        region,
        was_active_previous_period as is_at_start,
        was_active_previous_period and is_active as is_retained,
        was_active_previous_period and not is_active as is_churned,
        coalesce(period_start_date = cohort_period_date, false) as is_new,
        is_active and not was_active_previous_period and has_purchased_before as is_reactivated,
        is_active as is_active_now,
        revenue_prev_12m > 0 as is_revenue_base,
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
        period_type,
        period_start_date,
        period_end_date,
        slice_type,
        slice_value,
        max(case when is_partial_period then 1 else 0 end) = 1 as is_partial_period,
        min(case when has_24_months_history then 1 else 0 end) = 1 as has_24_months_history,
        count(case when is_at_start then 1 end) as accounts_at_start,
        count(case when is_retained then 1 end) as retained_accounts,
        count(case when is_churned then 1 end) as churned_accounts,
        count(case when is_new then 1 end) as new_accounts,
        count(case when is_reactivated then 1 end) as reactivated_accounts,
        count(case when is_active_now then 1 end) as active_accounts,
        count(case when is_revenue_base then 1 end) as revenue_base_accounts,
        sum(nrr_revenue_t) as revenue_12m,
        sum(nrr_revenue_t_minus_1) as revenue_prev_12m,
        sum(grr_revenue_t) as retained_revenue_12m
    from sliced
    group by period_type, period_start_date, period_end_date, slice_type, slice_value

),

explained as (

    select
        aggregated.*,
        case
            when aggregated.is_partial_period
                then 'partial period: data up to '
                    || cast(as_of.as_of_date as {{ dbt.type_string() }})
            when aggregated.accounts_at_start = 0
                then 'no account active in the previous period'
            when aggregated.accounts_at_start < {{ min_base }}
                then 'fewer than {{ min_base }} accounts at start ('
                    || cast(aggregated.accounts_at_start as {{ dbt.type_string() }}) || ')'
        end as logo_retention_null_reason,
        case
            when aggregated.is_partial_period
                then 'partial period: data up to '
                    || cast(as_of.as_of_date as {{ dbt.type_string() }})
            when not aggregated.has_24_months_history
                then 'less than 24 months of history before the period end'
            when aggregated.revenue_base_accounts = 0
                then 'no account with revenue in the previous 12 months'
            when aggregated.revenue_base_accounts < {{ min_base }}
                then 'fewer than {{ min_base }} accounts with revenue in the previous 12 months ('
                    || cast(aggregated.revenue_base_accounts as {{ dbt.type_string() }}) || ')'
        end as revenue_retention_null_reason
    from aggregated
    cross join as_of

),

final as (

    select
        period_type,
        period_start_date,
        period_end_date,
        slice_type,
        slice_value,
        is_partial_period,
        accounts_at_start,
        case when not is_partial_period then retained_accounts end as retained_accounts,
        case when not is_partial_period then churned_accounts end as churned_accounts,
        new_accounts,
        reactivated_accounts,
        active_accounts,
        case
            when logo_retention_null_reason is null
                then {{ safe_ratio('retained_accounts', 'accounts_at_start') }}
        end as logo_retention,
        logo_retention_null_reason,
        revenue_base_accounts,
        {{ money('revenue_12m') }} as revenue_12m,
        {{ money('revenue_prev_12m') }} as revenue_prev_12m,
        {{ money('retained_revenue_12m') }} as retained_revenue_12m,
        case
            when revenue_retention_null_reason is null
                then {{ safe_ratio('revenue_12m', 'revenue_prev_12m') }}
        end as nrr,
        case
            when revenue_retention_null_reason is null
                then {{ safe_ratio('retained_revenue_12m', 'revenue_prev_12m') }}
        end as grr,
        revenue_retention_null_reason
    from explained

)

select * from final
