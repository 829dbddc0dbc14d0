"""The KAM review pack: cockpit, a page per KAM and per key account, HTML and PDF.

Plain Python (no Dagster): reads one published DuckDB file, writes one folder. The entry point
is `build_review_pack`; `kam report` and the publish step call it.
"""

from pipelines.lib.report.content import WorkloadLimits
from pipelines.lib.report.errors import BrowserMissingError, ReportError
from pipelines.lib.report.pack import DEFAULT_TIERS, ReviewPackSummary, build_review_pack

__all__ = [
    "DEFAULT_TIERS",
    "BrowserMissingError",
    "ReportError",
    "ReviewPackSummary",
    "WorkloadLimits",
    "build_review_pack",
]
