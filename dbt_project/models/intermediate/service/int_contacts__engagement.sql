{#- One row per active contact: its role and relationship level, and whether a completed activity
    named it in the engagement window (engaged_window_days up to the as-of date). is_engaged is
    null when no activities were delivered: nobody can be called unengaged then. The one
    definition of "engaged" that decision_unit_coverage and decision_unit_gaps share. -#}
with contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

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

final as (

    select
        contacts.contact_id,
        contacts.account_id,
        contacts.decision_role,
        contacts.relationship_level,
        case
            when inputs.has_activities then recent_engagements.contact_id is not null
        end as is_engaged
    from contacts
    cross join inputs
    left join recent_engagements
        on contacts.contact_id = recent_engagements.contact_id
    where coalesce(contacts.is_active, true)

)

select * from final
