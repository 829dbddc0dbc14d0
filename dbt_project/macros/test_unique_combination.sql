{#- Generic test: the combination of `columns` is unique (a composite primary key).
    Rows with a null in any key column are reported too: a key part must never be null. -#}
{% test unique_combination(model, columns) %}

with keyed as (
    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}
)

select *
from keyed
where row_count > 1
    {% for column in columns %}
    or {{ column }} is null
    {% endfor %}

{% endtest %}
