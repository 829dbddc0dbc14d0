with service_requests as (

    select * from {{ ref('int_service_requests__sla') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        service_requests.account_id,
        service_requests.month_start_date,
        service_requests.month_start_date = as_of.as_of_month_start_date
            and as_of.as_of_date < {{ month_end('as_of.as_of_date') }} as is_partial_period,
        max(service_requests.tier) as tier,
        max(service_requests.sla_hours) as sla_hours,
        count(*) as requests,
        count(case when service_requests.is_responded then 1 end) as responded_requests,
        count(case when service_requests.sla_status = 'met' then 1 end) as responses_within_sla,
        count(case when service_requests.sla_status = 'breached' then 1 end) as breached_requests,
        count(case when service_requests.sla_status = 'pending' then 1 end) as pending_requests,
        100 * {{ safe_ratio(
            "count(case when service_requests.sla_status = 'met' then 1 end)",
            "count(case when service_requests.sla_status in ('met', 'breached') then 1 end)"
        ) }} as sla_compliance_pct,
        cast({{ median('service_requests.first_response_hours') }} as {{ type_double() }})
            as median_first_response_hours,
        avg(service_requests.first_response_hours) as avg_first_response_hours
    from service_requests
    cross join as_of
    group by
        service_requests.account_id,
        service_requests.month_start_date,
        as_of.as_of_month_start_date,
        as_of.as_of_date

)

select * from final
