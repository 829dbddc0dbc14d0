"""Time `ingest_entity(settings, "invoice_lines")` on a generated landing folder.

Accounts and products are loaded first (untimed), then the invoice lines into a fresh home, once
per repeat; wall time and the process's CPU time (all threads, less disturbed by other work on
the machine) are printed. Used to compare the landing readers before and after a change, in one
window:

    .venv/bin/kam generate --out /tmp/landing1m --accounts 1200 --years 4 --seed 42
    .venv/bin/python -m benchmarks.bench_invoice_ingest --landing /tmp/landing1m --repeats 3

To time another checkout with the same interpreter, put it first on the path:
`PYTHONPATH=/path/to/other/checkout .venv/bin/python -m benchmarks.bench_invoice_ingest ...`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def time_invoice_ingest(landing: Path) -> tuple[float, float, int]:
    from pipelines.lib.config import load_settings
    from pipelines.lib.ingest import ingest_entity

    with tempfile.TemporaryDirectory(prefix="kam-bench-ingest-") as home:
        settings = load_settings(home=home, landing=landing)
        for parent in ("accounts", "products"):
            ingest_entity(settings, parent).raise_for_failures()
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_entity(settings, "invoice_lines")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        report.raise_for_failures()
        return elapsed, cpu, report.rows_loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import pipelines

    print(f"code: {Path(pipelines.__file__).parent.parent}")
    times, cpus = [], []
    for repeat in range(args.repeats):
        elapsed, cpu, rows = time_invoice_ingest(args.landing)
        times.append(elapsed)
        cpus.append(cpu)
        print(f"run {repeat + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, {rows:,} rows loaded")
    print(
        f"median {statistics.median(times):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
        f"over {len(times)} run(s)"
    )


if __name__ == "__main__":
    main()
