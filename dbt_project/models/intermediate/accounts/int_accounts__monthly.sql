{#- One row per account and month from the account's first month (creation or first purchase,
    whichever is earlier, not before the history start) to the as-of month. Dense, so trailing
    windows can count rows: 12 rows = 12 calendar months. -#}
with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_months as (

    select * from {{ ref('int_sales__account_months') }}

),

months as (

    select * from {{ ref('int_months') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

first_purchases as (

    select
        account_id,
        min(first_purchase_date_in_month) as first_purchase_date,
        min(month_start_date) as first_sales_month_date
    from account_months
    group by account_id

),

account_starts as (

    select
        accounts.account_id,
        accounts.market_potential,
        coalesce(accounts.is_reference_site, false) as is_reference_site,
        first_purchases.first_purchase_date,
        greatest(
            as_of.history_start_month_date,
            least(
                {{ month_start('accounts.created_at') }},
                coalesce(first_purchases.first_sales_month_date, {{ month_start('accounts.created_at') }})
            )
        ) as spine_start_month_date
    from accounts
    cross join as_of
    left join first_purchases
        on accounts.account_id = first_purchases.account_id

),

spine as (

    select
        account_starts.account_id,
        months.month_start_date,
        months.month_end_date
    from account_starts
    inner join months
        on months.month_start_date >= account_starts.spine_start_month_date

),

referrals as (

    select
        account_starts.account_id,
        greatest(
            {{ month_start('accounts.created_at') }},
            account_starts.spine_start_month_date
        ) as month_start_date,
        count(*) as new_referrals_count
    from accounts
    inner join account_starts
        on accounts.referred_by_account_id = account_starts.account_id
    group by
        account_starts.account_id,
        greatest(
            {{ month_start('accounts.created_at') }},
            account_starts.spine_start_month_date
        )

),

joined as (

    select
        spine.account_id,
        spine.month_start_date,
        spine.month_end_date,
        coalesce(account_months.net_revenue, 0) as net_revenue,
        coalesce(account_months.invoices_count, 0) as invoices_count,
        coalesce(account_months.purchase_days, 0) as purchase_days,
        coalesce(referrals.new_referrals_count, 0) as new_referrals_count
    from spine
    left join account_months
        on spine.account_id = account_months.account_id
        and spine.month_start_date = account_months.month_start_date
    left join referrals
        on spine.account_id = referrals.account_id
        and spine.month_start_date = referrals.month_start_date

),

windowed as (

    select
        *,
        sum(net_revenue) over (
            partition by account_id
            order by month_start_date
            rows between 11 preceding and current row
        ) as revenue_12m,
        coalesce(sum(net_revenue) over (
            partition by account_id
            order by month_start_date
            rows between 23 preceding and 12 preceding
        ), 0) as revenue_prev_12m,
        cast(sum(invoices_count) over (
            partition by account_id
            order by month_start_date
            rows between 11 preceding and current row
        ) as {{ dbt.type_bigint() }}) as orders_12m,
        count(case when net_revenue > 0 then 1 end) over (
            partition by account_id
            order by month_start_date
            rows between 11 preceding and current row
        ) as active_months_12m,
        coalesce(count(case when net_revenue > 0 then 1 end) over (
            partition by account_id
            order by month_start_date
            rows between unbounded preceding and 1 preceding
        ), 0) as active_months_before,
        cast(sum(new_referrals_count) over (
            partition by account_id
            order by month_start_date
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as referrals_count
    from joined

),

final as (

    select
        windowed.account_id,
        windowed.month_start_date,
        windowed.month_end_date,
        windowed.net_revenue,
        windowed.invoices_count,
        windowed.purchase_days,
        windowed.revenue_12m,
        windowed.revenue_prev_12m,
        windowed.orders_12m,
        windowed.active_months_12m,
        windowed.referrals_count,
        account_starts.is_reference_site,
        account_starts.market_potential,
        case
            when account_starts.first_purchase_date <= windowed.month_end_date
                then account_starts.first_purchase_date
        end as first_purchase_date,
        case
            when account_starts.first_purchase_date <= windowed.month_end_date
                then {{ datediff_int('month', month_start('account_starts.first_purchase_date'), 'windowed.month_start_date') }} + 1
            else 0
        end as tenure_months,
        windowed.net_revenue > 0 as is_active,
        windowed.active_months_before > 0 as has_purchased_before
    from windowed
    inner join account_starts
        on windowed.account_id = account_starts.account_id

)

select * from final
