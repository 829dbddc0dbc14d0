with workload as (

    select * from {{ ref('int_kams__workload') }}

),

objective_attainment as (

    select * from {{ ref('objective_attainment') }}

),

actions as (

    select * from {{ ref('stg_plan__actions') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

service_requests as (

    select * from {{ ref('int_service_requests__sla') }}

),

plan_periods as (

    select * from {{ ref('int_plan__periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

attainment as (

    select
        kam_id,
        plan_period,
        count(*) as objectives_count,
        sum(case when attainment_pct is not null then weight * attainment_pct else 0 end)
            as weighted_attainment_sum,
        sum(case when attainment_pct is not null then weight else 0 end) as attainment_weight,
        -- One count per pace status plus the objectives without one: they add up to
        -- objectives_count (achieved is not counted as on track too).
        count(case when pace_status = 'achieved' then 1 end) as objectives_achieved,
        count(case when pace_status = 'on_track' then 1 end) as objectives_on_track,
        count(case when pace_status = 'at_risk' then 1 end) as objectives_at_risk,
        count(case when pace_status = 'off_track' then 1 end) as objectives_off_track,
        count(case when pace_status is null then 1 end) as objectives_not_measured
    from objective_attainment
    group by kam_id, plan_period

),

action_counts as (

    select
        actions.kam_id,
        {{ plan_period_of('actions.due_date') }} as plan_period,
        count(case when actions.status <> 'cancelled' then 1 end) as actions_planned,
        count(
            case
                when actions.status = 'done'
                    and (actions.completed_date is null or actions.completed_date <= as_of.as_of_date)
                    then 1
            end
        ) as actions_done,
        count(
            case
                when actions.status = 'done'
                    and actions.completed_date <= actions.due_date
                    and actions.completed_date <= as_of.as_of_date
                    then 1
            end
        ) as actions_done_on_time,
        count(
            case
                when actions.status not in ('done', 'cancelled') and actions.due_date < as_of.as_of_date
                    then 1
            end
        ) as actions_overdue
    from actions
    cross join as_of
    group by actions.kam_id, {{ plan_period_of('actions.due_date') }}

),

sla_counts as (

    select
        accounts.owner_kam_id as kam_id,
        service_requests.plan_period,
        count(case when service_requests.sla_status = 'met' then 1 end) as requests_met,
        count(case when service_requests.sla_status in ('met', 'breached') then 1 end)
            as requests_decided
    from service_requests
    inner join accounts
        on service_requests.account_id = accounts.account_id
    group by accounts.owner_kam_id, service_requests.plan_period

),

{#- Counts of an input that was never delivered are null, not 0: "no action done" and "no
    actions recorded" are different answers. -#}
final as (

    select
        workload.kam_id,
        workload.plan_period,
        workload.role,
        plan_periods.period_start_date,
        plan_periods.period_end_date,
        coalesce(attainment.objectives_count, 0) as objectives_count,
        {{ safe_ratio('attainment.weighted_attainment_sum', 'attainment.attainment_weight') }}
            as weighted_attainment_pct,
        coalesce(attainment.objectives_achieved, 0) as objectives_achieved,
        coalesce(attainment.objectives_on_track, 0) as objectives_on_track,
        coalesce(attainment.objectives_at_risk, 0) as objectives_at_risk,
        coalesce(attainment.objectives_off_track, 0) as objectives_off_track,
        coalesce(attainment.objectives_not_measured, 0) as objectives_not_measured,
        workload.accounts_owned,
        workload.key_accounts_owned,
        workload.workload_status,
        workload.workload_status = 'within' as is_workload_within_limits,
        case when inputs.has_actions then coalesce(action_counts.actions_planned, 0) end
            as actions_planned,
        case when inputs.has_actions then coalesce(action_counts.actions_done, 0) end
            as actions_done,
        case when inputs.has_actions then coalesce(action_counts.actions_done_on_time, 0) end
            as actions_done_on_time,
        case when inputs.has_actions then coalesce(action_counts.actions_overdue, 0) end
            as actions_overdue,
        {{ safe_ratio('action_counts.actions_done_on_time', 'action_counts.actions_done') }}
            as actions_on_time_share,
        case when inputs.has_service_requests then coalesce(sla_counts.requests_decided, 0) end
            as service_requests_measured,
        100 * {{ safe_ratio('sla_counts.requests_met', 'sla_counts.requests_decided') }}
            as sla_compliance_pct
    from workload
    cross join inputs
    inner join plan_periods
        on workload.plan_period = plan_periods.plan_period
    left join attainment
        on workload.kam_id = attainment.kam_id
        and workload.plan_period = attainment.plan_period
    left join action_counts
        on workload.kam_id = action_counts.kam_id
        and workload.plan_period = action_counts.plan_period
    left join sla_counts
        on workload.kam_id = sla_counts.kam_id
        and workload.plan_period = sla_counts.plan_period

)

select * from final
