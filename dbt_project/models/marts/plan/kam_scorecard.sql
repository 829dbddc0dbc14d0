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

attainment as (

    select
        kam_id,
        plan_period,
        count(*) as objectives_count,
        sum(case when attainment_pct is not null then weight * attainment_pct else 0 end)
            as weighted_attainment_sum,
        sum(case when attainment_pct is not null then weight else 0 end) as attainment_weight,
        count(case when pace_status = 'achieved' then 1 end) as objectives_achieved,
        count(case when pace_status in ('achieved', 'on_track') then 1 end) as objectives_on_pace,
        count(case when pace_status = 'off_track' then 1 end) as objectives_off_track
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
        coalesce(attainment.objectives_on_pace, 0) as objectives_on_pace,
        coalesce(attainment.objectives_off_track, 0) as objectives_off_track,
        workload.accounts_owned,
        workload.key_accounts_owned,
        workload.workload_status,
        workload.workload_status = 'within' as is_workload_within_limits,
        coalesce(action_counts.actions_planned, 0) as actions_planned,
        coalesce(action_counts.actions_done, 0) as actions_done,
        coalesce(action_counts.actions_done_on_time, 0) as actions_done_on_time,
        coalesce(action_counts.actions_overdue, 0) as actions_overdue,
        {{ safe_ratio('action_counts.actions_done_on_time', 'action_counts.actions_done') }}
            as actions_on_time_share,
        coalesce(sla_counts.requests_decided, 0) as service_requests_measured,
        100 * {{ safe_ratio('sla_counts.requests_met', 'sla_counts.requests_decided') }}
            as sla_compliance_pct
    from workload
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
