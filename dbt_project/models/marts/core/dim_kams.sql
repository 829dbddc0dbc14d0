with users as (

    select * from {{ ref('stg_crm__users') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

current_tiers as (

    select
        account_tiers.account_id,
        account_tiers.tier
    from account_tiers
    inner join as_of
        on account_tiers.month_start_date = as_of.as_of_month_start_date

),

owned as (

    select
        accounts.owner_kam_id as kam_id,
        count(*) as accounts_owned,
        count(case when current_tiers.tier = 'key' then 1 end) as key_accounts_owned
    from accounts
    left join current_tiers
        on accounts.account_id = current_tiers.account_id
    group by accounts.owner_kam_id

),

final as (

    select
        users.kam_id,
        users.full_name as kam_name,
        {#- Always a column (the contract names it), filled only when the configuration allows:
            a column that comes and goes with a setting would break the dashboards using it. #}
        {% if var('expose_contact_names') -%}
        users.email,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as email,
        {%- endif %}
        users.role,
        users.region,
        users.manager_id,
        users.hired_date,
        coalesce(users.is_active, true) as is_active,
        {{ as_bigint('coalesce(owned.accounts_owned, 0)') }} as accounts_owned,
        {{ as_bigint('coalesce(owned.key_accounts_owned, 0)') }} as key_accounts_owned
    from users
    left join owned
        on users.kam_id = owned.kam_id

)

select * from final
