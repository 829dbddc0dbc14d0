{#- One row: the run's as-of date and the history bounds every model filters on. -#}
with invoice_lines as (

    select * from {{ ref('stg_sales__invoice_lines') }}

),

data_bounds as (

    select
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date
    from invoice_lines

),

resolved as (

    select
        coalesce({{ as_of_date_literal() }}, last_invoice_date) as as_of_date,
        first_invoice_date,
        last_invoice_date
    from data_bounds

),

final as (

    select
        as_of_date,
        {{ month_start('as_of_date') }} as as_of_month_start_date,
        {{ quarter_start('as_of_date') }} as as_of_quarter_start_date,
        {#- The as-of month is complete only when the as-of date is its last day; otherwise the
            last complete month is the one before. #}
        case
            when as_of_date = {{ month_end('as_of_date') }} then {{ month_start('as_of_date') }}
            else {{ add_months(month_start('as_of_date'), -1) }}
        end as last_complete_month_start_date,
        {{ month_start('least(first_invoice_date, as_of_date)') }} as history_start_month_date,
        first_invoice_date,
        last_invoice_date
    from resolved

)

select * from final
