{#- A view: the per-period load ranking and the choice of one version per line are stored
    incrementally in stg_sales__invoice_line_versions, so this is a filter. -#}
with invoice_line_versions as (

    select * from {{ ref('stg_sales__invoice_line_versions') }}

),

final as (

    select
        invoice_id,
        line_number,
        invoice_date,
        account_id,
        product_id,
        quantity,
        net_amount,
        unit_price,
        discount,
        channel,
        distributor_id,
        delivery_period,
        load_id,
        loaded_at
    from invoice_line_versions
    where is_current_version

)

select * from final
