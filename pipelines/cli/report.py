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
from pipelines.lib.report import ReportError, ReviewPackSummary
from pipelines.lib.report.options import build_pack_for_version


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
    return build_pack_for_version(
        settings, published_db, version, lang=args.lang, pdf=not args.no_pdf
    )
