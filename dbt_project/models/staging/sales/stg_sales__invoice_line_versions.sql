{#- The current rows of every delivery period (the rows of the period's latest load), with the
    line version that wins across periods flagged. Incremental by delivery period: a run replaces
    exactly the periods touched by loads newer than the newest load already stored, plus the
    periods sharing an invoice line key with them (so a line moving between periods, or dropped by
    a re-delivered file, is ranked again). Every replaced period keeps at least one row, which is
    what makes a per-period replace (delete+insert, or insert_overwrite on Spark) exact.
    Relies on bronze being append-only and load ids sorting by load time (docs/ingest.md); after
    anything else (bronze files removed or rewritten) run with --full-refresh.
    Independent of the as-of date: the as-of filter is applied downstream. -#}
{{ config(
    materialized='incremental',
    unique_key='delivery_period',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    partition_by=(['delivery_period'] if target.type == 'spark' else none),
    on_schema_change='fail',
) }}

{#- Bronze and the stored table are named directly where they are read, not through import CTEs:
    a CTE read more than once may be materialized whole (DuckDB does), which copies all lines. -#}
{%- set bronze_lines = source('bronze', 'invoice_lines') -%}

with

{%- if is_incremental() %}

watermark as (

    select coalesce(max(load_id), '') as max_load_id
    from {{ this }}

),

touched_periods as (

    select distinct bronze_lines._delivery_period as delivery_period
    from {{ bronze_lines }} as bronze_lines
    cross join watermark
    where bronze_lines._load_id > watermark.max_load_id

),

period_source as (

    select bronze_lines.*
    from {{ bronze_lines }} as bronze_lines
    inner join touched_periods
        on bronze_lines._delivery_period = touched_periods.delivery_period

),

{% endif %}

{%- set period_rows = 'period_source' if is_incremental() else bronze_lines %}

period_loads as (

    select
        _delivery_period as delivery_period,
        _load_id as load_id,
        max(_loaded_at) as loaded_at
    from {{ period_rows }} as period_source
    group by _delivery_period, _load_id

),

latest_period_loads as (

    select
        delivery_period,
        load_id,
        row_number() over (
            partition by delivery_period
            order by loaded_at desc, load_id desc
        ) as load_rank
    from period_loads

),

delivered_rows as (

    select
        period_source.invoice_id,
        period_source.line_number,
        period_source.invoice_date,
        period_source.account_id,
        period_source.product_id,
        period_source.quantity,
        period_source.net_amount,
        period_source.unit_price,
        period_source.discount,
        period_source.channel,
        period_source.distributor_id,
        period_source._delivery_period as delivery_period,
        period_source._load_id as load_id,
        period_source._loaded_at as loaded_at,
        period_source._source_file as source_file,
        period_source._source_line as source_line
    from {{ period_rows }} as period_source
    inner join latest_period_loads
        on period_source._delivery_period = latest_period_loads.delivery_period
        and period_source._load_id = latest_period_loads.load_id
    where latest_period_loads.load_rank = 1

),

{% if is_incremental() %}

replaced_rows as (

    select stored.*
    from {{ this }} as stored
    inner join touched_periods
        on stored.delivery_period = touched_periods.delivery_period

),

changed_keys as (

    select invoice_id, line_number from delivered_rows
    union
    select invoice_id, line_number from replaced_rows

),

affected_periods as (

    select delivery_period from touched_periods
    union
    select stored.delivery_period
    from {{ this }} as stored
    inner join changed_keys
        on stored.invoice_id = changed_keys.invoice_id
        and stored.line_number = changed_keys.line_number

),

kept_rows as (

    select stored.*
    from {{ this }} as stored
    inner join affected_periods
        on stored.delivery_period = affected_periods.delivery_period
    left join touched_periods
        on stored.delivery_period = touched_periods.delivery_period
    where touched_periods.delivery_period is null

),

{#- Every stored version of a changed key lies in an affected period, so ranking the rows of the
    affected periods ranks all versions of the changed keys; other keys keep their stored flag. -#}
current_rows as (

    select
        delivered_rows.*,
        cast(null as {{ dbt.type_boolean() }}) as stored_is_current_version
    from delivered_rows
    union all
    select
        invoice_id,
        line_number,
        invoice_date,
        account_id,
        product_id,
        quantity,
        net_amount,
        unit_price,
        discount,
        channel,
        distributor_id,
        delivery_period,
        load_id,
        loaded_at,
        source_file,
        source_line,
        is_current_version as stored_is_current_version
    from kept_rows

),

{% else %}

current_rows as (

    select
        delivered_rows.*,
        cast(null as {{ dbt.type_boolean() }}) as stored_is_current_version
    from delivered_rows

),

{% endif %}

ranked as (

    select
        *,
        row_number() over (
            partition by invoice_id, line_number
            order by
                loaded_at desc,
                load_id desc,
                delivery_period desc,
                source_file desc,
                source_line desc
        ) as version_rank
    from current_rows

),

final as (

    select
        ranked.invoice_id,
        ranked.line_number,
        ranked.invoice_date,
        ranked.account_id,
        ranked.product_id,
        ranked.quantity,
        ranked.net_amount,
        ranked.unit_price,
        ranked.discount,
        ranked.channel,
        ranked.distributor_id,
        ranked.delivery_period,
        ranked.load_id,
        ranked.loaded_at,
        ranked.source_file,
        ranked.source_line,
        {% if is_incremental() %}
        case
            when changed_keys.invoice_id is null then ranked.stored_is_current_version
            else ranked.version_rank = 1
        end as is_current_version
        {% else %}
        ranked.version_rank = 1 as is_current_version
        {% endif %}
    from ranked
    {% if is_incremental() %}
    left join changed_keys
        on ranked.invoice_id = changed_keys.invoice_id
        and ranked.line_number = changed_keys.line_number
    {% endif %}

)

select * from final
