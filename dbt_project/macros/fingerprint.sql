{#- Content fingerprints for incremental models that replace whole partitions (DuckDB only).

    A partition's fingerprint is its row count and the sum of a 64-bit hash of every column of
    each row, computed the same way over the rows the model would produce now and over the rows
    it stored last time; a partition is replaced when the two differ. Comparing content rather
    than tracking changes upstream (new loads, re-delivered periods, product costs, the as-of date,
    a rebuilt staging layer) covers every cause of change, including ones added later: the only
    way a change goes unseen is a collision of the 64-bit hash sums. The sum is order-independent
    and computed as HUGEINT (DuckDB's hash() is a UBIGINT, whose sum would overflow). -#}

{#- Sum over the rows of a hash of `columns` (a list of column names, in a fixed order). -#}
{% macro content_hash_sum(columns) -%}
    sum(cast(hash({{ columns | join(', ') }}) as hugeint))
{%- endmacro %}

{#- One row per `partition_column` of `relation`: rows_count and content_hash. -#}
{% macro partition_fingerprints(relation, partition_column, columns) -%}
    select
        {{ partition_column }},
        count(*) as rows_count,
        {{ content_hash_sum(columns) }} as content_hash
    from {{ relation }}
    group by {{ partition_column }}
{%- endmacro %}

{#- Pre-hook: delete the stored partitions that no longer have any row in `source` (for example
    months after an as-of date moved backward). A delete+insert only replaces the partitions
    present in the new rows, so these would otherwise stay. Runs on incremental runs only. -#}
{% macro delete_partitions_absent_from(source, partition_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ partition_column }} in (
            select stored_partitions.{{ partition_column }}
            from (select distinct {{ partition_column }} from {{ this }}) as stored_partitions
            left join (select distinct {{ partition_column }} from {{ source }}) as source_partitions
                on stored_partitions.{{ partition_column }} = source_partitions.{{ partition_column }}
            where source_partitions.{{ partition_column }} is null
        )
    {%- endif -%}
{%- endmacro %}
