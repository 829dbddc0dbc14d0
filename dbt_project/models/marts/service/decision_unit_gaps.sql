{#- The decision unit of every account whose tier at the as-of month is one of
    decision_unit_gap_tiers (key and strategic by default), role by role: the roles every such
    decision unit needs (decision_unit_required_roles) and any other role mapped at the account.
    A required role is a gap when no active contact holds it, or when none of those contacts was
    engaged in the engagement window; with no activities delivered only mapping can be judged.
    Empty when no contacts were delivered. -#}
{%- set gap_tiers = var('decision_unit_gap_tiers') -%}
{%- set required_roles = var('decision_unit_required_roles') -%}

with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_tiers as (

    select * from {{ ref('int_accounts__tiers') }}

),

contact_engagement as (

    select * from {{ ref('int_contacts__engagement') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

inputs as (

    select * from {{ ref('int_inputs__delivered') }}

),

required_roles as (

    {% for role in required_roles -%}
    select '{{ role }}' as decision_role
    {% if not loop.last %}union all
    {% endif %}
    {%- else -%}
    select cast(null as {{ dbt.type_string() }}) as decision_role
    from as_of
    where 1 = 0
    {%- endfor %}

),

reviewed_accounts as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.owner_kam_id,
        account_tiers.tier
    from accounts
    inner join account_tiers
        on accounts.account_id = account_tiers.account_id
    inner join as_of
        on account_tiers.month_start_date = as_of.as_of_month_start_date
    where account_tiers.tier in (
        {%- for tier in gap_tiers %}'{{ tier }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )

),

account_roles as (

    select reviewed_accounts.account_id, required_roles.decision_role
    from reviewed_accounts
    cross join required_roles
    union
    select reviewed_accounts.account_id, contact_engagement.decision_role
    from reviewed_accounts
    inner join contact_engagement
        on reviewed_accounts.account_id = contact_engagement.account_id

),

role_coverage as (

    select
        account_roles.account_id,
        account_roles.decision_role,
        count(contact_engagement.contact_id) as contacts_mapped,
        count(case when contact_engagement.is_engaged then 1 end) as contacts_engaged,
        avg(cast(contact_engagement.relationship_level as {{ type_double() }}))
            as avg_relationship_level
    from account_roles
    left join contact_engagement
        on account_roles.account_id = contact_engagement.account_id
        and account_roles.decision_role = contact_engagement.decision_role
    group by account_roles.account_id, account_roles.decision_role

),

final as (

    select
        reviewed_accounts.account_id,
        role_coverage.decision_role,
        reviewed_accounts.account_name,
        reviewed_accounts.owner_kam_id,
        reviewed_accounts.tier,
        required_roles.decision_role is not null as is_required_role,
        role_coverage.contacts_mapped,
        case when inputs.has_activities then role_coverage.contacts_engaged end as contacts_engaged,
        role_coverage.avg_relationship_level,
        required_roles.decision_role is not null
            and (
                role_coverage.contacts_mapped = 0
                or (inputs.has_activities and role_coverage.contacts_engaged = 0)
            ) as is_gap,
        case
            when required_roles.decision_role is null then null
            when role_coverage.contacts_mapped = 0
                then 'no ' || role_coverage.decision_role || ' mapped'
            when inputs.has_activities and role_coverage.contacts_engaged = 0
                then role_coverage.decision_role || ' mapped but not engaged in the last '
                    || '{{ var("engaged_window_days") }} days'
        end as gap_reason
    from role_coverage
    cross join inputs
    inner join reviewed_accounts
        on role_coverage.account_id = reviewed_accounts.account_id
    left join required_roles
        on role_coverage.decision_role = required_roles.decision_role
    where inputs.has_contacts

)

select * from final
