{#- One row per service request opened up to the as-of date, with the SLA of the account's tier
    in the month it was opened and whether the first response met it. A response after the as-of
    date does not count yet; a request still inside its SLA window is pending. -#}
with service_requests as (

    select * from {{ ref('stg_crm__service_requests') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

in_scope as (

    select
        service_requests.request_id,
        service_requests.account_id,
        service_requests.opened_at,
        cast(service_requests.opened_at as date) as opened_date,
        {{ month_start('service_requests.opened_at') }} as month_start_date,
        service_requests.channel,
        service_requests.priority,
        case
            when service_requests.first_response_at < cast({{ add_days('as_of.as_of_date', 1) }} as {{ dbt.type_timestamp() }})
                then service_requests.first_response_at
        end as first_response_at,
        cast({{ add_days('as_of.as_of_date', 1) }} as {{ dbt.type_timestamp() }}) as as_of_end_at
    from service_requests
    cross join as_of
    where cast(service_requests.opened_at as date) <= as_of.as_of_date

),

with_tier as (

    select
        in_scope.*,
        account_tiers.tier,
        case
            when account_tiers.tier = 'key' then {{ var('sla_hours_key') }}
            else {{ var('sla_hours_default') }}
        end as sla_hours,
        {{ hours_between('in_scope.opened_at', 'in_scope.first_response_at') }} as first_response_hours,
        {{ hours_between('in_scope.opened_at', 'in_scope.as_of_end_at') }} as hours_open_at_as_of
    from in_scope
    left join account_tiers
        on in_scope.account_id = account_tiers.account_id
        and in_scope.month_start_date = account_tiers.month_start_date

),

final as (

    select
        request_id,
        account_id,
        opened_at,
        opened_date,
        month_start_date,
        {{ plan_period_of('opened_date') }} as plan_period,
        channel,
        priority,
        tier,
        sla_hours,
        first_response_at,
        first_response_hours,
        first_response_at is not null as is_responded,
        case
            when first_response_at is not null and first_response_hours <= sla_hours then 'met'
            when first_response_at is not null then 'breached'
            when hours_open_at_as_of > sla_hours then 'breached'
            else 'pending'
        end as sla_status
    from with_tier

)

select * from final
