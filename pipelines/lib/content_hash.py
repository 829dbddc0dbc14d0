"""Content hashes of landing files, and when a remembered hash may be trusted without reading.

A landing file's sha256 decides whether it was loaded before, so it must never be stale. Name,
size and modification time cannot vouch for unchanged content: `cp -p`, `rsync -t`, `touch -d`
or an editor that keeps the size and the second restore an earlier mtime on new content. What a
user cannot set is the inode change time (ctime): every write, rename or `utime` moves it to "now".
So a remembered hash is reused only when size, mtime, inode and ctime all match what they were
when the file was hashed, and the ctime was older than the moment of hashing by more than the file
system's timestamp granularity: git's "racy" rule. A file changed within that window of its last
hash (its new ctime could round down to the old one) is hashed again on the next run, which then
records a trustworthy entry.

Hashing costs a read of every byte: ~1,500 daily files (751 MB, 10M lines) take seconds each
night; checking a trusted entry costs one `stat` (benchmarks/bench_hashing.py, docs/ingest.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1024 * 1024
# Coarsest timestamp among the file systems a landing folder lives on: 2 s (FAT, some SMB
# shares); ext4/XFS/NTFS are finer. Coarser than needed only means a file written less than 2 s
# before it was hashed is hashed once more.
TIMESTAMP_GRANULARITY_NS = 2_000_000_000


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileStamp:
    """What the file system says about a file, besides its bytes."""

    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns)


@dataclass(frozen=True)
class HashEntry:
    """A hash and the stamp the file had when read; `hashed_at_ns` is taken before reading."""

    stamp: FileStamp
    sha256: str
    hashed_at_ns: int

    def vouches_for(self, stamp: FileStamp, granularity_ns: int = TIMESTAMP_GRANULARITY_NS) -> bool:
        """True when the file cannot have changed since it was hashed (the racy rule)."""
        return stamp == self.stamp and self.stamp.ctime_ns < self.hashed_at_ns - granularity_ns

    def to_list(self) -> list:
        s = self.stamp
        return [s.size, s.mtime_ns, self.sha256, s.inode, s.ctime_ns, self.hashed_at_ns]

    @classmethod
    def from_list(cls, values: list) -> HashEntry | None:
        """Read an entry back; entries of an older layout (size, mtime, sha) are not trusted."""
        if not isinstance(values, list) or len(values) != 6:
            return None
        size, mtime_ns, sha, inode, ctime_ns, hashed_at_ns = values
        return cls(FileStamp(size, mtime_ns, inode, ctime_ns), sha, hashed_at_ns)


def hash_with_entry(path: Path, stat: os.stat_result | None = None) -> HashEntry:
    """Hash a file now and say under which stamp the hash holds."""
    hashed_at = time.time_ns()
    stat = stat or Path(path).stat()
    sha = sha256_file(path)
    return HashEntry(FileStamp.of(stat), sha, hashed_at)


class HashCache:
    """Remembered hashes per key (a landing path), kept in one small JSON file between runs.

    A cache only: deleting the file costs one full read of the landing folder, nothing else.
    """

    def __init__(self, path: Path | None, entries: dict[str, HashEntry] | None = None) -> None:
        self.path = path
        self.entries: dict[str, HashEntry] = dict(entries or {})
        self.changed = False
        self.hashed_files = 0
        self.hashed_bytes = 0

    @classmethod
    def load(cls, path: Path | None) -> HashCache:
        entries: dict[str, HashEntry] = {}
        if path is not None and path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raw = {}  # a damaged cache is only a slower run
            for key, values in (raw if isinstance(raw, dict) else {}).items():
                entry = HashEntry.from_list(values)
                if entry is not None:
                    entries[key] = entry
        return cls(path, entries)

    def sha256(self, key: str, path: Path, stat: os.stat_result | None = None) -> str:
        stat = stat or Path(path).stat()
        known = self.entries.get(key)
        if known is not None and known.vouches_for(FileStamp.of(stat)):
            return known.sha256
        entry = hash_with_entry(path, stat)
        self.entries[key] = entry
        self.changed = True
        self.hashed_files += 1
        self.hashed_bytes += entry.stamp.size
        return entry.sha256

    def keep_only(self, keys: set[str]) -> None:
        """Forget files that are gone from the landing folder, so the cache stays small."""
        gone = set(self.entries) - keys
        for key in gone:
            del self.entries[key]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        """Write the cache atomically (a reader never sees half of it); a failure is harmless."""
        if self.path is None or not self.changed:
            return
        payload = json.dumps({key: entry.to_list() for key, entry in self.entries.items()})
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(payload, encoding="utf-8")
            os.replace(temporary, self.path)
            self.changed = False
        except OSError:
            temporary.unlink(missing_ok=True)  # the next run hashes again: slower, never wrong
