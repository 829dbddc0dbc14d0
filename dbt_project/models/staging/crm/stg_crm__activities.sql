with source as (

    select * from {{ source('bronze', 'activities') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by activity_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        activity_id,
        account_id,
        kam_id,
        activity_type,
        started_at,
        contact_id,
        duration_minutes,
        is_completed,
        outcome,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
