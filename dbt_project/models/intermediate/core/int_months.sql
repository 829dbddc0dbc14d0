{#- Month spine: every month from the first invoice month to the as-of month. -#}
with as_of as (

    select * from {{ ref('int_as_of_date') }}

),

numbers as (

    select n from {{ integer_sequence(4) }} as sequence

),

months as (

    select {{ add_months('as_of.history_start_month_date', 'numbers.n') }} as month_start_date
    from as_of
    cross join numbers
    where numbers.n <= {{ datediff_int('month', 'as_of.history_start_month_date', 'as_of.as_of_month_start_date') }}

),

final as (

    select
        month_start_date,
        {{ month_end('month_start_date') }} as month_end_date,
        {{ quarter_start('month_start_date') }} as quarter_start_date
    from months

)

select * from final
