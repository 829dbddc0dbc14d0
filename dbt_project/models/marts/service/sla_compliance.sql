with service_requests as (

    select * from {{ ref('int_service_requests__sla') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

per_month as (

    select
        account_id,
        month_start_date,
        max(tier) as tier,
        max(sla_hours) as sla_hours,
        {{ sla_measures() }}
    from service_requests
    group by account_id, month_start_date

),

final as (

    select
        per_month.account_id,
        per_month.month_start_date,
        per_month.month_start_date = as_of.as_of_month_start_date
            and as_of.as_of_date < {{ month_end('as_of.as_of_date') }} as is_partial_period,
        per_month.tier,
        per_month.sla_hours,
        per_month.requests,
        per_month.responded_requests,
        per_month.responses_within_sla,
        per_month.breached_requests,
        per_month.pending_requests,
        per_month.sla_compliance_pct,
        per_month.median_first_response_hours,
        per_month.avg_first_response_hours
    from per_month
    cross join as_of

)

select * from final
