{#- One row per objective (account, KPI, plan period) of a started period, with the KPI's actual
    value over the period's days up to the as-of date. An actual whose input was never delivered
    (visits without activities, SLA without service requests, ...) is null with the reason, not a
    0 that would read as measured. Revenue, units and listings count merchandise only. -#}
with objectives as (

    select * from {{ ref('stg_plan__objectives') }}

),

plan_periods as (

    select * from {{ ref('int_plan__periods') }}

),

account_days as (

    select * from {{ ref('int_sales__account_days') }}

),

account_products as (

    select * from {{ ref('int_sales__account_products') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

service_requests as (

    select * from {{ ref('int_service_requests__sla') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

sales_actuals as (

    select
        account_id,
        {{ plan_period_of('invoice_date') }} as plan_period,
        sum(net_revenue) as net_revenue,
        sum(quantity) as units
    from account_days
    group by account_id, {{ plan_period_of('invoice_date') }}

),

listing_actuals as (

    select
        account_id,
        {{ plan_period_of('first_purchase_date') }} as plan_period,
        count(*) as new_listings
    from account_products
    where first_purchase_date is not null
        and is_merchandise
    group by account_id, {{ plan_period_of('first_purchase_date') }}

),

completed_activities as (

    select
        activities.account_id,
        activities.contact_id,
        activities.activity_type,
        {{ plan_period_of('cast(activities.started_at as date)') }} as plan_period
    from activities
    cross join as_of
    where cast(activities.started_at as date) <= as_of.as_of_date
        and coalesce(activities.is_completed, true)

),

visit_actuals as (

    select
        account_id,
        plan_period,
        count(*) as visits
    from completed_activities
    where activity_type = 'visit'
    group by account_id, plan_period

),

engagement_actuals as (

    select
        completed_activities.account_id,
        completed_activities.plan_period,
        count(distinct completed_activities.contact_id) as decision_makers_engaged
    from completed_activities
    inner join contacts
        on completed_activities.contact_id = contacts.contact_id
    where contacts.decision_role = 'decision_maker'
    group by completed_activities.account_id, completed_activities.plan_period

),

sla_actuals as (

    select
        account_id,
        plan_period,
        100 * {{ safe_ratio(
            "count(case when sla_status = 'met' then 1 end)",
            "count(case when sla_status in ('met', 'breached') then 1 end)"
        ) }} as sla_compliance_pct
    from service_requests
    group by account_id, plan_period

),

opportunity_actuals as (

    select
        opportunities.account_id,
        {{ plan_period_of('opportunities.close_date') }} as plan_period,
        count(*) as opportunities_won
    from opportunities
    cross join as_of
    where opportunities.is_won
        and opportunities.close_date <= as_of.as_of_date
    group by opportunities.account_id, {{ plan_period_of('opportunities.close_date') }}

),

objectives_in_scope as (

    select
        objectives.plan_period,
        objectives.account_id,
        objectives.kpi,
        objectives.kam_id,
        objectives.target_value,
        objectives.weight
    from objectives
    inner join plan_periods
        on objectives.plan_period = plan_periods.plan_period

),

final as (

    select
        objectives_in_scope.account_id,
        objectives_in_scope.kpi,
        objectives_in_scope.plan_period,
        objectives_in_scope.kam_id,
        cast(objectives_in_scope.target_value as {{ type_double() }}) as target_value,
        cast(coalesce(objectives_in_scope.weight, 1) as {{ type_double() }}) as weight,
        cast(
            case objectives_in_scope.kpi
                when 'net_revenue' then coalesce(sales_actuals.net_revenue, 0)
                when 'units' then coalesce(sales_actuals.units, 0)
                when 'new_listings' then coalesce(listing_actuals.new_listings, 0)
                when 'visits' then
                    case when inputs.has_activities then coalesce(visit_actuals.visits, 0) end
                when 'decision_makers_engaged' then
                    case
                        when inputs.has_activities and inputs.has_contacts
                            then coalesce(engagement_actuals.decision_makers_engaged, 0)
                    end
                when 'sla_compliance_pct' then sla_actuals.sla_compliance_pct
                when 'opportunities_won' then
                    case
                        when inputs.has_opportunities
                            then coalesce(opportunity_actuals.opportunities_won, 0)
                    end
            end
            as {{ type_double() }}
        ) as actual_value,
        case
            when objectives_in_scope.kpi = 'visits' and not inputs.has_activities
                then 'activities not delivered'
            when objectives_in_scope.kpi = 'decision_makers_engaged' and not inputs.has_activities
                then 'activities not delivered'
            when objectives_in_scope.kpi = 'decision_makers_engaged' and not inputs.has_contacts
                then 'contacts not delivered'
            when objectives_in_scope.kpi = 'sla_compliance_pct' and not inputs.has_service_requests
                then 'service requests not delivered'
            when objectives_in_scope.kpi = 'sla_compliance_pct' and sla_actuals.sla_compliance_pct is null
                then 'no service request met or breached its SLA in the period yet'
            when objectives_in_scope.kpi = 'opportunities_won' and not inputs.has_opportunities
                then 'opportunities not delivered'
        end as actual_null_reason
    from objectives_in_scope
    cross join inputs
    left join sales_actuals
        on objectives_in_scope.account_id = sales_actuals.account_id
        and objectives_in_scope.plan_period = sales_actuals.plan_period
    left join listing_actuals
        on objectives_in_scope.account_id = listing_actuals.account_id
        and objectives_in_scope.plan_period = listing_actuals.plan_period
    left join visit_actuals
        on objectives_in_scope.account_id = visit_actuals.account_id
        and objectives_in_scope.plan_period = visit_actuals.plan_period
    left join engagement_actuals
        on objectives_in_scope.account_id = engagement_actuals.account_id
        and objectives_in_scope.plan_period = engagement_actuals.plan_period
    left join sla_actuals
        on objectives_in_scope.account_id = sla_actuals.account_id
        and objectives_in_scope.plan_period = sla_actuals.plan_period
    left join opportunity_actuals
        on objectives_in_scope.account_id = opportunity_actuals.account_id
        and objectives_in_scope.plan_period = opportunity_actuals.plan_period

)

select * from final
