with objective_actuals as (

    select * from {{ ref('int_objectives__actuals') }}

),

plan_periods as (

    select * from {{ ref('int_plan__periods') }}

),

measured as (

    select
        objective_actuals.*,
        plan_periods.period_start_date,
        plan_periods.period_end_date,
        plan_periods.measured_to_date,
        plan_periods.days_in_period,
        plan_periods.days_elapsed,
        plan_periods.is_period_closed,
        plan_periods.expected_pct,
        -- A net-negative actual (returns exceeding sales in the period) attains 0 %, not less;
        -- an actual that cannot be measured stays null.
        100 * {{ safe_ratio(
            'case when objective_actuals.actual_value < 0 then 0 else objective_actuals.actual_value end',
            'objective_actuals.target_value'
        ) }} as attainment_pct
    from objective_actuals
    inner join plan_periods
        on objective_actuals.plan_period = plan_periods.plan_period

),

final as (

    select
        account_id,
        kpi,
        plan_period,
        kam_id,
        period_start_date,
        period_end_date,
        measured_to_date,
        days_in_period,
        days_elapsed,
        is_period_closed,
        target_value,
        weight,
        actual_value,
        attainment_pct,
        expected_pct,
        case
            when attainment_pct is null then null
            when attainment_pct >= 100 then 'achieved'
            when attainment_pct >= expected_pct then 'on_track'
            when attainment_pct >= 0.8 * expected_pct then 'at_risk'
            else 'off_track'
        end as pace_status,
        case
            when attainment_pct is not null then null
            when actual_null_reason is not null then actual_null_reason
            when target_value = 0 then 'target is 0'
        end as not_measured_reason
    from measured

)

select * from final
