{#- One row per account and month with sales: the aggregate tiers and retention scale with. -#}
with account_days as (

    select * from {{ ref('int_sales__account_days') }}

),

final as (

    select
        account_id,
        month_start_date,
        sum(net_revenue) as net_revenue,
        sum(quantity) as quantity,
        cast(sum(invoices_count) as {{ dbt.type_bigint() }}) as invoices_count,
        count(case when is_purchase_day then 1 end) as purchase_days,
        min(case when is_purchase_day then invoice_date end) as first_purchase_date_in_month
    from account_days
    group by account_id, month_start_date

)

select * from final
