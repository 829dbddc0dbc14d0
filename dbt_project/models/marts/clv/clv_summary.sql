with account_days as (

    select * from {{ ref('int_sales__account_days') }}

),

account_monthly as (

    select * from {{ ref('int_accounts__monthly') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

purchase_days as (

    select
        account_days.account_id,
        account_days.invoice_date,
        account_days.net_revenue,
        row_number() over (
            partition by account_days.account_id order by account_days.invoice_date
        ) as purchase_day_number,
        {{ datediff_int('day', 'account_days.invoice_date', 'as_of.as_of_date') }} < 364
            as is_in_last_52_weeks
    from account_days
    cross join as_of
    where account_days.is_purchase_day

),

purchase_summary as (

    select
        account_id,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date,
        count(*) as purchase_days,
        avg(case when purchase_day_number > 1 then cast(net_revenue as {{ type_double() }}) end)
            as monetary_value,
        count(case when purchase_day_number > 1 and is_in_last_52_weeks then 1 end)
            as repeat_purchase_days_52w
    from purchase_days
    group by account_id

),

history as (

    select
        account_id,
        sum(net_revenue) as historical_revenue,
        sum(gross_margin) as historical_margin,
        sum(costed_revenue) as costed_revenue
    from account_days
    group by account_id

),

current_month as (

    select
        account_monthly.account_id,
        account_monthly.revenue_12m,
        account_monthly.tenure_months
    from account_monthly
    inner join as_of
        on account_monthly.month_start_date = as_of.as_of_month_start_date

),

durations as (

    select
        purchase_summary.*,
        {{ datediff_int('day', 'purchase_summary.first_purchase_date', 'purchase_summary.last_purchase_date') }}
            as recency_days,
        {{ datediff_int('day', 'purchase_summary.first_purchase_date', 'as_of.as_of_date') }} as age_days
    from purchase_summary
    cross join as_of

),

final as (

    select
        purchase_summary.account_id,
        as_of.as_of_date,
        purchase_summary.first_purchase_date,
        purchase_summary.last_purchase_date,
        purchase_summary.purchase_days,
        purchase_summary.purchase_days - 1 as frequency,
        cast(purchase_summary.recency_days as {{ type_double() }}) / 7 as recency_weeks,
        cast(purchase_summary.age_days as {{ type_double() }}) / 7 as t_weeks,
        purchase_summary.monetary_value,
        purchase_summary.repeat_purchase_days_52w,
        history.historical_revenue as historical_revenue,
        history.historical_margin as historical_margin,
        {{ safe_ratio('history.costed_revenue', 'history.historical_revenue') }}
            as margin_revenue_coverage,
        coalesce(current_month.revenue_12m, 0) as revenue_12m,
        coalesce(current_month.tenure_months, 0) as tenure_months,
        case
            when current_month.tenure_months > 0 and current_month.tenure_months < 12
                then cast(current_month.revenue_12m as {{ type_double() }}) * 12 / current_month.tenure_months
            else cast(coalesce(current_month.revenue_12m, 0) as {{ type_double() }})
        end as acv
    from durations as purchase_summary
    cross join as_of
    inner join history
        on purchase_summary.account_id = history.account_id
    left join current_month
        on purchase_summary.account_id = current_month.account_id

)

select * from final
