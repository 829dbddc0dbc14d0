"""The review pack's options as the settings give them, for `kam report` and the publish step."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.publish import REPORTS_DIR_NAME
from pipelines.lib.report.pack import ReviewPackSummary, WorkloadLimits, build_review_pack


def reports_dir(settings: Settings) -> Path:
    """`<home>/published/reports/`: one folder per published version."""
    return settings.published_dir / REPORTS_DIR_NAME


def workload_limits(settings: Settings) -> WorkloadLimits:
    """The guardrails `kam_scorecard` applied: dbt vars, kam.yml's overrides first."""
    return WorkloadLimits(
        key_accounts_min=int(settings.dbt_var("workload_key_accounts_min")),
        key_accounts_max=int(settings.dbt_var("workload_key_accounts_max")),
        accounts_min=int(settings.dbt_var("workload_accounts_min")),
        accounts_max=int(settings.dbt_var("workload_accounts_max")),
    )


def build_pack_for_version(
    settings: Settings,
    published_db: Path,
    version: str,
    *,
    lang: str | None = None,
    pdf: bool = True,
) -> ReviewPackSummary:
    """The pack of one published version, into `<home>/published/reports/<version>/`."""
    return build_review_pack(
        published_db,
        reports_dir(settings) / version,
        version=version,
        lang=lang or settings.report_language,
        tiers=settings.report_tiers,
        expose_contact_names=settings.expose_contact_names,
        currency=settings.currency,
        pdf=pdf,
        workload_limits=workload_limits(settings),
    )
