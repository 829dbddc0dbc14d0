"""Finding landing files, telling whether they may be read, and a file's delivery period."""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from pipelines.lib.config import Settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest.workbooks import find_sheet

# Most specific first: a daily stamp (with or without dashes) before a monthly one.
_PERIOD_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "day"),
    (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"), "day"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})(?![\d-])"), "month"),
)


def discover_files(settings: Settings, entity: str) -> list[Path]:
    """Landing files of `entity` per its configured globs, sorted by path.

    A workbook matched by the glob is a source for the entity only when it has one of the entity's
    sheets (one plan workbook feeds objectives, actions, swot and tier overrides). A symbolic link
    that leads outside the landing folder is listed (and refused by the loader, by name): it must
    not vanish silently, and it must not be opened.
    """
    contract_entity(entity)  # unknown entity -> clear KeyError
    source = settings.sources[entity]
    guard = LandingGuard(settings.landing)
    found: set[Path] = set()
    for pattern in source.paths:
        for path in settings.landing.glob(pattern):
            if path.name.startswith((".", "~$")):
                continue
            if path.is_file() or (path.is_symlink() and guard.leads_outside(path)):
                found.add(path)
    files = []
    for path in sorted(found):
        if (
            path.suffix.lower() in (".xlsx", ".xlsm")
            and not guard.leads_outside(path)
            and not _has_sheet(path, source.sheets)
        ):
            continue
        files.append(path)
    return files


def unlistable_folders(settings: Settings, entity: str) -> list[tuple[str, str]]:
    """Folders of the landing tree that `entity`'s globs could reach but the run cannot list, as
    (path relative to the landing folder, the system's reason).

    `Path.glob` skips a folder it may not list without a word, so a delivery in a folder whose
    permissions went wrong would look like no delivery at all, and a green run would publish
    without it. The loader fails such a folder by name instead.
    """
    patterns = [PurePosixPath(pattern).parts[:-1] for pattern in settings.sources[entity].paths]
    landing = settings.landing
    blocked: list[tuple[str, str]] = []

    def reachable(parts: tuple[str, ...]) -> bool:
        return any(_folder_may_match(folder, parts) for folder in patterns)

    def refused(error: OSError) -> None:
        if isinstance(error, PermissionError):
            where = Path(error.filename or landing)
            rel = where.relative_to(landing).as_posix() if where != landing else "."
            blocked.append((rel, error.strerror or "permission denied"))

    if not landing.is_dir():
        return []
    for folder, children, _ in os.walk(landing, onerror=refused):
        parts = Path(folder).relative_to(landing).parts
        children[:] = [
            child for child in children if not child.startswith(".") and reachable((*parts, child))
        ]
    return sorted(blocked)


def _folder_may_match(pattern: tuple[str, ...], folder: tuple[str, ...]) -> bool:
    """Whether files matching the pattern's folder parts can lie in or below `folder`."""
    for index, part in enumerate(folder):
        if index >= len(pattern):
            return False
        if pattern[index] == "**":
            return True
        if not fnmatchcase(part, pattern[index]):
            return False
    return True


class LandingGuard:
    """Tells whether a path leads outside the landing folder (a symbolic link, or a path through
    one): reading it would expose whatever file it points at (`/etc/passwd` once).

    Each folder is resolved once, so checking ~1,500 daily files costs one `lstat` each.
    """

    def __init__(self, landing: Path) -> None:
        self.root = landing.resolve()
        self._folder_outside: dict[Path, bool] = {}

    def leads_outside(self, path: Path) -> bool:
        if os.path.islink(path):
            return self._outside(path)
        parent = path.parent
        outside = self._folder_outside.get(parent)
        if outside is None:
            outside = self._folder_outside[parent] = self._outside(parent)
        return outside

    def _outside(self, path: Path) -> bool:
        try:
            return not path.resolve(strict=False).is_relative_to(self.root)
        except (OSError, RuntimeError):  # a loop of links
            return True


def leads_outside_landing(path: Path, settings: Settings) -> bool:
    """True for a path that leads outside the landing folder (see LandingGuard)."""
    return LandingGuard(settings.landing).leads_outside(path)


def _has_sheet(path: Path, candidates: tuple[str, ...]) -> bool:
    try:
        return find_sheet(path, candidates) is not None
    except Exception:  # a damaged workbook stays a candidate so its read fails with a message
        return True


def delivery_period(path: Path) -> str | None:
    """'YYYY-MM-DD' (daily file) or 'YYYY-MM' (monthly file) from a periodic file's name.

    None when the name carries no period: such a file (a whole history, a quarter) covers the
    months of its lines' period column, each line placed in its own month (docs/ingest.md).
    """
    name = Path(path).name
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.search(name)
        if not match:
            continue
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or not 1900 <= year <= 2999:
            continue
        if kind == "day":
            day = int(match.group(3))
            if not 1 <= day <= 31:
                continue
            return f"{year:04d}-{month:02d}-{day:02d}"
        return f"{year:04d}-{month:02d}"
    return None


def landing_months(settings: Settings) -> list[str]:
    """The delivery months ('YYYY-MM') of every periodic entity's landing files, oldest first.

    A file with a period in its name belongs to that month. A file without one belongs to every
    month its lines cover: known once it was loaded (the manifest records them), so a new such
    file adds its months after its first load. These are the monthly Dagster partitions.
    """
    from pipelines.lib.ingest.history import LoadHistory  # the manifest, only when asked
    from pipelines.lib.ingest.manifest import read_manifest

    months: set[str] = set()
    for name, spec in ENTITIES.items():
        if not spec.is_periodic:
            continue
        spans = []
        for path in discover_files(settings, name):
            period = delivery_period(path)
            if period is None:
                spans.append(relative_name(path, settings))
            else:
                months.add(period[:7])
        if spans:
            history = LoadHistory.from_records(read_manifest(settings, name))
            for rel in spans:
                record = history.current(rel) or {}
                months.update(record.get("periods") or ())
    return sorted(months)


def relative_name(path: Path, settings: Settings) -> str:
    """Landing path relative to the landing folder, with forward slashes (stable across OSes).

    The path as found, not where a link inside the folder leads: a file is known by its name.
    """
    path = Path(path)
    if path.is_relative_to(settings.landing):  # what the glob returns: no resolving needed
        return path.relative_to(settings.landing).as_posix()
    root = settings.landing.resolve()
    for candidate in (path, path.resolve()):
        if candidate.is_relative_to(root):
            return candidate.relative_to(root).as_posix()
    return path.as_posix()
