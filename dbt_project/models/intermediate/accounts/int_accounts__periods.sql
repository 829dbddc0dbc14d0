{#- One row per account, period type (month and quarter) and period: revenue, activity in the
    period and the one before, trailing-12-month revenue at the period's end, and whether the period
    can be judged yet. A period is partial when it ends after the as-of date (the as-of month is
    usually partial: nine days into a month most accounts have not bought yet, and counting that as
    a full month would call them churned). NRR and GRR need 24 months of history up to the period's
    last month, or the earlier 12-month window starts before the data does. -#}
with account_monthly as (

    select * from {{ ref('int_accounts__monthly') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

with_period as (

    select
        account_id,
        'month' as period_type,
        month_start_date as period_start_date,
        month_start_date,
        net_revenue,
        revenue_12m,
        revenue_prev_12m,
        first_purchase_date
    from account_monthly
    union all
    select
        account_id,
        'quarter' as period_type,
        {{ quarter_start('month_start_date') }} as period_start_date,
        month_start_date,
        net_revenue,
        revenue_12m,
        revenue_prev_12m,
        first_purchase_date
    from account_monthly

),

ranked_months as (

    select
        *,
        row_number() over (
            partition by account_id, period_type, period_start_date
            order by month_start_date desc
        ) as month_rank_desc
    from with_period

),

periods as (

    select
        account_id,
        period_type,
        period_start_date,
        sum(net_revenue) as net_revenue,
        max(case when month_rank_desc = 1 then revenue_12m end) as revenue_12m,
        max(case when month_rank_desc = 1 then revenue_prev_12m end) as revenue_prev_12m,
        min(first_purchase_date) as first_purchase_date
    from ranked_months
    group by account_id, period_type, period_start_date

),

flagged as (

    select
        *,
        net_revenue > 0 as is_active,
        coalesce(lag(case when net_revenue > 0 then 1 else 0 end) over (
            partition by account_id, period_type order by period_start_date
        ), 0) = 1 as was_active_previous_period,
        coalesce(count(case when net_revenue > 0 then 1 end) over (
            partition by account_id, period_type
            order by period_start_date
            rows between unbounded preceding and 1 preceding
        ), 0) > 0 as has_purchased_before
    from periods

),

first_periods as (

    select
        account_id,
        period_type,
        min(case when is_active then period_start_date end) as first_active_period_date
    from flagged
    group by account_id, period_type

),

bounded as (

    select
        flagged.*,
        first_periods.first_active_period_date as cohort_period_date,
        case
            when flagged.period_type = 'quarter'
                then {{ add_days(add_months('flagged.period_start_date', 3), -1) }}
            else {{ month_end('flagged.period_start_date') }}
        end as period_end_date
    from flagged
    inner join first_periods
        on flagged.account_id = first_periods.account_id
        and flagged.period_type = first_periods.period_type

),

final as (

    select
        bounded.account_id,
        bounded.period_type,
        bounded.period_start_date,
        bounded.period_end_date,
        bounded.net_revenue,
        bounded.revenue_12m,
        bounded.revenue_prev_12m,
        bounded.is_active,
        bounded.was_active_previous_period,
        bounded.has_purchased_before,
        bounded.cohort_period_date,
        bounded.period_end_date > as_of.as_of_date as is_partial_period,
        {{ datediff_int('month', 'as_of.history_start_month_date', month_start('bounded.period_end_date')) }}
            >= 23 as has_24_months_history
    from bounded
    cross join as_of

)

select * from final
