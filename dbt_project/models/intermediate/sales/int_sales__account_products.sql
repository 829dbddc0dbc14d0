{#- One row per account and product bought: first and last purchase (a listing) and totals.
    Every line counts here (dim_products describes every product); a listing (objective KPI
    new_listings) counts merchandise only. -#}
with lines as (

    select * from {{ ref('int_sales__lines_costed') }}

),

final as (

    select
        account_id,
        product_id,
        is_merchandise,
        min(case when net_amount > 0 then invoice_date end) as first_purchase_date,
        max(case when net_amount > 0 then invoice_date end) as last_purchase_date,
        sum(net_amount) as net_revenue,
        sum(quantity) as quantity
    from lines
    group by account_id, product_id, is_merchandise

)

select * from final
