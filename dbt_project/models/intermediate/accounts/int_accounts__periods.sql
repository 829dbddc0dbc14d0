{#- One row per account and retention period (month or quarter, var retention_period): revenue,
    activity in the period and the one before, and trailing-12-month revenue at the period's end. -#}
{%- set period = var('retention_period') -%}
{%- if period not in ['month', 'quarter'] -%}
    {{ exceptions.raise_compiler_error("var retention_period must be 'month' or 'quarter', got " ~ period) }}
{%- endif -%}

{%- if period == 'quarter' -%}
    {%- set period_start_expression = quarter_start('month_start_date') -%}
{%- else -%}
    {%- set period_start_expression = 'month_start_date' -%}
{%- endif %}

with account_monthly as (

    select * from {{ ref('int_accounts__monthly') }}

),

with_period as (

    select
        *,
        {{ period_start_expression }} as period_start_date,
        row_number() over (
            partition by account_id, {{ period_start_expression }}
            order by month_start_date desc
        ) as month_rank_desc
    from account_monthly

),

periods as (

    select
        account_id,
        period_start_date,
        sum(net_revenue) as net_revenue,
        max(case when month_rank_desc = 1 then revenue_12m end) as revenue_12m,
        max(case when month_rank_desc = 1 then revenue_prev_12m end) as revenue_prev_12m,
        min(first_purchase_date) as first_purchase_date
    from with_period
    group by account_id, period_start_date

),

flagged as (

    select
        *,
        net_revenue > 0 as is_active,
        coalesce(lag(case when net_revenue > 0 then 1 else 0 end) over (
            partition by account_id order by period_start_date
        ), 0) = 1 as was_active_previous_period,
        coalesce(count(case when net_revenue > 0 then 1 end) over (
            partition by account_id
            order by period_start_date
            rows between unbounded preceding and 1 preceding
        ), 0) > 0 as has_purchased_before
    from periods

),

first_periods as (

    select
        account_id,
        min(case when is_active then period_start_date end) as first_active_period_date
    from flagged
    group by account_id

),

final as (

    select
        flagged.account_id,
        flagged.period_start_date,
        {% if period == 'quarter' -%}
        {{ add_days(add_months('flagged.period_start_date', 3), -1) }} as period_end_date,
        {%- else -%}
        {{ month_end('flagged.period_start_date') }} as period_end_date,
        {%- endif %}
        flagged.net_revenue,
        flagged.revenue_12m,
        flagged.revenue_prev_12m,
        flagged.is_active,
        flagged.was_active_previous_period,
        flagged.has_purchased_before,
        first_periods.first_active_period_date as cohort_period_date
    from flagged
    inner join first_periods
        on flagged.account_id = first_periods.account_id

)

select * from final
