{#- Date spine: every day from January 1st of the first invoice year to December 31st of the
    as-of year, built from a numbers subquery so every engine runs it. -#}
with as_of as (

    select * from {{ ref('int_as_of_date') }}

),

bounds as (

    select
        {{ year_start('history_start_month_date') }} as start_date,
        {{ add_days(add_months(year_start('as_of_date'), 12), -1) }} as end_date
    from as_of

),

numbers as (

    select n from {{ integer_sequence(5) }} as sequence

),

days as (

    select {{ add_days('bounds.start_date', 'numbers.n') }} as date_day
    from bounds
    cross join numbers
    where numbers.n <= {{ datediff_int('day', 'bounds.start_date', 'bounds.end_date') }}

),

with_offsets as (

    select
        date_day,
        {{ datediff_int('day', "cast('2000-01-03' as date)", 'date_day') }} as days_since_a_monday
    from days

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        {#- 2000-01-03 was a Monday; floor division keeps days before it right too. #}
        days_since_a_monday - 7 * cast(floor(days_since_a_monday / 7.0) as integer) + 1 as iso_day_of_week,
        {{ month_start('date_day') }} as month_start_date,
        {{ month_end('date_day') }} as month_end_date,
        {{ quarter_start('date_day') }} as quarter_start_date,
        {{ add_days(add_months(quarter_start('date_day'), 3), -1) }} as quarter_end_date,
        {{ year_start('date_day') }} as year_start_date,
        {{ plan_period_of('date_day') }} as plan_period
    from with_offsets

)

select * from final
