"""The entity's bad-row policy, judged over a whole call.

A run's load of an entity fails when its quarantined rows exceed BOTH the share of its rows read
and the absolute allowance (`Settings.bad_row_policy`); then every load the call wrote is
withdrawn, so nothing of that entity's run is published and every file is tried again next run.
Excluded rows (kam.yml `rules: {<rule>: exclude}`, `exclude_when`) are not bad rows.
"""

from __future__ import annotations

from pipelines.lib.config import Settings
from pipelines.lib.contract import Entity
from pipelines.lib.ingest.rejection import reject_loads
from pipelines.lib.ingest.report import FAILED, IngestReport


def judge_policy(settings: Settings, contract: Entity, report: IngestReport) -> None:
    """Fail the entity's run when its quarantined rows exceed BOTH the share of the rows read
    and the absolute allowance; then withdraw every load of the call.

    Judged over the call, not per file: one bad row in a 35-row daily file stays within the
    allowance, while the share scales with a first load of millions of rows.
    """
    loaded = report.loaded
    rows = sum(f.rows_read for f in loaded)
    bad = sum(f.rows_quarantined for f in loaded)
    share, allowance = settings.bad_row_policy(contract.name)
    if not loaded or bad <= allowance or bad <= share * rows:
        return
    key = f"sources.{contract.name}" if _has_own_policy(settings, contract.name) else "ingest"
    report.problems.append(
        f"{bad:,} of {rows:,} rows ({bad / rows:.1%}) broke row rules in this run: more than "
        f"both the allowed share {share:.1%} ({key}.max_bad_row_share in kam.yml) and the "
        f"allowance of {allowance:,} row(s) ({key}.max_bad_rows); nothing of this run's "
        f"{contract.name} was loaded"
    )
    reason = f"withdrawn: {contract.name}'s bad-row policy failed in this run"
    reject_loads(settings, report, reason=reason)
    report.new_bronze_files.clear()
    for load in loaded:
        load.status = FAILED
        load.rows_loaded = 0
        load.message = (
            f"{load.file}: {load.rows_quarantined} of {load.rows_read} row(s) quarantined; {reason}"
        )


def _has_own_policy(settings: Settings, entity: str) -> bool:
    source = settings.sources.get(entity)
    return source is not None and (
        source.max_bad_row_share is not None or source.max_bad_rows is not None
    )
