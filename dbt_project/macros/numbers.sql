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

{#- Money as decimal(38, 2) on every engine. A sum of decimal(18, 2) is decimal(38, 2) on DuckDB,
    decimal(28, 2) on Spark and an unconstrained numeric on PostgreSQL; the marts' contracts name
    one type, so money columns are cast to it. -#}
{% macro money(expr) -%}
    cast({{ expr }} as decimal(38, 2))
{%- endmacro %}

{#- A count as a 64-bit integer on every engine (DuckDB sums integers into a 128-bit HUGEINT,
    PostgreSQL into numeric). -#}
{% macro as_bigint(expr) -%}
    cast({{ expr }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The non-null values of a text expression joined by `delimiter` in ascending order, as an
    aggregate; null when there is none. dbt.listagg cannot order on Spark, and PostgreSQL orders
    by its locale unless told to compare bytes, so each engine gets its own byte-order form. -#}
{% macro sorted_text_agg(expr, delimiter) -%}
    {{ return(adapter.dispatch('sorted_text_agg', 'kam')(expr, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_text_agg(expr, delimiter) -%}
    string_agg({{ expr }}, '{{ delimiter }}' order by {{ expr }})
{%- endmacro %}

{% macro postgres__sorted_text_agg(expr, delimiter) -%}
    string_agg({{ expr }}, '{{ delimiter }}' order by ({{ expr }}) collate "C")
{%- endmacro %}

{% macro spark__sorted_text_agg(expr, delimiter) -%}
    nullif(array_join(array_sort(collect_list({{ expr }})), '{{ delimiter }}'), '')
{%- endmacro %}
