with source as (

    select * from {{ source('bronze', 'opportunities') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by opportunity_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        opportunity_id,
        account_id,
        opportunity_type,
        stage,
        amount,
        created_at,
        kam_id,
        product_id,
        probability,
        close_date,
        is_won,
        is_closed,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
