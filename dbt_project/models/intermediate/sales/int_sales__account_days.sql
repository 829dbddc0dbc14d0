{#- One row per account and invoice day: the purchase-day grain of churn and CLV. -#}
with lines as (

    select * from {{ ref('int_sales__lines_costed') }}

),

final as (

    select
        account_id,
        invoice_date,
        month_start_date,
        sum(net_amount_brl) as net_revenue_brl,
        sum(quantity) as quantity,
        sum(gross_margin_brl) as gross_margin_brl,
        sum(case when unit_cost_brl is not null then net_amount_brl else 0 end) as costed_revenue_brl,
        count(*) as lines_count,
        count(distinct invoice_id) as invoices_count,
        sum(net_amount_brl) > 0 as is_purchase_day
    from lines
    group by account_id, invoice_date, month_start_date

)

select * from final
