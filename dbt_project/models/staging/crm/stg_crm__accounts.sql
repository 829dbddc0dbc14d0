with source as (

    select * from {{ source('bronze', 'accounts') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by account_id
            order by _loaded_at desc, _load_id desc, _source_line desc
        ) as version_rank
    from source

),

final as (

    select
        account_id,
        account_name,
        account_type,
        state,
        {#- Brazil is a default, not the contract: the Brazilian macro-regions apply to accounts
            in Brazil; elsewhere the region is the state or region text as delivered. #}
        case
            when country <> 'BR' then state
            when state in ('AC', 'AM', 'AP', 'PA', 'RO', 'RR', 'TO') then 'Norte'
            when state in ('AL', 'BA', 'CE', 'MA', 'PB', 'PE', 'PI', 'RN', 'SE') then 'Nordeste'
            when state in ('DF', 'GO', 'MS', 'MT') then 'Centro-Oeste'
            when state in ('ES', 'MG', 'RJ', 'SP') then 'Sudeste'
            when state in ('PR', 'RS', 'SC') then 'Sul'
        end as region,
        owner_kam_id,
        created_at,
        cnpj,
        city,
        country,
        beds,
        market_potential,
        referred_by_account_id,
        is_reference_site,
        competitors,
        _load_id as load_id,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from final
