with source as (

    select * from {{ source('bronze', 'products') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by product_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        product_id,
        product_name,
        product_category,
        list_price,
        brand,
        unit_cost,
        launched_date,
        is_merchandise,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
