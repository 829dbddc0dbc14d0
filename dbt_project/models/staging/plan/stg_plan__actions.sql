with source as (

    select * from {{ source('bronze', 'actions') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by action_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        action_id,
        account_id,
        kam_id,
        description,
        due_date,
        status,
        objective_kpi,
        completed_date,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
