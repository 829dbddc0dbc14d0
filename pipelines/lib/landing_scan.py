"""Fingerprint the landing folder by content, cheaply, for the landing sensor.

A file is hashed again only when its size or modification time changed since the last scan, and
it is considered only once it has been still for `settle_seconds` (a file being copied in is not
half-ingested). The fingerprint of the new content becomes the run key, so the same file can never
start two runs, under any name.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ScanResult:
    files: dict[str, list]  # relative path -> [size, mtime_ns, sha256]
    new_hashes: list[str]  # content not seen in any earlier scan, sorted
    new_paths: list[str]


def scan(
    landing: Path,
    paths: Iterable[Path],
    previous: Mapping[str, list],
    seen_hashes: set[str],
    *,
    settle_seconds: float = 60,
    now: float | None = None,
) -> ScanResult:
    now = time.time() if now is None else now
    files: dict[str, list] = {}
    new_hashes: set[str] = set()
    new_paths: list[str] = []
    for path in paths:
        stat = path.stat()
        if now - stat.st_mtime < settle_seconds:
            continue  # still being written
        relative = str(path.relative_to(landing))
        known = previous.get(relative)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            files[relative] = list(known)
            continue
        sha = file_sha256(path)
        files[relative] = [stat.st_size, stat.st_mtime_ns, sha]
        if sha not in seen_hashes:
            new_hashes.add(sha)
            new_paths.append(relative)
    return ScanResult(files=files, new_hashes=sorted(new_hashes), new_paths=sorted(new_paths))


def run_key(hashes: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()[:32]
