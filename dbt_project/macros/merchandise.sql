{#- Whether a product is merchandise: not when the product master flags it is_merchandise = false,
    nor when its id is in the var non_merchandise_product_ids (postage, fees, bank charges, manual
    adjustments an ERP exports as products). Unknown products and a null flag are merchandise.
    One definition for the lines (int_sales__lines_costed) and the products (dim_products). -#}
{% macro is_merchandise(product_id, merchandise_flag) -%}
    {%- set excluded_ids = var('non_merchandise_product_ids') or [] -%}
    {%- if excluded_ids is string or excluded_ids is mapping -%}
        {{ exceptions.raise_compiler_error(
            "var non_merchandise_product_ids must be a list of product ids, like [FRETE, TAXA-BOLETO]; got "
            ~ excluded_ids
        ) }}
    {%- endif -%}
    (
        coalesce({{ merchandise_flag }}, true)
        {%- if excluded_ids %}
        and {{ product_id }} not in (
            {%- for excluded_id in excluded_ids %}
            '{{ excluded_id | string | replace("'", "''") }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        {%- endif %}
    )
{%- endmacro %}
