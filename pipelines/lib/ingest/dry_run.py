"""A dry run of the ingest over a landing folder: what a run would load, exclude, quarantine.

The same reading, typing, derived columns, rules, policies and Great Expectations suites as a run,
through the same code (`ingest_entity`), with everything it writes in a throwaway home that is
deleted afterwards. The real home is only read: its manifest says which files are loaded already
(a run would skip them) and its bronze which keys exist (references). Nothing is written under it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.contract import ENTITIES, Entity
from pipelines.lib.ingest.files import discover_files
from pipelines.lib.ingest.history import LoadHistory
from pipelines.lib.ingest.loader import ingest_entity
from pipelines.lib.ingest.manifest import read_manifest
from pipelines.lib.ingest.raw_checks import validate_new_loads
from pipelines.lib.ingest.report import IngestReport


@dataclass
class EntityCheck:
    contract: Entity
    report: IngestReport
    files_found: int
    loaded_before: bool  # the real home holds loads of this entity
    suite_failures: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.contract.name

    @property
    def delivered(self) -> bool:
        return self.files_found > 0 or self.loaded_before

    @property
    def fails(self) -> bool:
        return self.report.has_failures or bool(self.suite_failures)


@dataclass
class CheckResult:
    landing: Path
    home: Path
    entities: list[EntityCheck]

    @property
    def fails(self) -> bool:
        return any(check.fails for check in self.entities)

    def missing(self) -> list[EntityCheck]:
        return [check for check in self.entities if not check.delivered]

    def marts_without_input(self) -> dict[str, list[str]]:
        """Mart -> the entities it lacks (empty, or without the columns they feed)."""
        marts: dict[str, list[str]] = {}
        for check in self.missing():
            for mart in check.contract.feeds:
                marts.setdefault(mart, []).append(check.name)
        return marts


def ingest_order() -> list[str]:
    """Entities with their parents first (references), as the asset graph runs them."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for parent in ENTITIES[name].references.values():
            if parent != name:
                visit(parent)
        ordered.append(name)

    for name in ENTITIES:
        visit(name)
    return ordered


def check_landing(
    settings: Settings,
    *,
    today: dt.date | None = None,
    run_suites: bool = True,
    progress: Callable[[str], None] | None = None,
) -> CheckResult:
    """Ingest every entity of `settings.landing` into a throwaway home; report, write nothing."""
    say = progress or (lambda message: None)
    checks = []
    with tempfile.TemporaryDirectory(prefix="kam-check-") as scratch:
        trial = replace(settings, home=Path(scratch))
        for name in ingest_order():
            say(f"checking {name}")
            found = len(discover_files(settings, name))
            loaded_before = LoadHistory.from_records(
                read_manifest(settings, name)
            ).has_standing_loads
            report = ingest_entity(trial, name, today=today, baseline=settings)
            check = EntityCheck(ENTITIES[name], report, found, loaded_before)
            if run_suites and report.new_bronze_files and not report.has_failures:
                for outcome in validate_new_loads(trial, report):
                    if not outcome.success:
                        check.suite_failures.append(outcome.summary())
            checks.append(check)
    return CheckResult(settings.landing, settings.home, checks)
