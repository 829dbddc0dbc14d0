{#- The cohort triangle over periods of var retention_period (month or quarter). The period that
    holds the as-of date is partial: its counts are to date, its ratios are null (a partial period
    is never read as a full period of retention). -#}
{%- set period = var('retention_period') -%}
{%- if period not in ['month', 'quarter'] -%}
    {{ exceptions.raise_compiler_error("var retention_period must be 'month' or 'quarter', got " ~ period) }}
{%- endif -%}

with account_periods as (

    select * from {{ ref('int_accounts__periods') }}

),

cohort_members as (

    select *
    from account_periods
    where period_type = '{{ period }}'
        and cohort_period_date is not null
        and period_start_date >= cohort_period_date

),

cohort_sizes as (

    select
        cohort_period_date,
        count(distinct account_id) as cohort_size,
        sum(case when period_start_date = cohort_period_date then net_revenue else 0 end)
            as first_period_revenue
    from cohort_members
    group by cohort_period_date

),

cohort_periods as (

    select
        cohort_period_date,
        period_start_date,
        max(case when is_partial_period then 1 else 0 end) = 1 as is_partial_period,
        count(case when is_active then 1 end) as active_accounts,
        sum(net_revenue) as cohort_revenue
    from cohort_members
    group by cohort_period_date, period_start_date

),

final as (

    select
        cohort_periods.cohort_period_date as cohort_month,
        {{ datediff_int('month', 'cohort_periods.cohort_period_date', 'cohort_periods.period_start_date') }}
            as months_since_first,
        cohort_periods.period_start_date,
        '{{ period }}' as period_type,
        cohort_periods.is_partial_period,
        cohort_sizes.cohort_size,
        cohort_periods.active_accounts,
        case
            when not cohort_periods.is_partial_period
                then {{ safe_ratio('cohort_periods.active_accounts', 'cohort_sizes.cohort_size') }}
        end as logo_retention,
        {{ money('cohort_periods.cohort_revenue') }} as cohort_revenue,
        {{ money('cohort_sizes.first_period_revenue') }} as first_period_revenue,
        case
            when not cohort_periods.is_partial_period
                then {{ safe_ratio('cohort_periods.cohort_revenue', 'cohort_sizes.first_period_revenue') }}
        end as revenue_retention
    from cohort_periods
    inner join cohort_sizes
        on cohort_periods.cohort_period_date = cohort_sizes.cohort_period_date

)

select * from final
