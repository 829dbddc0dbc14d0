{#- The first-response SLA figures of a group of service requests (int_service_requests__sla
    rows), the same in every SLA mart whatever its grain. -#}
{% macro sla_measures() -%}
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
{%- endmacro %}
