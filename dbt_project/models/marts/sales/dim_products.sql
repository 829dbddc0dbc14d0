with products as (

    select * from {{ ref('stg_sales__products') }}

),

account_products as (

    select * from {{ ref('int_sales__account_products') }}

),

product_sales as (

    select
        product_id,
        min(first_purchase_date) as first_sold_date,
        max(last_purchase_date) as last_sold_date,
        count(case when first_purchase_date is not null then 1 end) as accounts_listed,
        sum(net_revenue) as lifetime_revenue,
        sum(quantity) as lifetime_quantity
    from account_products
    group by product_id

),

final as (

    select
        products.product_id,
        products.product_name,
        products.product_category,
        products.brand,
        products.list_price,
        products.unit_cost,
        products.list_price - products.unit_cost as unit_margin,
        {{ safe_ratio('products.list_price - products.unit_cost', 'products.list_price') }} as list_margin_share,
        products.launched_date,
        {{ is_merchandise('products.product_id', 'products.is_merchandise') }} as is_merchandise,
        product_sales.first_sold_date,
        product_sales.last_sold_date,
        coalesce(product_sales.accounts_listed, 0) as accounts_listed,
        coalesce(product_sales.lifetime_revenue, 0) as lifetime_revenue,
        coalesce(product_sales.lifetime_quantity, 0) as lifetime_quantity
    from products
    left join product_sales
        on products.product_id = product_sales.product_id

)

select * from final
