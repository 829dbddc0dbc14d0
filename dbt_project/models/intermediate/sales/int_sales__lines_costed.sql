{#- Invoice lines up to the as-of date with the product's unit cost, the line margin and whether
    the line is merchandise. A view: fct_sales stores the lines (replacing only the months that
    changed); the aggregates read them from here, independently of fct_sales (a test reconciles
    the two).
    Non-merchandise lines (postage, fees, bank charges, manual adjustments; macros/merchandise.sql)
    stay in fct_sales, flagged, and count in no revenue metric. -#}
{{ config(materialized='view') }}

with invoice_lines as (

    select * from {{ ref('stg_sales__invoice_lines') }}

),

products as (

    select * from {{ ref('stg_sales__products') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

lines_in_scope as (

    select invoice_lines.*
    from invoice_lines
    cross join as_of
    where invoice_lines.invoice_date <= as_of.as_of_date

),

final as (

    select
        lines_in_scope.invoice_id,
        lines_in_scope.line_number,
        lines_in_scope.invoice_date,
        {{ month_start('lines_in_scope.invoice_date') }} as month_start_date,
        lines_in_scope.account_id,
        lines_in_scope.product_id,
        lines_in_scope.quantity,
        lines_in_scope.net_amount,
        lines_in_scope.unit_price,
        lines_in_scope.discount,
        lines_in_scope.channel,
        lines_in_scope.distributor_id,
        products.unit_cost,
        case
            when products.unit_cost is not null
                then cast(
                    lines_in_scope.net_amount - lines_in_scope.quantity * products.unit_cost
                    as {{ dbt.type_numeric() }}
                )
        end as gross_margin,
        lines_in_scope.net_amount < 0 as is_return,
        {{ is_merchandise('lines_in_scope.product_id', 'products.is_merchandise') }} as is_merchandise,
        lines_in_scope.delivery_period,
        lines_in_scope.load_id
    from lines_in_scope
    left join products
        on lines_in_scope.product_id = products.product_id

)

select * from final
