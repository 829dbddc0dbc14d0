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
        count(*) as requests,
        count(case when is_responded then 1 end) as responded_requests,
        count(case when sla_status = 'met' then 1 end) as responses_within_sla,
        count(case when sla_status = 'breached' then 1 end) as breached_requests,
        count(case when sla_status = 'pending' then 1 end) as pending_requests,
        100 * {{ safe_ratio(
            "count(case when sla_status = 'met' then 1 end)",
            "count(case when sla_status in ('met', 'breached') then 1 end)"
        ) }} as sla_compliance_pct,
        cast({{ median('first_response_hours') }} as {{ type_double() }}) as median_first_response_hours,
        avg(first_response_hours) as avg_first_response_hours
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
