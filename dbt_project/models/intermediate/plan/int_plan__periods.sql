{#- One row per plan period (quarter) named by objectives or actions that has started by the
    as-of date: its bounds, the days elapsed and the expected share of the period. -#}
with objectives as (

    select * from {{ ref('stg_plan__objectives') }}

),

actions as (

    select * from {{ ref('stg_plan__actions') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

named_periods as (

    select plan_period from objectives
    union
    select {{ plan_period_of('due_date') }} as plan_period from actions

),

bounded as (

    select
        plan_period,
        {{ plan_period_start('plan_period') }} as period_start_date
    from named_periods

),

elapsed as (

    select
        bounded.plan_period,
        bounded.period_start_date,
        {{ add_days(add_months('bounded.period_start_date', 3), -1) }} as period_end_date,
        as_of.as_of_date
    from bounded
    cross join as_of
    where bounded.period_start_date <= as_of.as_of_date

),

final as (

    select
        plan_period,
        period_start_date,
        period_end_date,
        least(period_end_date, as_of_date) as measured_to_date,
        {{ month_start('least(period_end_date, as_of_date)') }} as snapshot_month_start_date,
        {{ datediff_int('day', 'period_start_date', 'period_end_date') }} + 1 as days_in_period,
        {{ datediff_int('day', 'period_start_date', 'least(period_end_date, as_of_date)') }} + 1 as days_elapsed,
        100 * {{ safe_ratio(
            datediff_int('day', 'period_start_date', 'least(period_end_date, as_of_date)') ~ ' + 1',
            datediff_int('day', 'period_start_date', 'period_end_date') ~ ' + 1'
        ) }} as expected_pct,
        as_of_date >= period_end_date as is_period_closed
    from elapsed

)

select * from final
