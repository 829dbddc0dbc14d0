{#- The CLV columns account_health shows, one row per account valued by the CLV models: account_clv's
    where those models are built (dbt Python models: the DuckDB target, var fit_clv_models), else no
    row, typed alike. account_health and its unit test read this on every engine; whether CLV
    exists is decided here and in account_clv's `enabled`, nowhere else. -#}
{{ config(materialized='view') }}

{% if target.type == 'duckdb' and var('fit_clv_models') -%}
select
    account_id,
    cast(p_alive as {{ type_double() }}) as p_alive,
    cast(clv_12m as {{ type_double() }}) as clv_12m,
    cast(clv_36m as {{ type_double() }}) as clv_36m,
    has_purchase_history
from {{ ref('account_clv') }}
{%- else -%}
select
    cast(null as {{ dbt.type_string() }}) as account_id,
    cast(null as {{ type_double() }}) as p_alive,
    cast(null as {{ type_double() }}) as clv_12m,
    cast(null as {{ type_double() }}) as clv_36m,
    cast(null as {{ dbt.type_boolean() }}) as has_purchase_history
from {{ ref('int_as_of_date') }}
where 1 = 0
{%- endif %}
