{#- Decision unit coverage per account. Empty when no contacts were delivered (there is no decision
    unit to describe); the engagement counts are null when no activities were delivered. -#}
with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contact_engagement as (

    select * from {{ ref('int_contacts__engagement') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

per_account as (

    select
        account_id,
        count(*) as stakeholders,
        count(case when decision_role = 'decision_maker' then 1 end) as decision_makers_mapped,
        count(case when decision_role = 'decision_maker' and is_engaged then 1 end)
            as decision_makers_engaged,
        count(case when decision_role = 'influencer' then 1 end) as influencers_mapped,
        count(case when decision_role = 'champion' then 1 end) as champions_mapped,
        count(case when is_engaged then 1 end) as contacts_engaged,
        avg(cast(relationship_level as {{ type_double() }})) as avg_relationship_level,
        avg(case when decision_role = 'decision_maker' then cast(relationship_level as {{ type_double() }}) end)
            as avg_decision_maker_relationship_level
    from contact_engagement
    group by account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.owner_kam_id,
        coalesce(per_account.stakeholders, 0) as stakeholders,
        coalesce(per_account.decision_makers_mapped, 0) as decision_makers_mapped,
        case when inputs.has_activities then coalesce(per_account.decision_makers_engaged, 0) end
            as decision_makers_engaged,
        coalesce(per_account.influencers_mapped, 0) as influencers_mapped,
        coalesce(per_account.champions_mapped, 0) as champions_mapped,
        case when inputs.has_activities then coalesce(per_account.contacts_engaged, 0) end
            as contacts_engaged,
        case
            when inputs.has_activities
                then {{ safe_ratio('per_account.decision_makers_engaged', 'per_account.decision_makers_mapped') }}
        end as decision_maker_engaged_share,
        per_account.avg_relationship_level,
        per_account.avg_decision_maker_relationship_level,
        case when inputs.has_activities then coalesce(per_account.contacts_engaged, 0) = 1 end
            as is_single_threaded,
        case when inputs.has_activities then coalesce(per_account.contacts_engaged, 0) = 0 end
            as has_no_engagement,
        {{ var('engaged_window_days') }} as engaged_window_days
    from accounts
    cross join inputs
    left join per_account
        on accounts.account_id = per_account.account_id
    where inputs.has_contacts

)

select * from final
