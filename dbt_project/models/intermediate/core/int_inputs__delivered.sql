{#- One row saying which optional inputs this build has. Only accounts and invoice lines are
    required; a mart that needs an input that was never delivered is empty or carries nulls in the
    columns the input feeds (never zeros that read as measured), and the strategic score leaves out
    components whose input is missing. An entity counts as delivered when bronze has any row of it;
    an optional account column when any account has a value in it.
    Bronze is asked directly, one row at most per entity: a staging view would rank every version
    of every row first (1.5 s of a 1M-line build for nine yes/no answers), and staging has a row
    exactly when bronze has one. -#}
{%- set entities = [
    'contacts', 'activities', 'service_requests', 'opportunities', 'users', 'products',
    'objectives', 'actions', 'swot',
] -%}

with

{% for entity in entities %}
{{ entity }}_rows as (

    select count(*) as row_count
    from (
        select 1 as one
        from {{ source('bronze', entity) }}
        limit 1
    ) as probe

),

{% endfor %}
account_columns as (

    select
        count(market_potential) as market_potential_count,
        count(referred_by_account_id) as referrals_count,
        count(is_reference_site) as reference_site_flags_count
    from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        {% for entity in entities -%}
        {{ entity }}_rows.row_count > 0 as has_{{ entity }},
        {% endfor -%}
        account_columns.market_potential_count > 0 as has_market_potential,
        account_columns.referrals_count + account_columns.reference_site_flags_count > 0
            as has_advocacy
    from account_columns
    {% for entity in entities -%}
    cross join {{ entity }}_rows
    {% endfor %}

)

select * from final
