"""`kam status`: what is published, from which run, and how the last run went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.publish import list_versions, read_publish_info

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
        lines.append(f"checks: {info.checks_passed}/{info.checks_total} passed")
        if age > FRESHNESS_LIMIT:
            lines.append(
                "WARNING: the published marts are older than "
                f"{FRESHNESS_LIMIT.total_seconds() / 3600:.0f} hours"
            )
        lines.append(f"versions kept: {', '.join(list_versions(settings.published_dir))}")
        lines.append("rows per mart:")
        width = max(len(name) for name in info.row_counts) if info.row_counts else 0
        lines.extend(
            f"  {name:<{width}}  {count:>10,}" for name, count in sorted(info.row_counts.items())
        )
        lines.extend(_top_key_accounts(settings))
        lines.extend(_how_to_connect(settings))
    lines.append(_last_run())
    return "\n".join(lines)


def _top_key_accounts(settings: Settings) -> list[str]:
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
    lines.extend(
        f"  {account_id:<10} {name[:40]:<40} {state}  {tier:<9} R$ {revenue:>16,.2f}"
        for account_id, name, state, tier, revenue in rows
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
