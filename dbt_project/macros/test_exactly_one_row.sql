{#- Generic test: the model has exactly one row (its key is the empty tuple: run-level facts such
    as the as-of date or which inputs were delivered). -#}
{% test exactly_one_row(model) %}

select row_count
from (select count(*) as row_count from {{ model }}) as counted
where row_count <> 1

{% endtest %}
