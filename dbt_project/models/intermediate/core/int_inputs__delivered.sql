{#- One row saying which optional inputs this build has. Only accounts and invoice lines are
    required; a mart that needs an input that was never delivered is empty or carries nulls in the
    columns the input feeds (never zeros that read as measured), and the strategic score leaves out
    components whose input is missing. An entity counts as delivered when it has any staged row;
    an optional account column when any account has a value in it. -#}
{%- set entities = [
    ('contacts', 'stg_crm__contacts'),
    ('activities', 'stg_crm__activities'),
    ('service_requests', 'stg_crm__service_requests'),
    ('opportunities', 'stg_crm__opportunities'),
    ('users', 'stg_crm__users'),
    ('products', 'stg_sales__products'),
    ('objectives', 'stg_plan__objectives'),
    ('actions', 'stg_plan__actions'),
    ('swot', 'stg_plan__swot'),
] -%}

with

{% for entity, model in entities %}
{{ entity }}_rows as (

    select count(*) as row_count
    from {{ ref(model) }}

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
        {% for entity, model in entities -%}
        {{ entity }}_rows.row_count > 0 as has_{{ entity }},
        {% endfor -%}
        account_columns.market_potential_count > 0 as has_market_potential,
        account_columns.referrals_count + account_columns.reference_site_flags_count > 0
            as has_advocacy
    from account_columns
    {% for entity, model in entities -%}
    cross join {{ entity }}_rows
    {% endfor %}

)

select * from final
