-- The monthly aggregate the tiers and retention marts use holds the same revenue as the
-- merchandise lines.
with from_lines as (

    select sum(net_amount) as net_revenue
    from {{ ref('fct_sales') }}
    where is_merchandise

),

from_months as (

    select sum(net_revenue) as net_revenue
    from {{ ref('int_sales__account_months') }}

)

select
    from_lines.net_revenue as lines_revenue,
    from_months.net_revenue as months_revenue
from from_lines
cross join from_months
where from_lines.net_revenue <> from_months.net_revenue
