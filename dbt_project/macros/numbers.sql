{#- Integers 0 .. 10^digits - 1 as a subquery with one column `n`, built from a VALUES list so
    every engine can run it (no generate_series / range). -#}
{% macro integer_sequence(digits=4) -%}
    (
        select
            {% for position in range(digits) -%}
            digits_{{ position }}.digit * {{ 10 ** position }}{% if not loop.last %} + {% endif %}
            {%- endfor %} as n
        from
            {% for position in range(digits) -%}
            (
                values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)
            ) as digits_{{ position }} (digit){% if not loop.last %}
            cross join{% endif %}
            {% endfor %}
    )
{%- endmacro %}
