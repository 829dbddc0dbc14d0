with dates as (

    select * from {{ ref('int_dates') }}

),

final as (

    select
        date_day,
        year_number,
        quarter_number,
        month_number,
        day_of_month,
        iso_day_of_week,
        iso_day_of_week >= 6 as is_weekend,
        month_start_date,
        month_end_date,
        quarter_start_date,
        quarter_end_date,
        year_start_date,
        plan_period,
        date_day = month_end_date as is_month_end,
        date_day = quarter_end_date as is_quarter_end
    from dates

)

select * from final
