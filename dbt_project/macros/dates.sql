{#- Date helpers that return the same type on DuckDB, PostgreSQL and Spark.
    dbt's cross-database macros return timestamps on some engines; these cast to DATE. -#}

{% macro month_start(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{% macro quarter_start(expr) -%}
    cast({{ dbt.date_trunc('quarter', expr) }} as date)
{%- endmacro %}

{% macro year_start(expr) -%}
    cast({{ dbt.date_trunc('year', expr) }} as date)
{%- endmacro %}

{% macro add_days(expr, days) -%}
    cast({{ dbt.dateadd('day', days, expr) }} as date)
{%- endmacro %}

{% macro add_months(expr, months) -%}
    cast({{ dbt.dateadd('month', months, expr) }} as date)
{%- endmacro %}

{#- Last day of the month of a date. -#}
{% macro month_end(expr) -%}
    {{ add_days(add_months(month_start(expr), 1), -1) }}
{%- endmacro %}

{#- Whole days or calendar months between two dates, as an integer.
    'day': end minus start in days. 'month': calendar month boundaries crossed, computed from
    year and month numbers so every engine agrees. 'week': whole weeks = day difference // 7
    (engines disagree on week boundaries, so weeks are always derived from days). -#}
{% macro datediff_int(part, start_expr, end_expr) -%}
    {%- if part == 'day' -%}
        cast({{ dbt.datediff(start_expr, end_expr, 'day') }} as integer)
    {%- elif part == 'month' -%}
        cast(
            (extract(year from {{ end_expr }}) - extract(year from {{ start_expr }})) * 12
            + (extract(month from {{ end_expr }}) - extract(month from {{ start_expr }}))
            as integer
        )
    {%- elif part == 'week' -%}
        cast(floor({{ dbt.datediff(start_expr, end_expr, 'day') }} / 7.0) as integer)
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff_int: part must be day, week or month, got " ~ part) }}
    {%- endif -%}
{%- endmacro %}

{#- Seconds since the epoch of a timestamp (double). -#}
{% macro epoch_seconds(expr) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'kam')(expr)) }}
{%- endmacro %}

{% macro default__epoch_seconds(expr) -%}
    cast(extract(epoch from {{ expr }}) as {{ type_double() }})
{%- endmacro %}

{% macro spark__epoch_seconds(expr) -%}
    cast(unix_timestamp({{ expr }}) as double)
{%- endmacro %}

{#- Elapsed hours between two timestamps, as a double (exact, not boundary counts). -#}
{% macro hours_between(start_expr, end_expr) -%}
    (({{ epoch_seconds(end_expr) }} - {{ epoch_seconds(start_expr) }}) / 3600.0)
{%- endmacro %}

{#- The quarter label of a date, like 2026-Q3 (the plan_period format). -#}
{% macro plan_period_of(expr) -%}
    cast(cast(extract(year from {{ expr }}) as integer) as {{ dbt.type_string() }})
    || '-Q'
    || cast(cast(extract(quarter from {{ expr }}) as integer) as {{ dbt.type_string() }})
{%- endmacro %}

{#- First day of a plan_period label (2026-Q3 -> 2026-07-01). -#}
{% macro plan_period_start(expr) -%}
    cast(
        substring({{ expr }}, 1, 4)
        || case substring({{ expr }}, 7, 1)
            when '1' then '-01-01'
            when '2' then '-04-01'
            when '3' then '-07-01'
            else '-10-01'
        end
        as date
    )
{%- endmacro %}
