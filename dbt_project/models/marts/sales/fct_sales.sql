with lines as (

    select * from {{ ref('int_sales__lines_costed') }}

),

final as (

    select
        invoice_id,
        line_number,
        invoice_date,
        month_start_date,
        account_id,
        product_id,
        quantity,
        net_amount_brl,
        unit_price_brl,
        discount_brl,
        unit_cost_brl,
        gross_margin_brl,
        is_return,
        channel,
        distributor_id,
        delivery_period
    from lines

)

select * from final
