{#- Churn status of every account at the as-of date. Accounts that never purchased (no purchase
    day: no invoice line, or only returns, fees or postage) are listed too, with status
    never_purchased, so a dashboard sees every account of dim_accounts here. -#}
with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_days as (

    select * from {{ ref('int_sales__account_days') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

purchase_days as (

    select
        account_id,
        invoice_date,
        lag(invoice_date) over (partition by account_id order by invoice_date) as previous_purchase_date
    from account_days
    where is_purchase_day

),

gaps as (

    select
        account_id,
        invoice_date,
        case
            when previous_purchase_date is not null
                then {{ datediff_int('day', 'previous_purchase_date', 'invoice_date') }}
        end as gap_days
    from purchase_days

),

per_account as (

    select
        account_id,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date,
        count(*) as purchase_days,
        {{ median('gap_days') }} as typical_interval_days
    from gaps
    group by account_id

),

thresholds as (

    select
        per_account.*,
        {{ datediff_int('day', 'per_account.last_purchase_date', 'as_of.as_of_date') }} as days_since_last_purchase,
        cast(
            greatest(
                {{ var('churn_after_days') }},
                {{ var('churn_interval_multiple') }} * coalesce(per_account.typical_interval_days, 0)
            )
            as {{ type_double() }}
        ) as churn_threshold_days
    from per_account
    cross join as_of

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.owner_kam_id,
        thresholds.first_purchase_date,
        thresholds.last_purchase_date,
        coalesce(thresholds.purchase_days, 0) as purchase_days,
        thresholds.days_since_last_purchase,
        cast(thresholds.typical_interval_days as {{ type_double() }}) as typical_interval_days,
        thresholds.churn_threshold_days,
        case
            when thresholds.account_id is null then 'never_purchased'
            when thresholds.days_since_last_purchase > thresholds.churn_threshold_days then 'churned'
            when thresholds.days_since_last_purchase
                > {{ var('at_risk_threshold_share') }} * thresholds.churn_threshold_days then 'at_risk'
            else 'active'
        end as status,
        coalesce(thresholds.days_since_last_purchase > thresholds.churn_threshold_days, false)
            as is_churned
    from accounts
    left join thresholds
        on accounts.account_id = thresholds.account_id

)

select * from final
