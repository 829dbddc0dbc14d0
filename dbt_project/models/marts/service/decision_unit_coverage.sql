with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

active_contacts as (

    select *
    from contacts
    where coalesce(is_active, true)

),

recent_engagements as (

    select distinct
        activities.contact_id
    from activities
    cross join as_of
    where activities.contact_id is not null
        and coalesce(activities.is_completed, true)
        and cast(activities.started_at as date) <= as_of.as_of_date
        and cast(activities.started_at as date)
            > {{ add_days('as_of.as_of_date', -1 * var('engaged_window_days')) }}

),

contact_engagement as (

    select
        active_contacts.account_id,
        active_contacts.contact_id,
        active_contacts.decision_role,
        active_contacts.relationship_level,
        recent_engagements.contact_id is not null as is_engaged
    from active_contacts
    left join recent_engagements
        on active_contacts.contact_id = recent_engagements.contact_id

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
        accounts.owner_kam_id as kam_id,
        coalesce(per_account.stakeholders, 0) as stakeholders,
        coalesce(per_account.decision_makers_mapped, 0) as decision_makers_mapped,
        coalesce(per_account.decision_makers_engaged, 0) as decision_makers_engaged,
        coalesce(per_account.influencers_mapped, 0) as influencers_mapped,
        coalesce(per_account.champions_mapped, 0) as champions_mapped,
        coalesce(per_account.contacts_engaged, 0) as contacts_engaged,
        {{ safe_ratio('per_account.decision_makers_engaged', 'per_account.decision_makers_mapped') }}
            as decision_maker_engaged_share,
        per_account.avg_relationship_level,
        per_account.avg_decision_maker_relationship_level,
        coalesce(per_account.contacts_engaged, 0) = 1 as is_single_threaded,
        coalesce(per_account.contacts_engaged, 0) = 0 as has_no_engagement,
        {{ var('engaged_window_days') }} as engaged_window_days
    from accounts
    left join per_account
        on accounts.account_id = per_account.account_id

)

select * from final
