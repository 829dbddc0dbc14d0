with source as (

    select * from {{ source('bronze', 'tier_overrides') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by account_id, valid_from
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        account_id,
        valid_from,
        tier,
        reason,
        valid_to,
        approved_by,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
