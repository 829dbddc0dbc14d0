with source as (

    select * from {{ source('bronze', 'service_requests') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by request_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        request_id,
        account_id,
        opened_at,
        contact_id,
        first_response_at,
        resolved_at,
        channel,
        priority,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
