"""`kam report`: the review pack of one published version, written beside the published files.

`<home>/published/reports/<version>/`: index.html (the portfolio cockpit), kams/, accounts/, and
the same pages as A4 PDFs. The version defaults to the current one (`published/CURRENT`).
"""

from __future__ import annotations

import argparse

from pipelines.lib.config import Settings
from pipelines.lib.publish import (
    PUBLISHED_DB_NAME,
    VERSIONS_DIR_NAME,
    current_version,
    list_versions,
)
from pipelines.lib.report import ReportError, ReviewPackSummary, WorkloadLimits, build_review_pack

REPORTS_DIR_NAME = "reports"


def build_report(settings: Settings, args: argparse.Namespace) -> ReviewPackSummary:
    """Resolve the version and options, then build; every refusal is a ReportError saying why."""
    published = settings.published_dir
    version = args.version or current_version(published)
    if version is None:
        raise ReportError(f"nothing is published in {published} yet; run `kam run` first")
    published_db = published / VERSIONS_DIR_NAME / version / PUBLISHED_DB_NAME
    if not published_db.is_file():
        available = ", ".join(list_versions(published)) or "none"
        raise ReportError(f"no published version {version} in {published}; available: {available}")
    return build_review_pack(
        published_db,
        published / REPORTS_DIR_NAME / version,
        lang=args.lang or settings.report_language,
        tiers=settings.report_tiers,
        expose_contact_names=settings.expose_contact_names,
        currency=settings.currency,
        pdf=not args.no_pdf,
        workload_limits=workload_limits(settings),
    )


def workload_limits(settings: Settings) -> WorkloadLimits:
    """The guardrails `kam_scorecard` applied: dbt vars, kam.yml's overrides first."""
    from pipelines.defs.dbt.project import dbt_var

    return WorkloadLimits(
        key_accounts_min=int(dbt_var("workload_key_accounts_min", settings.dbt_vars)),
        key_accounts_max=int(dbt_var("workload_key_accounts_max", settings.dbt_vars)),
        accounts_min=int(dbt_var("workload_accounts_min", settings.dbt_vars)),
        accounts_max=int(dbt_var("workload_accounts_max", settings.dbt_vars)),
    )
