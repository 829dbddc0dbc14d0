"""What deciding "unchanged since it was loaded" costs a nightly run, per landing folder.

    .venv/bin/python -m benchmarks.bench_hashing --size 10m [--repeats 3]

Two ways, over the invoice files of a generated landing folder (~1,000 daily files at 10m):
- `always`: hash every file (sha256 of every byte), what a run would do without a cache;
- `cache`: the content-hash cache of pipelines.lib.content_hash, every entry trusted (a stat per
  file), what a nightly run does for files that did not change.
The files are read from the page cache after the first repeat (a real night may read them from
disk: slower for `always`, no different for `cache`). One JSON line per repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from benchmarks.landing import SIZES, ensure_landing
from pipelines.lib.content_hash import HashCache, HashEntry, sha256_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10m", choices=sorted(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    landing = ensure_landing(SIZES[args.size])
    files = sorted((landing / "sales" / "invoice_lines").glob("*.csv"))
    total = sum(path.stat().st_size for path in files)

    cache = HashCache(None)
    for path in files:
        cache.sha256(path.name, path)
    for key, entry in cache.entries.items():  # as recorded by a run long after the files landed
        cache.entries[key] = HashEntry(entry.stamp, entry.sha256, entry.stamp.ctime_ns + 10**12)

    for repeat in range(args.repeats):
        started = time.perf_counter()
        for path in files:
            sha256_file(path)
        always = time.perf_counter() - started
        cache.hashed_files = 0
        started = time.perf_counter()
        for path in files:
            cache.sha256(path.name, path)
        cached = time.perf_counter() - started
        assert cache.hashed_files == 0
        print(
            json.dumps(
                {
                    "size": args.size,
                    "repeat": repeat,
                    "files": len(files),
                    "mbytes": round(total / 1e6, 1),
                    "always_hash_s": round(always, 3),
                    "cache_s": round(cached, 4),
                    "load_1m": os.getloadavg()[0],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
