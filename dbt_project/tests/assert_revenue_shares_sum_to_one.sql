-- Every month-end snapshot with revenue splits exactly 100 % of it across the accounts.
with snapshot_totals as (

    select
        snapshot_date,
        sum(revenue_share) as total_share
    from {{ ref('account_tiers') }}
    where revenue_share is not null
    group by snapshot_date

)

select *
from snapshot_totals
where abs(total_share - 1) > 0.000001
