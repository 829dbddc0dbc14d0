{#- One row per account and invoice day: the purchase-day grain of churn and CLV. Merchandise
    lines only: every revenue metric (tiers, retention, churn, CLV, attainment) reads revenue from
    here, so a day with only postage or a bank fee is no purchase day. -#}
with lines as (

    select * from {{ ref('int_sales__lines_costed') }}

),

final as (

    select
        account_id,
        invoice_date,
        month_start_date,
        sum(net_amount) as net_revenue,
        sum(quantity) as quantity,
        sum(gross_margin) as gross_margin,
        sum(case when unit_cost is not null then net_amount else 0 end) as costed_revenue,
        count(*) as lines_count,
        count(distinct invoice_id) as invoices_count,
        sum(net_amount) > 0 as is_purchase_day
    from lines
    where is_merchandise
    group by account_id, invoice_date, month_start_date

)

select * from final
