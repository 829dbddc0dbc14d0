{#- Generic test: every non-null `column_name` value of the model exists as `field` in `to`, as
    dbt's `relationships` test checks, unless `to` has no row at all. The parent is then built from
    an optional input that was never delivered (users, products, ...), and there is nothing to check
    against: the model's rows stay, the missing input is reported by the publish record instead. -#}
{% test relationships_when_delivered(model, column_name, to, field) %}

with parent_keys as (

    select {{ field }} as parent_key
    from {{ to }}

),

parent_rows as (

    select count(*) as parent_count
    from parent_keys

),

child_keys as (

    select {{ column_name }} as child_key
    from {{ model }}
    where {{ column_name }} is not null

)

select child_keys.child_key
from child_keys
cross join parent_rows
left join parent_keys
    on child_keys.child_key = parent_keys.parent_key
where parent_keys.parent_key is null
    and parent_rows.parent_count > 0

{% endtest %}
