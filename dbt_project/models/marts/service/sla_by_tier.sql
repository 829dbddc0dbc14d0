{#- First-response SLA rolled up per month and tier (the tier the account had in the month the
    request was opened; 'unranked' before the account's first tier snapshot). The as-of month is
    partial: its figures are to date. -#}
with service_requests as (

    select * from {{ ref('int_service_requests__sla') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

per_tier as (

    select
        month_start_date,
        coalesce(tier, 'unranked') as tier,
        max(sla_hours) as sla_hours,
        count(distinct account_id) as accounts_with_requests,
        {{ sla_measures() }}
    from service_requests
    group by month_start_date, coalesce(tier, 'unranked')

),

final as (

    select
        per_tier.month_start_date,
        per_tier.tier,
        per_tier.month_start_date = as_of.as_of_month_start_date
            and as_of.as_of_date < {{ month_end('as_of.as_of_date') }} as is_partial_period,
        per_tier.sla_hours,
        per_tier.accounts_with_requests,
        per_tier.requests,
        per_tier.responded_requests,
        per_tier.responses_within_sla,
        per_tier.breached_requests,
        per_tier.pending_requests,
        per_tier.sla_compliance_pct,
        per_tier.median_first_response_hours,
        per_tier.avg_first_response_hours
    from per_tier
    cross join as_of

)

select * from final
