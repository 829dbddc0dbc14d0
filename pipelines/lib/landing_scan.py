"""Fingerprint the landing folder by content, cheaply, for the landing sensor.

A file is considered only once it has been still for `settle_seconds` (a file being copied in is
not half-ingested). Its hash is reused only while the file system vouches that it cannot have
changed (size, mtime, inode and ctime as they were, and not "racy": see content_hash.py);
otherwise it is hashed again.

What counts as new follows what a run would load (docs/ingest.md, "What a run loads again"):
changed content at a known path is new, even content that path held before (accounts.csv v1, v2,
then v1 again is three deliveries); a new path holding content already seen elsewhere is a copy
and is not. Each change of a path's content bumps its generation, and the run key is made of
(path, content, generation), so one delivery never starts two runs and a restored earlier
content still starts one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.content_hash import FileStamp, HashEntry, hash_with_entry


@dataclass(frozen=True)
class ScanResult:
    files: dict[str, list]  # relative path -> HashEntry.to_list()
    new_hashes: list[str]  # content of the new deliveries, sorted
    new_paths: list[str]
    generations: dict[str, int] = field(default_factory=dict)  # path -> content changes seen
    new_deliveries: list[str] = field(default_factory=list)  # "path\tsha\tgeneration", sorted


def scan(
    landing: Path,
    paths: Iterable[Path],
    previous: Mapping[str, list],
    seen_hashes: set[str],
    *,
    generations: Mapping[str, int] | None = None,
    settle_seconds: float = 60,
    now: float | None = None,
) -> ScanResult:
    now = time.time() if now is None else now
    generations = dict(generations or {})
    files: dict[str, list] = {}
    new_hashes: set[str] = set()
    new_paths: list[str] = []
    deliveries: list[str] = []
    for path in paths:
        stat = path.stat()
        relative = str(path.relative_to(landing))
        if now - stat.st_mtime < settle_seconds:
            if relative in previous:
                files[relative] = list(previous[relative])  # judged again once it settles
            continue  # still being written
        known = HashEntry.from_list(previous.get(relative))
        if known is not None and known.vouches_for(FileStamp.of(stat)):
            files[relative] = known.to_list()
            continue
        entry = hash_with_entry(path, stat)
        files[relative] = entry.to_list()
        earlier_sha = _sha_of(previous.get(relative))
        if earlier_sha is None:
            is_new = entry.sha256 not in seen_hashes  # a copy of seen content is no delivery
        else:
            is_new = entry.sha256 != earlier_sha
        if is_new:
            generations[relative] = generations.get(relative, 0) + 1
            new_hashes.add(entry.sha256)
            new_paths.append(relative)
            deliveries.append(f"{relative}\t{entry.sha256}\t{generations[relative]}")
    return ScanResult(
        files=files,
        new_hashes=sorted(new_hashes),
        new_paths=sorted(new_paths),
        generations=generations,
        new_deliveries=sorted(deliveries),
    )


def _sha_of(values: list | None) -> str | None:
    """The hash an earlier cursor recorded (any layout: [size, mtime, sha, ...])."""
    if isinstance(values, list) and len(values) >= 3 and isinstance(values[2], str):
        return values[2]
    return None


def run_key(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:32]
