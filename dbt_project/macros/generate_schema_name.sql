{#- Custom schema names are used as-is (marts, staging, intermediate), not prefixed with the
    target schema: BI depends on the stable schema name `marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
