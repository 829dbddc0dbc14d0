with source as (

    select * from {{ source('bronze', 'users') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by kam_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        kam_id,
        full_name,
        role,
        region,
        email,
        manager_id,
        hired_date,
        is_active,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
