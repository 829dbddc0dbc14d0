"""The review pack built with every publish (`publish.build_report: true` in kam.yml).

The pack is written from the staged version's file, before the switch, into
`<home>/published/reports/<version>/`: when BI sees a version, its pack is already there. A pack
that cannot be built (no browser for the PDFs, say) does not hold the warehouse back: the version
publishes, the run log says why the pack is missing, and `kam report` builds it later.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.publish import PARTIAL_SUFFIX, PUBLISHED_DB_NAME


def review_pack_hook(
    settings: Settings, log: Callable[[str], None], warn: Callable[[str], None]
) -> Callable[[Path], None] | None:
    """The publish step's `before_switch`, or None when kam.yml does not ask for a pack."""
    if not settings.build_report:
        return None
    # Imported here: the pack's libraries (charts, PDF tools, the browser driver) cost every run
    # about 0.1 s to import, and most runs build no pack.
    from pipelines.lib.report import ReportError
    from pipelines.lib.report.options import build_pack_for_version

    def build(staged_dir: Path) -> None:
        version = staged_dir.name.removeprefix(".").removesuffix(PARTIAL_SUFFIX)
        try:
            summary = build_pack_for_version(settings, staged_dir / PUBLISHED_DB_NAME, version)
        except ReportError as error:
            warn(f"review pack not built for version {version}: {error}; `kam report` builds it")
            return
        log(f"review pack: {summary.describe()}")

    return build
