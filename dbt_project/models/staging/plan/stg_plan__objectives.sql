with source as (

    select * from {{ source('bronze', 'objectives') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by plan_period, account_id, kpi
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        plan_period,
        account_id,
        kpi,
        kam_id,
        target_value,
        weight,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
