{#- An explicit 8-byte double: dbt.type_float() is a 4-byte REAL on DuckDB. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'kam')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- numerator / denominator as a double; null when the denominator is 0 or null. -#}
{% macro safe_ratio(numerator, denominator) -%}
    case
        when {{ denominator }} = 0 then null
        else cast({{ numerator }} as {{ type_double() }}) / cast({{ denominator }} as {{ type_double() }})
    end
{%- endmacro %}

{#- Continuous median (linear interpolation) as an aggregate, one form per engine. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'kam')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{#- round() of a double to `digits` decimals: PostgreSQL only rounds numerics to a scale. -#}
{% macro round_double(expr, digits) -%}
    {{ return(adapter.dispatch('round_double', 'kam')(expr, digits)) }}
{%- endmacro %}

{% macro default__round_double(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{#- PostgreSQL's numeric cast keeps 15 significant digits and Spark rounds the shortest decimal
    text of the double, so both can land on the other side of a half from DuckDB (31.87 vs
    31.88). They use DuckDB's definition instead: half away from zero of expr x 10^digits, in
    double arithmetic. -#}
{% macro postgres__round_double(expr, digits) -%}
    {{ kam.round_double_half_away(expr, digits) }}
{%- endmacro %}

{% macro spark__round_double(expr, digits) -%}
    {{ kam.round_double_half_away(expr, digits) }}
{%- endmacro %}

{% macro round_double_half_away(expr, digits) -%}
    {%- set scale = 10 ** digits -%}
    (
        case when {{ expr }} < 0 then -1 else 1 end
        * cast(floor(abs({{ expr }}) * {{ scale }} + 0.5) as {{ type_double() }})
        / {{ scale }}
    )
{%- endmacro %}
