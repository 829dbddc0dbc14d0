"""How long the review pack takes for a home's current published version.

    .venv/bin/python -m benchmarks.bench_report --home DIR [--repeats N] [--lang pt|en] [--no-pdf]

(run from the repository root). Builds the pack (HTML and PDFs, as `kam report` does) into a
temporary folder `--repeats` times and prints, per run, the wall time, the part spent printing
PDFs, pages and PDFs written, the 1-minute load average before the run, and the peak resident
memory of this process and of its largest child (Chromium). Results: benchmarks/RESULTS.md,
"Review pack". There is no timed assertion anywhere in tests/.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

from pipelines.lib.publish import PUBLISHED_DB_NAME, VERSIONS_DIR_NAME, current_version
from pipelines.lib.report import build_review_pack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="KAM home with a published version")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lang", default="pt", choices=("pt", "en"))
    parser.add_argument("--no-pdf", action="store_true", help="HTML pages only, as kam report")
    args = parser.parse_args(argv)
    published = Path(args.home) / "published"
    version = current_version(published)
    if version is None:
        print(f"nothing published in {published}", file=sys.stderr)
        return 2
    published_db = published / VERSIONS_DIR_NAME / version / PUBLISHED_DB_NAME
    print(f"review pack of {published_db} ({args.lang}), {args.repeats} runs")
    print("run  wall_s  html_s  pdf_s  pages  pdfs  pdf_pages  load_1m")
    for run in range(1, args.repeats + 1):
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as scratch:
            summary = build_review_pack(
                published_db,
                Path(scratch) / "pack",
                lang=args.lang,
                tiers=("key", "strategic"),
                expose_contact_names=False,
                pdf=not args.no_pdf,
            )
        print(
            f"{run:>3}  {summary.seconds:6.1f}  {summary.seconds - summary.pdf_seconds:6.1f}  "
            f"{summary.pdf_seconds:5.1f}  {summary.pages:5}  {summary.pdfs:4}  "
            f"{summary.pdf_pages:9}  {load:7.2f}"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MiB, largest child (Chromium) {child:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
