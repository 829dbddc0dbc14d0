{#- Invoice lines up to the as-of date with month, unit cost and margin.
    On DuckDB incremental by month. A run compares a fingerprint of every month (row count and hash
    sum of every column, macros/fingerprint.sql) of the lines as they are now with the stored ones
    and replaces only the months that differ, so a new day, a re-delivered period, a product cost
    change, another as-of date or a rebuilt staging layer all land in the months they touch. The
    pre-hook deletes the stored months with no line any more (after an earlier as-of date). The
    first build and --full-refresh write every month. A column added to the model is appended to
    the stored table (on_schema_change append_new_columns): its stored value is null, so every
    month's fingerprint differs and every month is rewritten on that run, with no --full-refresh.
    Other engines rebuild the table. -#}
{%- set is_duckdb = target.type == 'duckdb' -%}
{{ config(
    materialized=('incremental' if is_duckdb else 'table'),
    incremental_strategy=('delete+insert' if is_duckdb else none),
    unique_key=('month_start_date' if is_duckdb else none),
    on_schema_change=('append_new_columns' if is_duckdb else none),
    pre_hook=(
        ["{{ delete_partitions_absent_from(ref('int_sales__lines_costed'), 'month_start_date') }}"]
        if is_duckdb else []
    ),
) }}

{#- The output columns, all of them in the fingerprint (so a changed formula of a derived column
    shows too). `final` only selects them, so the fingerprint of the view's columns is the one of
    the rows written. The view is named directly where it is read, not through an import CTE:
    DuckDB materializes a CTE read more than once, which copies all lines. -#}
{%- set columns = [
    'invoice_id',
    'line_number',
    'invoice_date',
    'month_start_date',
    'account_id',
    'product_id',
    'quantity',
    'net_amount',
    'unit_price',
    'discount',
    'unit_cost',
    'gross_margin',
    'is_return',
    'channel',
    'distributor_id',
    'delivery_period',
    'is_merchandise',
] -%}
{%- set lines_costed = ref('int_sales__lines_costed') -%}

with

{%- if is_incremental() %}

current_months as (

    {{ partition_fingerprints(lines_costed, 'month_start_date', columns) }}

),

stored_months as (

    {{ partition_fingerprints(this, 'month_start_date', columns) }}

),

{# Months on one side only count as changed too; the pre-hook has already deleted the stored
   months that have no line now. -#}
changed_months as (

    select coalesce(current_months.month_start_date, stored_months.month_start_date)
        as month_start_date
    from current_months
    full outer join stored_months
        on current_months.month_start_date = stored_months.month_start_date
    where current_months.rows_count is distinct from stored_months.rows_count
        or current_months.content_hash is distinct from stored_months.content_hash

),

lines as (

    select lines_costed.*
    from {{ lines_costed }} as lines_costed
    inner join changed_months
        on lines_costed.month_start_date = changed_months.month_start_date

),

{% else %}

lines as (

    select * from {{ lines_costed }}

),

{% endif %}

final as (

    select
        {%- for column in columns %}
        {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from lines

)

select * from final
