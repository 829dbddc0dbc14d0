-- The hand-written baseline: the pipeline's ingest and marts as one DuckDB script.
--
-- Same input (a landing folder as `kam generate` writes it), same parse contract (declared
-- encodings, delimiters, `1.234,56` numbers, dd/mm/yyyy dates, S/N booleans), the latest file per
-- invoice delivery period, rows that break a required column or an account/product reference set
-- aside, one row per key, and the marts of dbt_project/models/marts with the same grains and the
-- default dbt vars. Nothing else: no bronze Parquet, no manifest, no checks, no publish, no CLV fit.
--
-- `${LANDING}` is replaced by the landing folder's absolute path (benchmarks/baseline.py). The plan
-- workbook's sheets arrive as all-text tables raw_objectives, raw_actions, raw_swot and
-- raw_tier_overrides (this DuckDB build has no Excel reader), loaded by the runner.
-- Statements are separated by lines holding only `-- step: <name>` so the runner can time each.

-- step: setup
attach ':memory:' as scratch;
create schema scratch.staging;
create schema scratch.intermediate;
create schema marts;

create macro br_number(value) as replace(replace(trim(value), '.', ''), ',', '.');
create macro kam_bool(value) as
    case
        when lower(trim(value)) in ('true', 't', '1', 'yes', 'y', 'sim', 's') then true
        when lower(trim(value)) in ('false', 'f', '0', 'no', 'n', 'não', 'nao') then false
    end;
create macro br_timestamp(value) as
    try_strptime(trim(value), ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y']);
create macro iso_timestamp(value) as
    try_strptime(trim(value), ['%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d']);
create macro region_of(state) as
    case
        when state in ('AC', 'AM', 'AP', 'PA', 'RO', 'RR', 'TO') then 'Norte'
        when state in ('AL', 'BA', 'CE', 'MA', 'PB', 'PE', 'PI', 'RN', 'SE') then 'Nordeste'
        when state in ('DF', 'GO', 'MS', 'MT') then 'Centro-Oeste'
        when state in ('ES', 'MG', 'RJ', 'SP') then 'Sudeste'
        when state in ('PR', 'RS', 'SC') then 'Sul'
    end;
create macro plan_period_of(day) as
    cast(year(day) as varchar) || '-Q' || cast(quarter(day) as varchar);
create macro months_between(start_day, end_day) as
    (year(end_day) - year(start_day)) * 12 + (month(end_day) - month(start_day));

-- step: stage_accounts
create table scratch.staging.accounts as
select
    trim(account_id) as account_id,
    trim(account_name) as account_name,
    lower(trim(account_type)) as account_type,
    upper(trim(state)) as state,
    region_of(upper(trim(state))) as region,
    trim(owner_kam_id) as owner_kam_id,
    cast(br_timestamp(created_at) as timestamp) as created_at,
    trim(cnpj) as cnpj,
    trim(city) as city,
    trim(country) as country,
    try_cast(trim(beds) as integer) as beds,
    try_cast(br_number(market_potential) as decimal(18, 2)) as market_potential,
    trim(referred_by_account_id) as referred_by_account_id,
    kam_bool(is_reference_site) as is_reference_site,
    trim(competitors) as competitors
from read_csv(
    '${LANDING}/crm/accounts.csv',
    delim = ';', header = true, encoding = 'latin-1', all_varchar = true, quote = '"'
)
where account_id is not null
qualify row_number() over (partition by trim(account_id)) = 1;

-- step: stage_crm
create table scratch.staging.users as
select
    trim(kam_id) as kam_id,
    trim(full_name) as full_name,
    lower(trim(role)) as role,
    trim(region) as region,
    trim(email) as email,
    trim(manager_id) as manager_id,
    cast(try_strptime(trim(hired_date), '%Y-%m-%d') as date) as hired_date,
    kam_bool(is_active) as is_active
from read_csv('${LANDING}/crm/users.csv', header = true, all_varchar = true)
where kam_id is not null
qualify row_number() over (partition by trim(kam_id)) = 1;

create table scratch.staging.contacts as
select
    trim(contact_id) as contact_id,
    trim(account_id) as account_id,
    lower(trim(decision_role)) as decision_role,
    try_cast(trim(relationship_level) as integer) as relationship_level,
    trim(full_name) as full_name,
    trim(job_title) as job_title,
    trim(department) as department,
    kam_bool(is_active) as is_active,
    cast(iso_timestamp(updated_at) as timestamp) as updated_at
from read_csv('${LANDING}/crm/contacts.csv', header = true, all_varchar = true)
where contact_id is not null
    and trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(contact_id)) = 1;

create table scratch.staging.activities as
select
    trim(activity_id) as activity_id,
    trim(account_id) as account_id,
    trim(kam_id) as kam_id,
    lower(trim(activity_type)) as activity_type,
    cast(iso_timestamp(started_at) as timestamp) as started_at,
    trim(contact_id) as contact_id,
    try_cast(trim(duration_minutes) as integer) as duration_minutes,
    kam_bool(is_completed) as is_completed,
    trim(outcome) as outcome
from read_csv('${LANDING}/crm/activities.csv', header = true, all_varchar = true)
where activity_id is not null
    and trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(activity_id)) = 1;

create table scratch.staging.service_requests as
select
    trim(request_id) as request_id,
    trim(account_id) as account_id,
    cast(iso_timestamp(opened_at) as timestamp) as opened_at,
    trim(contact_id) as contact_id,
    cast(iso_timestamp(first_response_at) as timestamp) as first_response_at,
    cast(iso_timestamp(resolved_at) as timestamp) as resolved_at,
    trim(channel) as channel,
    lower(trim(priority)) as priority
from read_csv('${LANDING}/crm/service_requests.csv', header = true, all_varchar = true)
where request_id is not null
    and trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(request_id)) = 1;

create table scratch.staging.opportunities as
select
    trim(opportunity_id) as opportunity_id,
    trim(account_id) as account_id,
    lower(trim(opportunity_type)) as opportunity_type,
    trim(stage) as stage,
    try_cast(br_number(amount) as decimal(18, 2)) as amount,
    cast(br_timestamp(created_at) as timestamp) as created_at,
    trim(kam_id) as kam_id,
    trim(product_id) as product_id,
    try_cast(br_number(probability) as double) as probability,
    cast(try_strptime(trim(close_date), '%d/%m/%Y') as date) as close_date,
    kam_bool(is_won) as is_won,
    kam_bool(is_closed) as is_closed
from read_csv(
    '${LANDING}/crm/opportunities.csv',
    delim = ';', header = true, encoding = 'latin-1', all_varchar = true, quote = '"'
)
where opportunity_id is not null
    and trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(opportunity_id)) = 1;

create table scratch.staging.products as
select
    product_id,
    product_name,
    product_category,
    cast(list_price as decimal(18, 2)) as list_price,
    brand,
    cast(unit_cost as decimal(18, 2)) as unit_cost,
    cast(launched_date as date) as launched_date
from read_parquet('${LANDING}/sales/products.parquet')
where product_id is not null
qualify row_number() over (partition by product_id) = 1;

-- step: stage_plan
create table scratch.staging.objectives as
select
    trim(plan_period) as plan_period,
    trim(account_id) as account_id,
    lower(trim(kpi)) as kpi,
    trim(kam_id) as kam_id,
    try_cast(trim(target_value) as decimal(18, 4)) as target_value,
    try_cast(trim(weight) as double) as weight
