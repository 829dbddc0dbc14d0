"""Finding landing files, hashing them, and an invoice file's delivery period from its name."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest.errors import IngestError
from pipelines.lib.ingest.workbooks import find_sheet

_CHUNK = 1024 * 1024

# Most specific first: a daily stamp (with or without dashes) before a monthly one.
_PERIOD_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "day"),
    (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"), "day"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})(?![\d-])"), "month"),
)


def discover_files(settings: Settings, entity: str) -> list[Path]:
    """Landing files of `entity` per its configured globs, sorted by path.

    A workbook matched by the glob is a source for the entity only when it has one of the entity's
    sheets (one plan workbook feeds objectives, actions, swot and tier overrides).
    """
    contract_entity(entity)  # unknown entity -> clear KeyError
    source = settings.sources[entity]
    found: set[Path] = set()
    for pattern in source.paths:
        for path in settings.landing.glob(pattern):
            if path.is_file() and not path.name.startswith((".", "~$")):
                found.add(path)
    files = []
    for path in sorted(found):
        if path.suffix.lower() in (".xlsx", ".xlsm") and not _has_sheet(path, source.sheets):
            continue
        files.append(path)
    return files


def _has_sheet(path: Path, candidates: tuple[str, ...]) -> bool:
    try:
        return find_sheet(path, candidates) is not None
    except Exception:  # a damaged workbook stays a candidate so its read fails with a message
        return True


def delivery_period(path: Path) -> str:
    """'YYYY-MM-DD' (daily file) or 'YYYY-MM' (monthly file) from an invoice file's name.

    The period decides which earlier load a re-delivered file supersedes, so a name without one is
    an error rather than a guess.
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
    raise IngestError(
        f"{name}: cannot tell which delivery period this invoice file covers; expected a date "
        "in its name like invoice_lines_2025-01-31.csv (daily), 20250131 or 2025-01 (monthly)"
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def relative_name(path: Path, settings: Settings) -> str:
    """Landing path relative to the landing folder, with forward slashes (stable across OSes)."""
    try:
        return path.resolve().relative_to(settings.landing.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
