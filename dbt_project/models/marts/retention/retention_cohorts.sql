with account_periods as (

    select * from {{ ref('int_accounts__periods') }}

),

cohort_members as (

    select *
    from account_periods
    where cohort_period_date is not null
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
        '{{ var("retention_period") }}' as period_type,
        cohort_sizes.cohort_size,
        cohort_periods.active_accounts,
        {{ safe_ratio('cohort_periods.active_accounts', 'cohort_sizes.cohort_size') }} as logo_retention,
        cohort_periods.cohort_revenue as cohort_revenue,
        cohort_sizes.first_period_revenue,
        {{ safe_ratio('cohort_periods.cohort_revenue', 'cohort_sizes.first_period_revenue') }}
            as revenue_retention
    from cohort_periods
    inner join cohort_sizes
        on cohort_periods.cohort_period_date = cohort_sizes.cohort_period_date

)

select * from final