from raw_objectives
where regexp_full_match(trim(plan_period), '[0-9]{4}-Q[1-4]')
    and trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(plan_period), trim(account_id), lower(trim(kpi))) = 1;

create table scratch.staging.actions as
select
    trim(action_id) as action_id,
    trim(account_id) as account_id,
    trim(kam_id) as kam_id,
    trim(description) as description,
    cast(iso_timestamp(due_date) as date) as due_date,
    lower(trim(status)) as status,
    lower(trim(objective_kpi)) as objective_kpi,
    cast(iso_timestamp(completed_date) as date) as completed_date
from raw_actions
where action_id is not null
    and trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(action_id)) = 1;

create table scratch.staging.swot as
select
    try_cast(trim(plan_year) as integer) as plan_year,
    trim(account_id) as account_id,
    lower(trim(quadrant)) as quadrant,
    trim(item) as item
from raw_swot
where trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (
    partition by trim(plan_year), trim(account_id), lower(trim(quadrant)), trim(item)
) = 1;

create table scratch.staging.tier_overrides as
select
    trim(account_id) as account_id,
    cast(iso_timestamp(valid_from) as date) as valid_from,
    lower(trim(tier)) as tier,
    trim(reason) as reason,
    cast(iso_timestamp(valid_to) as date) as valid_to,
    trim(approved_by) as approved_by
from raw_tier_overrides
where trim(account_id) in (select account_id from scratch.staging.accounts)
qualify row_number() over (partition by trim(account_id), trim(valid_from)) = 1;

-- step: invoice_files
-- The delivery period a file covers comes from its name; a re-delivered period keeps its latest
-- file (newest modification time, then name).
create table scratch.staging.invoice_files as
select filename, delivery_period
from (
    select
        filename,
        last_modified,
        coalesce(
            nullif(regexp_extract(filename, '(\d{4}-\d{2}-\d{2})[^/]*$', 1), ''),
            regexp_extract(filename, '(\d{4}-\d{2})[^/]*$', 1)
        ) as delivery_period
    from read_blob('${LANDING}/sales/invoice_lines/*.csv')
)
qualify row_number() over (
    partition by delivery_period order by last_modified desc, filename desc
) = 1;

-- step: parse_invoice_lines
-- Parsed rows stay in memory (the scratch database); only the marts are written to the file.
create view scratch.staging.invoice_lines_typed as
with raw as (

    select *
    from read_csv(
        '${LANDING}/sales/invoice_lines/*.csv',
        delim = ';', header = true, encoding = 'latin-1', quote = '"', filename = true,
        auto_detect = false,
        columns = {
            'invoice_id': 'varchar', 'line_number': 'varchar', 'invoice_date': 'varchar',
            'account_id': 'varchar', 'product_id': 'varchar', 'quantity': 'varchar',
            'net_amount': 'varchar', 'unit_price': 'varchar', 'discount': 'varchar',
            'channel': 'varchar', 'distributor_id': 'varchar'
        }
    )

)

select
    trim(raw.invoice_id) as invoice_id,
    try_cast(trim(raw.line_number) as integer) as line_number,
    cast(try_strptime(trim(raw.invoice_date), '%d/%m/%Y') as date) as invoice_date,
    trim(raw.account_id) as account_id,
    trim(raw.product_id) as product_id,
    try_cast(br_number(raw.quantity) as decimal(18, 3)) as quantity,
    try_cast(br_number(raw.net_amount) as decimal(18, 2)) as net_amount,
    try_cast(br_number(raw.unit_price) as decimal(18, 2)) as unit_price,
    try_cast(br_number(raw.discount) as decimal(18, 2)) as discount,
    trim(raw.channel) as channel,
    trim(raw.distributor_id) as distributor_id,
    files.delivery_period,
    raw.filename as source_file
from raw
inner join scratch.staging.invoice_files as files
    on raw.filename = files.filename;

create table scratch.staging.invoice_lines_parsed as
select
    typed.*,
    coalesce(
        typed.invoice_id is not null
        and typed.line_number >= 1
        and typed.invoice_date is not null
        and typed.quantity is not null
        and typed.net_amount is not null
        and typed.account_id in (select account_id from scratch.staging.accounts)
        and typed.product_id in (select product_id from scratch.staging.products),
        false
    ) as is_valid
from scratch.staging.invoice_lines_typed as typed;

