with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

account_days as (

    select * from {{ ref('int_sales__account_days') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

purchases as (

    select
        account_id,
        min(case when is_purchase_day then invoice_date end) as first_purchase_date,
        max(case when is_purchase_day then invoice_date end) as last_purchase_date,
        sum(net_revenue) as lifetime_revenue
    from account_days
    group by account_id

),

current_tiers as (

    select account_tiers.*
    from account_tiers
    inner join as_of
        on account_tiers.month_start_date = as_of.as_of_month_start_date

),

stakeholders as (

    select
        account_id,
        count(*) as contacts_count,
        count(case when coalesce(is_active, true) then 1 end) as active_contacts_count,
        count(case when coalesce(is_active, true) and decision_role = 'decision_maker' then 1 end)
            as decision_makers_count,
        count(case when coalesce(is_active, true) and decision_role = 'influencer' then 1 end)
            as influencers_count,
        count(case when coalesce(is_active, true) and decision_role = 'champion' then 1 end)
            as champions_count
    from contacts
    group by account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.account_type,
        accounts.cnpj,
        accounts.city,
        accounts.state,
        accounts.region,
        accounts.country,
        accounts.beds,
        accounts.market_potential,
        accounts.competitors,
        accounts.referred_by_account_id,
        coalesce(accounts.is_reference_site, false) as is_reference_site,
        accounts.owner_kam_id,
        accounts.created_at,
        purchases.first_purchase_date,
        purchases.last_purchase_date,
        case
            when purchases.first_purchase_date is not null
                then {{ datediff_int('month', month_start('purchases.first_purchase_date'), 'as_of.as_of_month_start_date') }} + 1
            else 0
        end as tenure_months,
        {{ money('coalesce(purchases.lifetime_revenue, 0)') }} as lifetime_revenue,
        {{ money('coalesce(current_tiers.revenue_12m, 0)') }} as revenue_12m,
        current_tiers.abc_class,
        current_tiers.strategic_score,
        current_tiers.tier,
        current_tiers.tier_reason,
        coalesce(current_tiers.is_override, false) as is_tier_override,
        {{ as_bigint('coalesce(current_tiers.referrals_count, 0)') }} as referrals_count,
        -- Null, not 0, when no contacts were delivered: unknown is not "nobody mapped".
        case when inputs.has_contacts then coalesce(stakeholders.contacts_count, 0) end
            as contacts_count,
        case when inputs.has_contacts then coalesce(stakeholders.active_contacts_count, 0) end
            as active_contacts_count,
        case when inputs.has_contacts then coalesce(stakeholders.decision_makers_count, 0) end
            as decision_makers_count,
        case when inputs.has_contacts then coalesce(stakeholders.influencers_count, 0) end
            as influencers_count,
        case when inputs.has_contacts then coalesce(stakeholders.champions_count, 0) end
            as champions_count
    from accounts
    cross join as_of
    cross join inputs
    left join purchases
        on accounts.account_id = purchases.account_id
    left join current_tiers
        on accounts.account_id = current_tiers.account_id
    left join stakeholders
        on accounts.account_id = stakeholders.account_id

)

select * from final
