with actions as (

    select * from {{ ref('stg_plan__actions') }}

),

objectives as (

    select * from {{ ref('stg_plan__objectives') }}

),

swot as (

    select * from {{ ref('stg_plan__swot') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

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

action_status as (

    select
        actions.account_id,
        {{ plan_period_of('actions.due_date') }} as plan_period,
        actions.status,
        actions.status = 'done'
            and (actions.completed_date is null or actions.completed_date <= as_of.as_of_date)
            as is_done,
        actions.status = 'done'
            and actions.completed_date is not null
            and actions.completed_date <= actions.due_date
            and actions.completed_date <= as_of.as_of_date
            as is_done_on_time,
        actions.status not in ('done', 'cancelled') and actions.due_date < as_of.as_of_date
            as is_overdue
    from actions
    cross join as_of

),

action_counts as (

    select
        account_id,
        plan_period,
        count(case when status <> 'cancelled' then 1 end) as actions_planned,
        count(case when is_done then 1 end) as actions_done,
        count(case when is_done_on_time then 1 end) as actions_done_on_time,
        count(case when is_overdue then 1 end) as actions_overdue,
        count(case when status = 'cancelled' then 1 end) as actions_cancelled
    from action_status
    group by account_id, plan_period

),

objective_counts as (

    select
        account_id,
        plan_period,
        count(*) as objectives_count
    from objectives
    group by account_id, plan_period

),

swot_counts as (

    select
        account_id,
        plan_year,
        count(distinct quadrant) as swot_quadrants_filled,
        count(*) as swot_items
    from swot
    group by account_id, plan_year

),

account_periods as (

    select account_id, plan_period from action_counts
    union
    select account_id, plan_period from objective_counts

),

{#- Counts of an input that was never delivered (actions, SWOT) are null, not 0. -#}
final as (

    select
        account_periods.account_id,
        account_periods.plan_period,
        accounts.owner_kam_id as kam_id,
        plan_periods.period_start_date,
        plan_periods.period_end_date,
        coalesce(objective_counts.objectives_count, 0) as objectives_count,
        case when inputs.has_actions then coalesce(action_counts.actions_planned, 0) end
            as actions_planned,
        case when inputs.has_actions then coalesce(action_counts.actions_done, 0) end
            as actions_done,
        case when inputs.has_actions then coalesce(action_counts.actions_done_on_time, 0) end
            as actions_done_on_time,
        case when inputs.has_actions then coalesce(action_counts.actions_overdue, 0) end
            as actions_overdue,
        case when inputs.has_actions then coalesce(action_counts.actions_cancelled, 0) end
            as actions_cancelled,
        {{ safe_ratio('action_counts.actions_done', 'action_counts.actions_planned') }} as actions_done_share,
        case when inputs.has_swot then coalesce(swot_counts.swot_quadrants_filled, 0) end
            as swot_quadrants_filled,
        case when inputs.has_swot then coalesce(swot_counts.swot_items, 0) end as swot_items,
        case when inputs.has_swot then coalesce(swot_counts.swot_quadrants_filled, 0) = 4 end
            as is_swot_complete
    from account_periods
    cross join inputs
    inner join plan_periods
        on account_periods.plan_period = plan_periods.plan_period
    left join accounts
        on account_periods.account_id = accounts.account_id
    left join action_counts
        on account_periods.account_id = action_counts.account_id
        and account_periods.plan_period = action_counts.plan_period
    left join objective_counts
        on account_periods.account_id = objective_counts.account_id
        and account_periods.plan_period = objective_counts.plan_period
    left join swot_counts
        on account_periods.account_id = swot_counts.account_id
        and cast(extract(year from plan_periods.period_start_date) as integer) = swot_counts.plan_year

)

select * from final