-- step: stage_invoice_lines
-- Rows with a required value missing or unparsable, or an unknown account or product, are set
-- aside (the pipeline's quarantine). A key delivered more than once keeps its latest version.
create table scratch.staging.invoice_lines_rejected as
select * exclude (is_valid)
from scratch.staging.invoice_lines_parsed
where not is_valid;

create table scratch.staging.invoice_duplicates as
select
    invoice_id,
    line_number,
    max(delivery_period || '|' || source_file) as kept_version
from scratch.staging.invoice_lines_parsed
where is_valid
group by invoice_id, line_number
having count(*) > 1;

-- step: as_of_and_spines
create table scratch.intermediate.as_of as
select
    as_of_date,
    cast(date_trunc('month', as_of_date) as date) as as_of_month_start_date,
    cast(date_trunc('quarter', as_of_date) as date) as as_of_quarter_start_date,
    cast(date_trunc('month', least(first_invoice_date, as_of_date)) as date)
        as history_start_month_date,
    first_invoice_date,
    last_invoice_date
from (
    select
        max(invoice_date) as as_of_date,
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date
    from scratch.staging.invoice_lines_parsed
    where is_valid
);

create table scratch.intermediate.months as
select
    month_start_date,
    cast(month_start_date + interval 1 month - interval 1 day as date) as month_end_date,
    cast(date_trunc('quarter', month_start_date) as date) as quarter_start_date
from (
    select cast(unnest(generate_series(
        cast(history_start_month_date as timestamp),
        cast(as_of_month_start_date as timestamp),
        interval 1 month
    )) as date) as month_start_date
    from scratch.intermediate.as_of
);

create table marts.dim_dates as
with days as (

    select cast(unnest(generate_series(
        cast(date_trunc('year', history_start_month_date) as timestamp),
        cast(date_trunc('year', as_of_date) + interval 1 year - interval 1 day as timestamp),
        interval 1 day
    )) as date) as date_day
    from scratch.intermediate.as_of

),

described as (

    select
        date_day,
        year(date_day) as year_number,
        quarter(date_day) as quarter_number,
        month(date_day) as month_number,
        day(date_day) as day_of_month,
        isodow(date_day) as iso_day_of_week,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        cast(date_trunc('month', date_day) + interval 1 month - interval 1 day as date)
            as month_end_date,
        cast(date_trunc('quarter', date_day) as date) as quarter_start_date,
        cast(date_trunc('quarter', date_day) + interval 3 month - interval 1 day as date)
            as quarter_end_date,
        cast(date_trunc('year', date_day) as date) as year_start_date,
        plan_period_of(date_day) as plan_period
    from days

)

select
    *,
    iso_day_of_week >= 6 as is_weekend,
    date_day = month_end_date as is_month_end,
    date_day = quarter_end_date as is_quarter_end
from described;

-- step: fct_sales
create table marts.fct_sales as
select
    lines.invoice_id,
    lines.line_number,
    lines.invoice_date,
    cast(date_trunc('month', lines.invoice_date) as date) as month_start_date,
    lines.account_id,
    lines.product_id,
    lines.quantity,
    lines.net_amount,
    lines.unit_price,
    lines.discount,
    products.unit_cost,
    case
        when products.unit_cost is not null
            then cast(lines.net_amount - lines.quantity * products.unit_cost as decimal(18, 3))
    end as gross_margin,
    lines.net_amount < 0 as is_return,
    lines.channel,
    lines.distributor_id,
    lines.delivery_period
from scratch.staging.invoice_lines_parsed as lines
cross join scratch.intermediate.as_of
left join scratch.staging.products as products
    on lines.product_id = products.product_id
left join scratch.staging.invoice_duplicates as duplicates
    on lines.invoice_id = duplicates.invoice_id
    and lines.line_number = duplicates.line_number
where lines.is_valid
    and lines.invoice_date <= as_of.as_of_date
    and (
        duplicates.invoice_id is null
        or lines.delivery_period || '|' || lines.source_file = duplicates.kept_version
    );

drop table scratch.staging.invoice_lines_parsed;

-- step: sales_aggregates
create table scratch.intermediate.account_days as
select
    account_id,
    invoice_date,
    month_start_date,
    sum(net_amount) as net_revenue,
    sum(quantity) as quantity,
    sum(gross_margin) as gross_margin,
    sum(case when unit_cost is not null then net_amount else 0 end) as costed_revenue,
    count(*) as lines_count,
    count(distinct invoice_id) as invoices_count,
    sum(net_amount) > 0 as is_purchase_day
from marts.fct_sales
group by account_id, invoice_date, month_start_date;

create table scratch.intermediate.account_products as
select
    account_id,
    product_id,
    min(case when net_amount > 0 then invoice_date end) as first_purchase_date,
    max(case when net_amount > 0 then invoice_date end) as last_purchase_date,
    sum(net_amount) as net_revenue,
    sum(quantity) as quantity
from marts.fct_sales
group by account_id, product_id;

create table scratch.intermediate.account_months as
select
    account_id,
    month_start_date,
    sum(net_revenue) as net_revenue,
    sum(quantity) as quantity,
    cast(sum(invoices_count) as bigint) as invoices_count,
    count(case when is_purchase_day then 1 end) as purchase_days,
    min(case when is_purchase_day then invoice_date end) as first_purchase_date_in_month
from scratch.intermediate.account_days
group by account_id, month_start_date;

-- step: account_monthly
create table scratch.intermediate.account_monthly as
with first_purchases as (

    select
        account_id,
        min(first_purchase_date_in_month) as first_purchase_date,
        min(month_start_date) as first_sales_month_date
    from scratch.intermediate.account_months
    group by account_id

),

account_starts as (

    select
        accounts.account_id,
        accounts.market_potential,
        coalesce(accounts.is_reference_site, false) as is_reference_site,
        first_purchases.first_purchase_date,
        greatest(
            as_of.history_start_month_date,
            least(
                cast(date_trunc('month', accounts.created_at) as date),
                coalesce(
                    first_purchases.first_sales_month_date,
                    cast(date_trunc('month', accounts.created_at) as date)
                )
            )
        ) as spine_start_month_date
    from scratch.staging.accounts as accounts
    cross join scratch.intermediate.as_of
    left join first_purchases
        on accounts.account_id = first_purchases.account_id

),

referrals as (

    select
        account_starts.account_id,
        greatest(
            cast(date_trunc('month', accounts.created_at) as date),
            account_starts.spine_start_month_date
        ) as month_start_date,
        count(*) as new_referrals_count
    from scratch.staging.accounts as accounts
    inner join account_starts
        on accounts.referred_by_account_id = account_starts.account_id
    group by all

),

joined as (

    select
        account_starts.account_id,
        months.month_start_date,
        months.month_end_date,
        coalesce(account_months.net_revenue, 0) as net_revenue,
        coalesce(account_months.invoices_count, 0) as invoices_count,
        coalesce(account_months.purchase_days, 0) as purchase_days,
        coalesce(referrals.new_referrals_count, 0) as new_referrals_count
    from account_starts
    inner join scratch.intermediate.months as months
        on months.month_start_date >= account_starts.spine_start_month_date
    left join scratch.intermediate.account_months as account_months
        on account_starts.account_id = account_months.account_id
        and months.month_start_date = account_months.month_start_date
    left join referrals
        on account_starts.account_id = referrals.account_id
        and months.month_start_date = referrals.month_start_date

),

windowed as (

    select
        *,
        sum(net_revenue) over last_12 as revenue_12m,
        coalesce(sum(net_revenue) over (
            partition by account_id order by month_start_date
            rows between 23 preceding and 12 preceding
        ), 0) as revenue_prev_12m,
        cast(sum(invoices_count) over last_12 as bigint) as orders_12m,
        count(case when net_revenue > 0 then 1 end) over last_12 as active_months_12m,
        coalesce(count(case when net_revenue > 0 then 1 end) over (
            partition by account_id order by month_start_date
            rows between unbounded preceding and 1 preceding
        ), 0) as active_months_before,
        cast(sum(new_referrals_count) over (
            partition by account_id order by month_start_date
            rows between unbounded preceding and current row
        ) as bigint) as referrals_count
    from joined
    window last_12 as (
        partition by account_id order by month_start_date
        rows between 11 preceding and current row
    )

)

select
    windowed.account_id,
    windowed.month_start_date,
    windowed.month_end_date,
    windowed.net_revenue,
    windowed.invoices_count,
    windowed.purchase_days,
    windowed.revenue_12m,
    windowed.revenue_prev_12m,
    windowed.orders_12m,
    windowed.active_months_12m,
    windowed.referrals_count,
    account_starts.is_reference_site,
    account_starts.market_potential,
    case
        when account_starts.first_purchase_date <= windowed.month_end_date
            then account_starts.first_purchase_date
    end as first_purchase_date,
    case
        when account_starts.first_purchase_date <= windowed.month_end_date
            then months_between(
                date_trunc('month', account_starts.first_purchase_date),
                windowed.month_start_date
            ) + 1
        else 0
    end as tenure_months,
    windowed.net_revenue > 0 as is_active,
    windowed.active_months_before > 0 as has_purchased_before
from windowed
inner join account_starts
    on windowed.account_id = account_starts.account_id;

-- step: account_tiers
create table scratch.intermediate.account_tiers as
with snapshot_totals as (

    select
        month_start_date,
        -- Shares are of positive revenue (an account whose credit notes exceed its purchases has
        -- share 0), as in int_accounts__tiers.
        sum(greatest(revenue_12m, 0)) as total_revenue_12m,
        count(*) as accounts_in_snapshot
    from scratch.intermediate.account_monthly
    group by month_start_date

),

classified as (

    select
        monthly.*,
        totals.accounts_in_snapshot,
        case
            when totals.total_revenue_12m > 0
                then cast(greatest(monthly.revenue_12m, 0) as double)
                    / cast(totals.total_revenue_12m as double)
        end as revenue_share,
        case
            when totals.total_revenue_12m > 0
                then cast(
                    coalesce(sum(greatest(monthly.revenue_12m, 0)) over pareto, 0) as double
                ) / cast(totals.total_revenue_12m as double)
        end as cumulative_share_before,
        case
            when monthly.revenue_prev_12m > 0
                then cast(monthly.revenue_12m - monthly.revenue_prev_12m as double)
                    / cast(monthly.revenue_prev_12m as double)
        end as growth_12m,
        case
            when monthly.market_potential = 0 then null
            else cast(monthly.revenue_12m as double) / cast(monthly.market_potential as double)
        end as share_of_potential,
        coalesce(monthly.market_potential, 0) - monthly.revenue_12m as headroom,
        monthly.referrals_count + case when monthly.is_reference_site then 1 else 0 end
            as advocacy_points
    from scratch.intermediate.account_monthly as monthly
    inner join snapshot_totals as totals
        on monthly.month_start_date = totals.month_start_date
    window pareto as (
        partition by monthly.month_start_date
        order by monthly.revenue_12m desc, monthly.account_id
        rows between unbounded preceding and 1 preceding
    )

),

scored as (

    select
        *,
        cumulative_share_before + revenue_share as cumulative_share,
        case
            when revenue_12m > 0 and cumulative_share_before < 0.80 then 'A'
            when revenue_12m > 0 and cumulative_share_before < 0.95 then 'B'
            else 'C'
        end as abc_class,
        round(
            100 * (
                0.40 * percent_rank() over (partition by month_start_date order by revenue_12m)
                + 0.15 * percent_rank() over (
                    partition by month_start_date order by coalesce(growth_12m, 0)
                )
                + 0.15 * percent_rank() over (partition by month_start_date order by headroom)
                + 0.15 * (
                    percent_rank() over (partition by month_start_date order by tenure_months)
                    + percent_rank() over (
                        partition by month_start_date order by active_months_12m
                    )
                ) / 2
                + 0.15 * percent_rank() over (
                    partition by month_start_date order by advocacy_points
                )
            ) / 1.0,
            2
        ) as strategic_score
    from classified

),

computed as (

    select
        *,
        case
            when abc_class = 'A' and strategic_score >= 70 then 'key'
            when abc_class = 'A' then 'strategic'
            when revenue_12m > 0 and strategic_score >= 50 then 'strategic'
            when abc_class = 'B' then 'core'
            else 'maintain'
        end as computed_tier,
        cast(ceil(
            100.0 * rank() over (partition by month_start_date order by strategic_score desc)
            / accounts_in_snapshot
        ) as integer) as score_top_pct
    from scored

),

valid_overrides as (

    select
        computed.account_id,
        computed.month_start_date,
        overrides.tier,
        overrides.reason
    from computed
    inner join scratch.staging.tier_overrides as overrides
        on computed.account_id = overrides.account_id
        and overrides.valid_from <= computed.month_end_date
        and coalesce(overrides.valid_to, date '9999-12-31') >= computed.month_end_date
    qualify row_number() over (
        partition by computed.account_id, computed.month_start_date
        order by overrides.valid_from desc
    ) = 1

)

select
    computed.account_id,
    computed.month_end_date as snapshot_date,
    computed.month_start_date,
    computed.net_revenue as revenue_month,
    computed.revenue_12m,
    computed.revenue_prev_12m,
    computed.growth_12m,
    computed.revenue_share,
    computed.cumulative_share,
    computed.cumulative_share_before,
    computed.abc_class,
    computed.market_potential,
    computed.share_of_potential,
    computed.headroom,
    computed.referrals_count,
    computed.is_reference_site,
    computed.first_purchase_date,
    computed.tenure_months,
    computed.orders_12m,
    computed.active_months_12m,
    computed.is_active,
    computed.strategic_score,
    computed.score_top_pct,
    computed.computed_tier,
    coalesce(valid_overrides.tier, computed.computed_tier) as tier,
    case
        when valid_overrides.tier is not null then 'Plan override: ' || valid_overrides.reason
        when computed.revenue_12m <= 0 then 'No revenue in the last 12 months'
        else computed.abc_class || '-class, score '
            || cast(cast(round(computed.strategic_score, 0) as integer) as varchar)
            || ' (top ' || cast(computed.score_top_pct as varchar) || ' %)'
    end as tier_reason,
    valid_overrides.tier is not null as is_override
from computed
left join valid_overrides
    on computed.account_id = valid_overrides.account_id
    and computed.month_start_date = valid_overrides.month_start_date;

create table marts.account_tiers as
select
    account_id, snapshot_date, month_start_date, revenue_month, revenue_12m, revenue_prev_12m,
    growth_12m, revenue_share, cumulative_share, abc_class, market_potential,
    share_of_potential, headroom, referrals_count, is_reference_site, tenure_months,
    orders_12m, active_months_12m, strategic_score, score_top_pct, computed_tier, tier,
    tier_reason, is_override
from scratch.intermediate.account_tiers;

create table marts.account_tier_changes as
with with_previous as (

    select
        account_id, snapshot_date, month_start_date, tier, abc_class, strategic_score,
        tier_reason, is_override,
        lag(snapshot_date) over by_account as previous_snapshot_date,
        lag(tier) over by_account as previous_tier,
        lag(abc_class) over by_account as previous_abc_class
    from scratch.intermediate.account_tiers
    window by_account as (partition by account_id order by snapshot_date)

)

select
    account_id,
    snapshot_date,
    month_start_date,
    previous_snapshot_date,
    previous_tier as from_tier,
    tier as to_tier,
    case
        when case tier when 'key' then 1 when 'strategic' then 2 when 'core' then 3 else 4 end
            < case previous_tier when 'key' then 1 when 'strategic' then 2 when 'core' then 3 else 4 end
            then 'upgrade'
        else 'downgrade'
    end as change_direction,
    previous_abc_class as from_abc_class,
    abc_class as to_abc_class,
    strategic_score,
    tier_reason,
    is_override
from with_previous
where previous_tier is not null
    and previous_tier <> tier;

-- step: retention
create table scratch.intermediate.account_periods as
with flagged as (

    select
        account_id,
        month_start_date as period_start_date,
        month_end_date as period_end_date,
        net_revenue,
        revenue_12m,
        revenue_prev_12m,
        net_revenue > 0 as is_active,
        coalesce(lag(case when net_revenue > 0 then 1 else 0 end) over (
            partition by account_id order by month_start_date
        ), 0) = 1 as was_active_previous_period,
        has_purchased_before
    from scratch.intermediate.account_monthly

)

select
    flagged.*,
    min(case when is_active then period_start_date end) over (partition by account_id)
        as cohort_period_date
from flagged;

create table marts.retention_cohorts as
with cohort_members as (

    select *
    from scratch.intermediate.account_periods
    where cohort_period_date is not null
        and period_start_date >= cohort_period_date

),

cohort_sizes as (

    select
        cohort_period_date,
        count(distinct account_id) as cohort_size,
        sum(case when period_start_date = cohort_period_date then net_revenue else 0 end)
            as first_period_revenue
    from cohort_members
    group by cohort_period_date

),

cohort_periods as (

    select
        cohort_period_date,
        period_start_date,
        count(case when is_active then 1 end) as active_accounts,
        sum(net_revenue) as cohort_revenue
    from cohort_members
    group by cohort_period_date, period_start_date

)

select
    cohort_periods.cohort_period_date as cohort_month,
    months_between(cohort_periods.cohort_period_date, cohort_periods.period_start_date)
        as months_since_first,
    cohort_periods.period_start_date,
    'month' as period_type,
    cohort_sizes.cohort_size,
    cohort_periods.active_accounts,
    cohort_periods.active_accounts / nullif(cohort_sizes.cohort_size, 0) as logo_retention,
    cohort_periods.cohort_revenue as cohort_revenue,
    cohort_sizes.first_period_revenue,
    cast(cohort_periods.cohort_revenue as double)
        / nullif(cast(cohort_sizes.first_period_revenue as double), 0) as revenue_retention
from cohort_periods
inner join cohort_sizes
    on cohort_periods.cohort_period_date = cohort_sizes.cohort_period_date;

create table marts.retention_summary as
with classified as (

    select
        periods.period_start_date,
        periods.period_end_date,
        coalesce(tiers.tier, 'unranked') as tier_at_start,
        coalesce(accounts.owner_kam_id, 'unassigned') as kam_id,
        coalesce(accounts.region, 'unknown') as region,
        periods.was_active_previous_period as is_at_start,
        periods.was_active_previous_period and periods.is_active as is_retained,
        periods.was_active_previous_period and not periods.is_active as is_churned,
        coalesce(periods.period_start_date = periods.cohort_period_date, false) as is_new,
        periods.is_active and not periods.was_active_previous_period
            and periods.has_purchased_before as is_reactivated,
        periods.is_active as is_active_now,
        -- trailing revenue floored at 0 per account, as the mart does (NRR, GRR >= 0)
        case
            when periods.revenue_prev_12m > 0 and periods.revenue_12m > 0
                then periods.revenue_12m
            else 0
        end as nrr_revenue_t,
        case when periods.revenue_prev_12m > 0 then periods.revenue_prev_12m else 0 end
            as nrr_revenue_t_minus_1,
        case
            when periods.revenue_prev_12m > 0 and periods.revenue_12m > 0
                then least(periods.revenue_12m, periods.revenue_prev_12m)
            else 0
        end as grr_revenue_t
    from scratch.intermediate.account_periods as periods
    left join scratch.intermediate.account_tiers as tiers
        on periods.account_id = tiers.account_id
        and cast(periods.period_start_date - interval 1 month as date) = tiers.month_start_date
    left join scratch.staging.accounts as accounts
        on periods.account_id = accounts.account_id

),

sliced as (

    select 'all' as slice_type, 'all' as slice_value, * from classified
    union all
    select 'tier', tier_at_start, * from classified
    union all
    select 'kam', kam_id, * from classified
    union all
    select 'region', region, * from classified

),

aggregated as (

    select
        period_start_date,
        period_end_date,
        slice_type,
        slice_value,
        count(case when is_at_start then 1 end) as accounts_at_start,
        count(case when is_retained then 1 end) as retained_accounts,
        count(case when is_churned then 1 end) as churned_accounts,
        count(case when is_new then 1 end) as new_accounts,
        count(case when is_reactivated then 1 end) as reactivated_accounts,
        count(case when is_active_now then 1 end) as active_accounts,
        sum(nrr_revenue_t) as revenue_12m,
        sum(nrr_revenue_t_minus_1) as revenue_prev_12m,
        sum(grr_revenue_t) as retained_revenue_12m
    from sliced
    group by period_start_date, period_end_date, slice_type, slice_value

)

select
    period_start_date,
    period_end_date,
    slice_type,
    slice_value,
    'month' as period_type,
    accounts_at_start,
    retained_accounts,
    churned_accounts,
    new_accounts,
    reactivated_accounts,
    active_accounts,
    retained_accounts / nullif(accounts_at_start, 0) as logo_retention,
    revenue_12m,
    revenue_prev_12m,
    retained_revenue_12m,
    cast(revenue_12m as double) / nullif(cast(revenue_prev_12m as double), 0) as nrr,
    cast(retained_revenue_12m as double) / nullif(cast(revenue_prev_12m as double), 0) as grr
from aggregated;

create table marts.account_churn as
with gaps as (

    select
        account_id,
        invoice_date,
        invoice_date - lag(invoice_date) over (partition by account_id order by invoice_date)
            as gap_days
    from scratch.intermediate.account_days
    where is_purchase_day

),

per_account as (

    select
        account_id,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date,
        count(*) as purchase_days,
        quantile_cont(gap_days, 0.5) as typical_interval_days
    from gaps
    group by account_id

),

thresholds as (

    select
        per_account.*,
        as_of.as_of_date - per_account.last_purchase_date as days_since_last_purchase,
        cast(greatest(180, 3 * coalesce(per_account.typical_interval_days, 0)) as double)
            as churn_threshold_days
    from per_account
    cross join scratch.intermediate.as_of

)

select
    account_id,
    first_purchase_date,
    last_purchase_date,
    purchase_days,
    days_since_last_purchase,
    cast(typical_interval_days as double) as typical_interval_days,
    churn_threshold_days,
    case
        when days_since_last_purchase > churn_threshold_days then 'churned'
        when days_since_last_purchase > 0.5 * churn_threshold_days then 'at_risk'
        else 'active'
    end as status,
    days_since_last_purchase > churn_threshold_days as is_churned
from thresholds;

-- step: clv_summary
create table marts.clv_summary as
with purchase_summary as (

    select
        account_id,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date,
        count(*) as purchase_days,
        avg(case when purchase_day_number > 1 then cast(net_revenue as double) end)
            as monetary_value
    from (
        select
            account_id,
            invoice_date,
            net_revenue,
            row_number() over (partition by account_id order by invoice_date)
                as purchase_day_number
        from scratch.intermediate.account_days
        where is_purchase_day
    )
    group by account_id

),

history as (

    select
        account_id,
        sum(net_revenue) as historical_revenue,
        sum(gross_margin) as historical_margin,
        sum(costed_revenue) as costed_revenue
    from scratch.intermediate.account_days
    group by account_id

),

current_month as (

    select monthly.account_id, monthly.revenue_12m, monthly.tenure_months
    from scratch.intermediate.account_monthly as monthly
    inner join scratch.intermediate.as_of
        on monthly.month_start_date = as_of.as_of_month_start_date

)

select
    purchase_summary.account_id,
    as_of.as_of_date,
    purchase_summary.first_purchase_date,
    purchase_summary.last_purchase_date,
    purchase_summary.purchase_days,
    purchase_summary.purchase_days - 1 as frequency,
    cast(purchase_summary.last_purchase_date - purchase_summary.first_purchase_date as double) / 7
        as recency_weeks,
    cast(as_of.as_of_date - purchase_summary.first_purchase_date as double) / 7 as t_weeks,
    purchase_summary.monetary_value,
    history.historical_revenue as historical_revenue,
    history.historical_margin as historical_margin,
    cast(history.costed_revenue as double)
        / nullif(cast(history.historical_revenue as double), 0) as margin_revenue_coverage,
    coalesce(current_month.revenue_12m, 0) as revenue_12m,
    coalesce(current_month.tenure_months, 0) as tenure_months,
    case
        when current_month.tenure_months > 0 and current_month.tenure_months < 12
            then cast(current_month.revenue_12m as double) * 12 / current_month.tenure_months
        else cast(coalesce(current_month.revenue_12m, 0) as double)
    end as acv
from purchase_summary
cross join scratch.intermediate.as_of
inner join history
    on purchase_summary.account_id = history.account_id
left join current_month
    on purchase_summary.account_id = current_month.account_id;

-- step: service
create table scratch.intermediate.service_requests_sla as
with in_scope as (

    select
        requests.request_id,
        requests.account_id,
        requests.opened_at,
        cast(requests.opened_at as date) as opened_date,
        cast(date_trunc('month', requests.opened_at) as date) as month_start_date,
        requests.channel,
        requests.priority,
        case
            when requests.first_response_at < cast(as_of.as_of_date + 1 as timestamp)
                then requests.first_response_at
        end as first_response_at,
        cast(as_of.as_of_date + 1 as timestamp) as as_of_end_at
    from scratch.staging.service_requests as requests
    cross join scratch.intermediate.as_of
    where cast(requests.opened_at as date) <= as_of.as_of_date

),

with_tier as (

    select
        in_scope.*,
        tiers.tier,
        case when tiers.tier = 'key' then 12 else 24 end as sla_hours,
        (epoch(in_scope.first_response_at) - epoch(in_scope.opened_at)) / 3600.0
            as first_response_hours,
        (epoch(in_scope.as_of_end_at) - epoch(in_scope.opened_at)) / 3600.0
            as hours_open_at_as_of
    from in_scope
    left join scratch.intermediate.account_tiers as tiers
        on in_scope.account_id = tiers.account_id
        and in_scope.month_start_date = tiers.month_start_date

)

select
    request_id,
    account_id,
    opened_at,
    opened_date,
    month_start_date,
    plan_period_of(opened_date) as plan_period,
    channel,
    priority,
    tier,
    sla_hours,
    first_response_at,
    first_response_hours,
    first_response_at is not null as is_responded,
    case
        when first_response_at is not null and first_response_hours <= sla_hours then 'met'
        when first_response_at is not null then 'breached'
        when hours_open_at_as_of > sla_hours then 'breached'
        else 'pending'
    end as sla_status
from with_tier;

create table marts.sla_compliance as
select
    account_id,
    month_start_date,
    max(tier) as tier,
    max(sla_hours) as sla_hours,
    count(*) as requests,
    count(case when is_responded then 1 end) as responded_requests,
    count(case when sla_status = 'met' then 1 end) as responses_within_sla,
    count(case when sla_status = 'breached' then 1 end) as breached_requests,
    count(case when sla_status = 'pending' then 1 end) as pending_requests,
    100 * count(case when sla_status = 'met' then 1 end)
        / nullif(count(case when sla_status in ('met', 'breached') then 1 end), 0)
        as sla_compliance_pct,
    cast(quantile_cont(first_response_hours, 0.5) as double) as median_first_response_hours,
    avg(first_response_hours) as avg_first_response_hours
from scratch.intermediate.service_requests_sla
group by account_id, month_start_date;

create table marts.decision_unit_coverage as
with recent_engagements as (

    select distinct activities.contact_id
    from scratch.staging.activities as activities
    cross join scratch.intermediate.as_of
    where activities.contact_id is not null
        and coalesce(activities.is_completed, true)
        and cast(activities.started_at as date) <= as_of.as_of_date
        and cast(activities.started_at as date) > as_of.as_of_date - 90

),

per_account as (

    select
        contacts.account_id,
        count(*) as stakeholders,
        count(case when contacts.decision_role = 'decision_maker' then 1 end)
            as decision_makers_mapped,
        count(case
            when contacts.decision_role = 'decision_maker'
                and recent_engagements.contact_id is not null then 1
        end) as decision_makers_engaged,
        count(case when contacts.decision_role = 'influencer' then 1 end) as influencers_mapped,
        count(case when contacts.decision_role = 'champion' then 1 end) as champions_mapped,
        count(recent_engagements.contact_id) as contacts_engaged,
        avg(cast(contacts.relationship_level as double)) as avg_relationship_level,
        avg(case
            when contacts.decision_role = 'decision_maker'
                then cast(contacts.relationship_level as double)
        end) as avg_decision_maker_relationship_level
    from scratch.staging.contacts as contacts
    left join recent_engagements
        on contacts.contact_id = recent_engagements.contact_id
    where coalesce(contacts.is_active, true)
    group by contacts.account_id

)

select
    accounts.account_id,
    accounts.owner_kam_id as kam_id,
    coalesce(per_account.stakeholders, 0) as stakeholders,
    coalesce(per_account.decision_makers_mapped, 0) as decision_makers_mapped,
    coalesce(per_account.decision_makers_engaged, 0) as decision_makers_engaged,
    coalesce(per_account.influencers_mapped, 0) as influencers_mapped,
    coalesce(per_account.champions_mapped, 0) as champions_mapped,
    coalesce(per_account.contacts_engaged, 0) as contacts_engaged,
    per_account.decision_makers_engaged / nullif(per_account.decision_makers_mapped, 0)
        as decision_maker_engaged_share,
    per_account.avg_relationship_level,
    per_account.avg_decision_maker_relationship_level,
    coalesce(per_account.contacts_engaged, 0) = 1 as is_single_threaded,
    coalesce(per_account.contacts_engaged, 0) = 0 as has_no_engagement,
    90 as engaged_window_days
from scratch.staging.accounts as accounts
left join per_account
    on accounts.account_id = per_account.account_id;

-- step: plan
create table scratch.intermediate.plan_periods as
with named_periods as (

    select plan_period from scratch.staging.objectives
    union
    select plan_period_of(due_date) from scratch.staging.actions

),

bounded as (

    select
        named_periods.plan_period,
        make_date(
            cast(substring(named_periods.plan_period, 1, 4) as integer),
            3 * cast(substring(named_periods.plan_period, 7, 1) as integer) - 2,
            1
        ) as period_start_date,
        as_of.as_of_date
    from named_periods
    cross join scratch.intermediate.as_of

),

elapsed as (

    select
        plan_period,
        period_start_date,
        cast(period_start_date + interval 3 month - interval 1 day as date) as period_end_date,
        as_of_date
    from bounded
    where period_start_date <= as_of_date

)

select
    plan_period,
    period_start_date,
    period_end_date,
    least(period_end_date, as_of_date) as measured_to_date,
    cast(date_trunc('month', least(period_end_date, as_of_date)) as date)
        as snapshot_month_start_date,
    period_end_date - period_start_date + 1 as days_in_period,
    least(period_end_date, as_of_date) - period_start_date + 1 as days_elapsed,
    100 * cast(least(period_end_date, as_of_date) - period_start_date + 1 as double)
        / (period_end_date - period_start_date + 1) as expected_pct,
    as_of_date >= period_end_date as is_period_closed
from elapsed;

create table marts.objective_attainment as
with completed_activities as (

    select
        activities.account_id,
        activities.contact_id,
        activities.activity_type,
        plan_period_of(cast(activities.started_at as date)) as plan_period
    from scratch.staging.activities as activities
    cross join scratch.intermediate.as_of
    where cast(activities.started_at as date) <= as_of.as_of_date
        and coalesce(activities.is_completed, true)

),

actuals as (

    select account_id, plan_period_of(invoice_date) as plan_period, 'net_revenue' as kpi,
        cast(sum(net_revenue) as double) as actual_value
    from scratch.intermediate.account_days group by all
    union all
    select account_id, plan_period_of(invoice_date), 'units', cast(sum(quantity) as double)
    from scratch.intermediate.account_days group by all
    union all
    select account_id, plan_period_of(first_purchase_date), 'new_listings', count(*)
    from scratch.intermediate.account_products where first_purchase_date is not null group by all
    union all
    select account_id, plan_period, 'visits', count(*)
    from completed_activities where activity_type = 'visit' group by all
    union all
    select completed_activities.account_id, completed_activities.plan_period,
        'decision_makers_engaged', count(distinct completed_activities.contact_id)
    from completed_activities
    inner join scratch.staging.contacts as contacts
        on completed_activities.contact_id = contacts.contact_id
    where contacts.decision_role = 'decision_maker'
    group by all
    union all
    select account_id, plan_period, 'sla_compliance_pct',
        100 * cast(count(case when sla_status = 'met' then 1 end) as double)
            / nullif(count(case when sla_status in ('met', 'breached') then 1 end), 0)
    from scratch.intermediate.service_requests_sla group by all
    union all
    select opportunities.account_id, plan_period_of(opportunities.close_date),
        'opportunities_won', count(*)
    from scratch.staging.opportunities as opportunities
    cross join scratch.intermediate.as_of
    where opportunities.is_won and opportunities.close_date <= as_of.as_of_date
    group by all

),

measured as (

    select
        objectives.account_id,
        objectives.kpi,
        objectives.plan_period,
        objectives.kam_id,
        periods.period_start_date,
        periods.period_end_date,
        periods.measured_to_date,
        periods.days_in_period,
        periods.days_elapsed,
        periods.is_period_closed,
        cast(objectives.target_value as double) as target_value,
        cast(coalesce(objectives.weight, 1) as double) as weight,
        case
            when objectives.kpi = 'sla_compliance_pct' then actuals.actual_value
            else coalesce(actuals.actual_value, 0)
        end as actual_value,
        periods.expected_pct
    from scratch.staging.objectives as objectives
    inner join scratch.intermediate.plan_periods as periods
        on objectives.plan_period = periods.plan_period
    left join actuals
        on objectives.account_id = actuals.account_id
        and objectives.plan_period = actuals.plan_period
        and objectives.kpi = actuals.kpi

),

final as (

    select
        * exclude (expected_pct),
        -- a net-negative actual attains 0 %, as the mart does
        100 * (case when actual_value < 0 then 0 else actual_value end)
            / nullif(target_value, 0) as attainment_pct,
        expected_pct
    from measured

)

select
    *,
    case
        when attainment_pct is null then null
        when attainment_pct >= 100 then 'achieved'
        when attainment_pct >= expected_pct then 'on_track'
        when attainment_pct >= 0.8 * expected_pct then 'at_risk'
        else 'off_track'
    end as pace_status
from final;

create table scratch.intermediate.kams_workload as
with owned as (

    select
        periods.plan_period,
        accounts.owner_kam_id as kam_id,
        count(*) as accounts_owned,
        count(case when tiers.tier = 'key' then 1 end) as key_accounts_owned
    from scratch.staging.accounts as accounts
    cross join scratch.intermediate.plan_periods as periods
    left join scratch.intermediate.account_tiers as tiers
        on accounts.account_id = tiers.account_id
        and periods.snapshot_month_start_date = tiers.month_start_date
    group by periods.plan_period, accounts.owner_kam_id

),

kam_periods as (

    select
        users.kam_id,
        users.role,
        periods.plan_period,
        coalesce(owned.accounts_owned, 0) as accounts_owned,
        coalesce(owned.key_accounts_owned, 0) as key_accounts_owned
    from scratch.staging.users as users
    cross join scratch.intermediate.plan_periods as periods
    left join owned
        on users.kam_id = owned.kam_id
        and periods.plan_period = owned.plan_period
    where users.role in ('key_account_manager', 'account_manager')

)

select
    *,
    case
        when role = 'key_account_manager' and key_accounts_owned < 1 then 'under'
        when role = 'key_account_manager' and key_accounts_owned > 5 then 'over'
        when role = 'account_manager' and accounts_owned < 5 then 'under'
        when role = 'account_manager' and accounts_owned > 20 then 'over'
        else 'within'
    end as workload_status
from kam_periods;

create table scratch.intermediate.action_status as
select
    actions.account_id,
    actions.kam_id,
    plan_period_of(actions.due_date) as plan_period,
    actions.status,
    actions.status = 'done'
        and (actions.completed_date is null or actions.completed_date <= as_of.as_of_date)
        as is_done,
    actions.status = 'done'
        and actions.completed_date <= actions.due_date
        and actions.completed_date <= as_of.as_of_date
        as is_done_on_time,
    actions.status not in ('done', 'cancelled') and actions.due_date < as_of.as_of_date
        as is_overdue
from scratch.staging.actions as actions
cross join scratch.intermediate.as_of;

create table marts.kam_scorecard as
with attainment as (

    select
        kam_id,
        plan_period,
        count(*) as objectives_count,
        sum(case when attainment_pct is not null then weight * attainment_pct else 0 end)
            as weighted_attainment_sum,
        sum(case when attainment_pct is not null then weight else 0 end) as attainment_weight,
        count(case when pace_status = 'achieved' then 1 end) as objectives_achieved,
        count(case when pace_status in ('achieved', 'on_track') then 1 end) as objectives_on_pace,
        count(case when pace_status = 'off_track' then 1 end) as objectives_off_track
    from marts.objective_attainment
    group by kam_id, plan_period

),

action_counts as (

    select
        kam_id,
        plan_period,
        count(case when status <> 'cancelled' then 1 end) as actions_planned,
        count(case when is_done then 1 end) as actions_done,
        count(case when is_done_on_time then 1 end) as actions_done_on_time,
        count(case when is_overdue then 1 end) as actions_overdue
    from scratch.intermediate.action_status
    group by kam_id, plan_period

),

sla_counts as (

    select
        accounts.owner_kam_id as kam_id,
        requests.plan_period,
        count(case when requests.sla_status = 'met' then 1 end) as requests_met,
        count(case when requests.sla_status in ('met', 'breached') then 1 end)
            as requests_decided
    from scratch.intermediate.service_requests_sla as requests
    inner join scratch.staging.accounts as accounts
        on requests.account_id = accounts.account_id
    group by all

)

select
    workload.kam_id,
    workload.plan_period,
    workload.role,
    periods.period_start_date,
    periods.period_end_date,
    coalesce(attainment.objectives_count, 0) as objectives_count,
    attainment.weighted_attainment_sum / nullif(attainment.attainment_weight, 0)
        as weighted_attainment_pct,
    coalesce(attainment.objectives_achieved, 0) as objectives_achieved,
    coalesce(attainment.objectives_on_pace, 0) as objectives_on_pace,
    coalesce(attainment.objectives_off_track, 0) as objectives_off_track,
    workload.accounts_owned,
    workload.key_accounts_owned,
    workload.workload_status,
    workload.workload_status = 'within' as is_workload_within_limits,
    coalesce(action_counts.actions_planned, 0) as actions_planned,
    coalesce(action_counts.actions_done, 0) as actions_done,
    coalesce(action_counts.actions_done_on_time, 0) as actions_done_on_time,
    coalesce(action_counts.actions_overdue, 0) as actions_overdue,
    action_counts.actions_done_on_time / nullif(action_counts.actions_done, 0)
        as actions_on_time_share,
    coalesce(sla_counts.requests_decided, 0) as service_requests_measured,
    100 * sla_counts.requests_met / nullif(sla_counts.requests_decided, 0) as sla_compliance_pct
from scratch.intermediate.kams_workload as workload
inner join scratch.intermediate.plan_periods as periods
    on workload.plan_period = periods.plan_period
left join attainment
    on workload.kam_id = attainment.kam_id
    and workload.plan_period = attainment.plan_period
left join action_counts
    on workload.kam_id = action_counts.kam_id
    and workload.plan_period = action_counts.plan_period
left join sla_counts
    on workload.kam_id = sla_counts.kam_id
    and workload.plan_period = sla_counts.plan_period;

create table marts.plan_execution as
with action_counts as (

    select
        account_id,
        plan_period,
        count(case when status <> 'cancelled' then 1 end) as actions_planned,
        count(case when is_done then 1 end) as actions_done,
        count(case when is_done_on_time then 1 end) as actions_done_on_time,
        count(case when is_overdue then 1 end) as actions_overdue,
        count(case when status = 'cancelled' then 1 end) as actions_cancelled
    from scratch.intermediate.action_status
    group by account_id, plan_period

),

objective_counts as (

    select account_id, plan_period, count(*) as objectives_count
    from scratch.staging.objectives
    group by account_id, plan_period

),

swot_counts as (

    select
        account_id,
        plan_year,
        count(distinct quadrant) as swot_quadrants_filled,
        count(*) as swot_items
    from scratch.staging.swot
    group by account_id, plan_year

),

account_periods as (

    select account_id, plan_period from action_counts
    union
    select account_id, plan_period from objective_counts

)

select
    account_periods.account_id,
    account_periods.plan_period,
    accounts.owner_kam_id as kam_id,
    periods.period_start_date,
    periods.period_end_date,
    coalesce(objective_counts.objectives_count, 0) as objectives_count,
    coalesce(action_counts.actions_planned, 0) as actions_planned,
    coalesce(action_counts.actions_done, 0) as actions_done,
    coalesce(action_counts.actions_done_on_time, 0) as actions_done_on_time,
    coalesce(action_counts.actions_overdue, 0) as actions_overdue,
    coalesce(action_counts.actions_cancelled, 0) as actions_cancelled,
    action_counts.actions_done / nullif(action_counts.actions_planned, 0) as actions_done_share,
    coalesce(swot_counts.swot_quadrants_filled, 0) as swot_quadrants_filled,
    coalesce(swot_counts.swot_items, 0) as swot_items,
    coalesce(swot_counts.swot_quadrants_filled, 0) = 4 as is_swot_complete
from account_periods
inner join scratch.intermediate.plan_periods as periods
    on account_periods.plan_period = periods.plan_period
left join scratch.staging.accounts as accounts
    on account_periods.account_id = accounts.account_id
left join action_counts
    on account_periods.account_id = action_counts.account_id
    and account_periods.plan_period = action_counts.plan_period
left join objective_counts
    on account_periods.account_id = objective_counts.account_id
    and account_periods.plan_period = objective_counts.plan_period
left join swot_counts
    on account_periods.account_id = swot_counts.account_id
    and year(periods.period_start_date) = swot_counts.plan_year;

-- step: dimensions
create table marts.dim_accounts as
with purchases as (

    select
        account_id,
        min(case when is_purchase_day then invoice_date end) as first_purchase_date,
        max(case when is_purchase_day then invoice_date end) as last_purchase_date,
        sum(net_revenue) as lifetime_revenue
    from scratch.intermediate.account_days
    group by account_id

),

current_tiers as (

    select tiers.*
    from scratch.intermediate.account_tiers as tiers
    inner join scratch.intermediate.as_of
        on tiers.month_start_date = as_of.as_of_month_start_date

),

stakeholders as (

    select
        account_id,
        count(*) as contacts_count,
        count(case when coalesce(is_active, true) then 1 end) as active_contacts_count,
        count(case when coalesce(is_active, true) and decision_role = 'decision_maker' then 1 end)
            as decision_makers_count,
        count(case when coalesce(is_active, true) and decision_role = 'influencer' then 1 end)
            as influencers_count,
        count(case when coalesce(is_active, true) and decision_role = 'champion' then 1 end)
            as champions_count
    from scratch.staging.contacts
    group by account_id

)

select
    accounts.account_id,
    accounts.account_name,
    accounts.account_type,
    accounts.cnpj,
    accounts.city,
    accounts.state,
    accounts.region,
    accounts.country,
    accounts.beds,
    accounts.market_potential,
    accounts.competitors,
    accounts.referred_by_account_id,
    coalesce(accounts.is_reference_site, false) as is_reference_site,
    accounts.owner_kam_id,
    accounts.created_at,
    purchases.first_purchase_date,
    purchases.last_purchase_date,
    case
        when purchases.first_purchase_date is not null
            then months_between(purchases.first_purchase_date, as_of.as_of_month_start_date) + 1
        else 0
    end as tenure_months,
    coalesce(purchases.lifetime_revenue, 0) as lifetime_revenue,
    coalesce(current_tiers.revenue_12m, 0) as revenue_12m,
    current_tiers.abc_class,
    current_tiers.strategic_score,
    current_tiers.tier,
    current_tiers.tier_reason,
    coalesce(current_tiers.is_override, false) as is_tier_override,
    coalesce(current_tiers.referrals_count, 0) as referrals_count,
    coalesce(stakeholders.contacts_count, 0) as contacts_count,
    coalesce(stakeholders.active_contacts_count, 0) as active_contacts_count,
    coalesce(stakeholders.decision_makers_count, 0) as decision_makers_count,
    coalesce(stakeholders.influencers_count, 0) as influencers_count,
    coalesce(stakeholders.champions_count, 0) as champions_count
from scratch.staging.accounts as accounts
cross join scratch.intermediate.as_of
left join purchases
    on accounts.account_id = purchases.account_id
left join current_tiers
    on accounts.account_id = current_tiers.account_id
left join stakeholders
    on accounts.account_id = stakeholders.account_id;

create table marts.dim_kams as
with owned as (

    select
        accounts.owner_kam_id as kam_id,
        count(*) as accounts_owned,
        count(case when tiers.tier = 'key' then 1 end) as key_accounts_owned
    from scratch.staging.accounts as accounts
    left join scratch.intermediate.account_tiers as tiers
        on accounts.account_id = tiers.account_id
        and tiers.month_start_date = (select as_of_month_start_date from scratch.intermediate.as_of)
    group by accounts.owner_kam_id

)

select
    users.kam_id,
    users.full_name as kam_name,
    users.role,
    users.region,
    users.manager_id,
    users.hired_date,
    coalesce(users.is_active, true) as is_active,
    coalesce(owned.accounts_owned, 0) as accounts_owned,
    coalesce(owned.key_accounts_owned, 0) as key_accounts_owned
from scratch.staging.users as users
left join owned
    on users.kam_id = owned.kam_id;

create table marts.dim_products as
with product_sales as (

    select
        product_id,
        min(first_purchase_date) as first_sold_date,
        max(last_purchase_date) as last_sold_date,
        count(first_purchase_date) as accounts_listed,
        sum(net_revenue) as lifetime_revenue,
        sum(quantity) as lifetime_quantity
    from scratch.intermediate.account_products
    group by product_id

)

select
    products.product_id,
    products.product_name,
    products.product_category,
    products.brand,
    products.list_price,
    products.unit_cost,
    products.list_price - products.unit_cost as unit_margin,
    cast(products.list_price - products.unit_cost as double)
        / nullif(cast(products.list_price as double), 0) as list_margin_share,
    products.launched_date,
    product_sales.first_sold_date,
    product_sales.last_sold_date,
    coalesce(product_sales.accounts_listed, 0) as accounts_listed,
    coalesce(product_sales.lifetime_revenue, 0) as lifetime_revenue,
    coalesce(product_sales.lifetime_quantity, 0) as lifetime_quantity
from scratch.staging.products as products
left join product_sales
    on products.product_id = product_sales.product_id;

-- step: checkpoint
checkpoint;
