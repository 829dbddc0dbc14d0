"""Time the landing -> bronze ingest of one generated landing folder, entity by entity.

    .venv/bin/python -m benchmarks.bench_ingest --size 1m [--repeats 3] [--home DIR]

Each repeat ingests accounts, products and invoice lines into a fresh home (the parents first:
invoice lines check their references against them) and reports the seconds of each entity, as
one JSON line per repeat; `--rerun` also times invoice lines again with nothing new. Only
`ingest_entity` is timed: no Dagster, no GX suite, no dbt. Run two checkouts against the same
folder in one window (alternating) to compare a change; the figures move with the machine's
load, which each line records.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.landing import SIZES, ensure_landing

ENTITIES = ("accounts", "products", "invoice_lines")


def run_once(landing: Path, home: Path, rerun: bool) -> dict[str, float]:
    from pipelines.lib.config import load_settings
    from pipelines.lib.ingest import ingest_entity

    settings = load_settings(home=home, landing=landing)
    seconds: dict[str, float] = {}
    for entity in ENTITIES:
        started = time.perf_counter()
        report = ingest_entity(settings, entity)
        seconds[entity] = round(time.perf_counter() - started, 3)
        if report.failed:
            raise SystemExit(report.failure_message())
        seconds[f"{entity}_rows"] = report.rows_loaded
    if rerun:  # the nightly case with nothing new: every file is skipped as unchanged
        started = time.perf_counter()
        report = ingest_entity(settings, "invoice_lines")
        seconds["invoice_lines_rerun"] = round(time.perf_counter() - started, 3)
        seconds["invoice_lines_rerun_loaded"] = len(report.loaded)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m", choices=sorted(SIZES))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--home", help="scratch home (default: a temporary folder)")
    parser.add_argument("--label", default="", help="a name for this checkout in the output")
    parser.add_argument("--rerun", action="store_true", help="also time a run with nothing new")
    args = parser.parse_args()
    landing = ensure_landing(SIZES[args.size])
    for repeat in range(args.repeats):
        home = Path(args.home or tempfile.mkdtemp(prefix="kam-bench-ingest-"))
        shutil.rmtree(home, ignore_errors=True)
        try:
            load = os.getloadavg()[0]
            seconds = run_once(landing, home, args.rerun)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        print(
            json.dumps(
                {"label": args.label, "size": args.size, "repeat": repeat, "load_1m": load}
                | seconds
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
