{#- One row per account-owning user and plan period: accounts and key accounts owned at the
    period's tier snapshot, and whether that is within the role's workload limits. The default
    roles keep their meaning (a key account manager's limits count key accounts, an account
    manager's count accounts, a regional manager manages people and owns no scorecard); a role
    added in kam.yml passes through with no workload limits (workload_status null). -#}
with users as (

    select * from {{ ref('stg_crm__users') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

plan_periods as (

    select * from {{ ref('int_plan__periods') }}

),

owned as (

    select
        plan_periods.plan_period,
        accounts.owner_kam_id as kam_id,
        count(*) as accounts_owned,
        count(case when account_tiers.tier = 'key' then 1 end) as key_accounts_owned
    from accounts
    cross join plan_periods
    left join account_tiers
        on accounts.account_id = account_tiers.account_id
        and plan_periods.snapshot_month_start_date = account_tiers.month_start_date
    group by plan_periods.plan_period, accounts.owner_kam_id

),

kam_periods as (

    select
        users.kam_id,
        users.role,
        plan_periods.plan_period,
        coalesce(owned.accounts_owned, 0) as accounts_owned,
        coalesce(owned.key_accounts_owned, 0) as key_accounts_owned
    from users
    cross join plan_periods
    left join owned
        on users.kam_id = owned.kam_id
        and plan_periods.plan_period = owned.plan_period
    where users.role <> 'regional_manager'

),

final as (

    select
        kam_id,
        plan_period,
        role,
        accounts_owned,
        key_accounts_owned,
        case
            when role = 'key_account_manager' and key_accounts_owned < {{ var('workload_key_accounts_min') }} then 'under'
            when role = 'key_account_manager' and key_accounts_owned > {{ var('workload_key_accounts_max') }} then 'over'
            when role = 'account_manager' and accounts_owned < {{ var('workload_accounts_min') }} then 'under'
            when role = 'account_manager' and accounts_owned > {{ var('workload_accounts_max') }} then 'over'
            when role in ('key_account_manager', 'account_manager') then 'within'
        end as workload_status
    from kam_periods

)

select * from final
