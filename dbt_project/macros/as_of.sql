{#- The as-of date var as a SQL date literal, or null when the run uses the data's last day. -#}
{% macro as_of_date_literal() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value == '' -%}
        cast(null as date)
    {%- else -%}
        cast('{{ value }}' as date)
    {%- endif -%}
{%- endmacro %}
