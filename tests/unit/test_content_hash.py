"""When a remembered hash may stand for a file's content: never on name, size and mtime alone."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipelines.lib.content_hash import FileStamp, HashCache, HashEntry


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def aged_cache(path: Path, key: str) -> HashCache:
    """A cache whose entry for `key` was recorded a minute after the file's last change."""
    cache = HashCache(None)
    cache.sha256(key, path)
    entry = cache.entries[key]
    cache.entries[key] = HashEntry(entry.stamp, entry.sha256, entry.stamp.ctime_ns + 60 * 10**9)
    cache.hashed_files = 0
    return cache


def test_an_unchanged_file_is_not_read_again(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("amount=10")
    cache = aged_cache(path, "a.csv")

    assert cache.sha256("a.csv", path) == sha("amount=10")
    assert cache.hashed_files == 0


def test_same_name_size_and_mtime_with_new_content_is_hashed_again(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("amount=10")
    cache = aged_cache(path, "a.csv")
    stamp = path.stat().st_mtime_ns

    path.write_text("amount=19")
    os.utime(path, ns=(stamp, stamp))  # what cp -p / rsync -t do

    assert cache.sha256("a.csv", path) == sha("amount=19")
    assert cache.hashed_files == 1


def test_a_racy_entry_is_never_trusted(tmp_path):
    # Hashed in the same timestamp tick as the last change: a change right after the hash could
    # carry the same ctime, so the entry proves nothing and the file is read again.
    path = tmp_path / "a.csv"
    path.write_text("x")
    stamp = FileStamp.of(path.stat())
    racy = HashEntry(stamp, sha("x"), stamp.ctime_ns + 10**9)  # 1 s after: within 2 s
    settled = HashEntry(stamp, sha("x"), stamp.ctime_ns + 3 * 10**9)

    assert not racy.vouches_for(stamp)
    assert settled.vouches_for(stamp)
    assert not settled.vouches_for(
        FileStamp(stamp.size, stamp.mtime_ns, stamp.inode + 1, stamp.ctime_ns)
    )


def test_the_cache_survives_a_round_trip_and_forgets_files_that_are_gone(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x")
    store = tmp_path / "cache" / "hashes.json"
    cache = HashCache.load(store)
    cache.sha256("a.csv", path)
    cache.sha256("b.csv", path)
    cache.keep_only({"a.csv"})
    cache.save()

    loaded = HashCache.load(store)

    assert set(loaded.entries) == {"a.csv"}
    assert loaded.entries["a.csv"].sha256 == sha("x")


def test_a_damaged_cache_only_costs_a_read(tmp_path):
    store = tmp_path / "hashes.json"
    store.write_text("{not json")
    path = tmp_path / "a.csv"
    path.write_text("x")

    assert HashCache.load(store).sha256("a.csv", path) == sha("x")
