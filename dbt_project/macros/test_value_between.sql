{#- Generic test: every non-null value lies within [min_value, max_value] (either bound may be
    omitted) and is finite. NaN and infinities sort above every number on DuckDB, PostgreSQL and
    Spark, so the default bounds of +/-1e300 catch them too. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and not (
        {{ column_name }} >= {{ min_value if min_value is not none else -1e300 }}
        and {{ column_name }} <= {{ max_value if max_value is not none else 1e300 }}
    )

{% endtest %}
