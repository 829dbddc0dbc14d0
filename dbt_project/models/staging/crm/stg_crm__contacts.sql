with source as (

    select * from {{ source('bronze', 'contacts') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by contact_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        contact_id,
        account_id,
        decision_role,
        relationship_level,
        full_name,
        job_title,
        department,
        is_active,
        updated_at,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
