"""`kam status`: what is published, from which run, and how the last run went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.publish import (
    PUBLISHED_DB_NAME,
    VERSIONS_DIR_NAME,
    PublishInfo,
    list_versions,
    read_publish_info,
)
from pipelines.lib.published_integrity import verify_published

FRESHNESS_LIMIT = timedelta(hours=26)

TOP_KEY_ACCOUNTS_SQL = """
with latest as (
    select max(snapshot_date) as snapshot_date from marts.account_tiers
)
select
    tiers.account_id,
    accounts.account_name,
    accounts.state,
    tiers.tier,
    tiers.revenue_12m
from marts.account_tiers as tiers
inner join latest on tiers.snapshot_date = latest.snapshot_date
left join marts.dim_accounts as accounts on tiers.account_id = accounts.account_id
where tiers.tier = 'key'
order by tiers.revenue_12m desc, tiers.account_id
limit 5
"""


def describe_status(settings: Settings, *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = [f"KAM home: {settings.home}"]
    info = read_publish_info(settings.published_dir)
    if info is None:
        lines.append("published: nothing yet (run `kam run`)")
    else:
        age = now - info.published_at
        lines.append(
            f"published: version {info.version}, run {info.run_id}, as of {info.as_of_date}, "
            f"at {info.published_at:%Y-%m-%d %H:%M} UTC ({_age(age)} ago)"
        )
        lines.append(
            f"currency: {info.currency or 'not recorded'}; DuckDB storage version: "
            f"{info.storage_version or 'not recorded (published by an earlier release)'}"
        )
        lines.append(f"checks: {info.checks_passed}/{info.checks_total} passed")
        if age > FRESHNESS_LIMIT:
            lines.append(
                "WARNING: the published marts are older than "
                f"{FRESHNESS_LIMIT.total_seconds() / 3600:.0f} hours"
            )
        lines.extend(_checksum_verdict(settings, info.version))
        lines.append(f"versions kept: {', '.join(list_versions(settings.published_dir))}")
        lines.extend(_deliveries(info))
        lines.extend(_marts(info))
        lines.extend(_warnings(info))
        lines.extend(_top_key_accounts(settings, info.currency))
        lines.extend(_how_to_connect(settings))
    lines.append(_last_run())
    return "\n".join(lines)


def _marts(info: PublishInfo) -> list[str]:
    """Rows per mart, and for an empty mart why it is empty."""
    lines = ["rows per mart:"]
    width = max((len(mart.name) for mart in info.marts), default=0)
    for mart in info.marts:
        line = f"  {mart.name:<{width}}  {mart.row_count:>10,}"
        if mart.empty_reason:
            line += f"  empty: {mart.empty_reason}"
        lines.append(line)
    return lines


def _deliveries(info: PublishInfo) -> list[str]:
    """Per landing entity: files and rows behind the marts, and what was never delivered."""
    if not info.deliveries:
        return []
    lines = ["landing data behind the marts:"]
    width = max(len(entity) for entity in info.deliveries)
    missing = []
    for entity, counts in info.deliveries.items():
        if not counts.get("files"):
            missing.append(entity)
            continue
        parts = [f"{counts['files']:,} file(s)", f"{counts['rows_read']:,} rows read"]
        parts.append(f"{counts['rows_loaded']:,} loaded")
        if counts.get("rows_quarantined"):
            parts.append(f"{counts['rows_quarantined']:,} quarantined")
        if counts.get("rows_excluded"):
            parts.append(f"{counts['rows_excluded']:,} excluded by kam.yml rules")
        lines.append(f"  {entity:<{width}}  " + ", ".join(parts))
    if missing:
        lines.append(f"  not delivered: {', '.join(missing)}")
    return lines


def _warnings(info: PublishInfo) -> list[str]:
    if not info.warnings:
        return ["run warnings: none"]
    return [f"run warnings ({len(info.warnings)}):", *(f"  - {text}" for text in info.warnings)]


def _checksum_verdict(settings: Settings, version: str | None) -> list[str]:
    """Whether published/kam.duckdb and the version's own file are what was published."""
    if version is None:
        return ["checksum: no current version recorded (CURRENT is missing)"]
    version_dir = settings.published_dir / VERSIONS_DIR_NAME / version
    verdict = verify_published(settings.published_db, version_dir, PUBLISHED_DB_NAME)
    return verdict.describe(settings.published_db, version_dir / PUBLISHED_DB_NAME)


def _top_key_accounts(settings: Settings, currency: str | None) -> list[str]:
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        rows = con.execute(TOP_KEY_ACCOUNTS_SQL).fetchall()
    except duckdb.Error:
        return []
    finally:
        con.close()
    if not rows:
        return []
    lines = ["top key accounts (trailing 12 months):"]
    for account_id, name, state, tier, revenue in rows:
        region = (state or "")[:16]  # free text outside Brazil ("United Kingdom")
        lines.append(
            f"  {account_id:<10} {name[:40]:<40} {region:<16} {tier:<9} {currency or ''} "
            f"{revenue:>16,.2f}"
        )
    return lines


def _how_to_connect(settings: Settings) -> list[str]:
    return [
        "connect a BI tool (read-only):",
        f"  DuckDB file: {settings.published_db}  (schema marts; open read-only)",
        f"  Parquet:     {settings.published_dir / 'parquet'}/<mart>.parquet",
        f"  e.g. python -c \"import duckdb; print(duckdb.connect('{settings.published_db}', "
        "read_only=True).sql('select * from marts.account_tiers limit 5'))\"",
    ]


def _last_run() -> str:
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs(limit=1)
    if not runs:
        return "last run: none recorded"
    run = runs[0]
    stats = instance.get_run_stats(run.run_id)
    when = datetime.fromtimestamp(stats.end_time or stats.start_time or 0, UTC)
    return f"last run: {run.run_id} {run.status.value} at {when:%Y-%m-%d %H:%M} UTC"


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"
