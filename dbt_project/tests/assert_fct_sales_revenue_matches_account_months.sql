-- The monthly aggregate the tiers and retention marts use holds the same revenue as the lines.
with from_lines as (

    select sum(net_amount_brl) as net_revenue_brl
    from {{ ref('fct_sales') }}

),

from_months as (

    select sum(net_revenue_brl) as net_revenue_brl
    from {{ ref('int_sales__account_months') }}

)

select
    from_lines.net_revenue_brl as lines_revenue_brl,
    from_months.net_revenue_brl as months_revenue_brl
from from_lines
cross join from_months
where from_lines.net_revenue_brl <> from_months.net_revenue_brl
