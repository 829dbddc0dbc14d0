"""Two checkouts of the project timed alternately in one window: does a change slow the 10M run?

    git worktree add ../kam-before <commit> && make -C ../kam-before setup
    .venv/bin/python -m benchmarks.before_after --before ../kam-before
        [--size 10m] [--full-pairs 2] [--nightly-pairs 3]

(run from the repository root; this checkout is "after"). Machines are noisy, so the two are
never compared across windows: every pair runs back to back, "before" first.

- Landing: each checkout generates its own folder with its own `kam generate` and the same seed
  (benchmarks/landing.py, cached), so a change of the generator's output is compared fairly.
- Full: `kam run` on a fresh home.
- Nightly: each checkout first builds a history home on its landing folder without the last
  day's file; the file is then linked in, and every nightly run starts from a copy of that home
  at the history's own path (dbt keeps its parse state per path, as a real nightly run does) and
  loads that one day.

Prints every run, then the means and the after / before ratios; appends every run as a JSON
line to benchmarks/work/results/before-after-<started>.jsonl, logs under benchmarks/work/logs/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.landing import REPO, SIZES, WORK
from benchmarks.measure import run_measured
from benchmarks.run_all import link_tree

RESULTS = WORK / "results"
LOGS = WORK / "logs"
HOMES = WORK / "homes" / "before_after"


class Checkout:
    """One checkout of the project: its own interpreter, landing folders and homes."""

    def __init__(self, label: str, root: Path, size: str) -> None:
        self.label = label
        self.root = root.resolve()
        self.size = size
        self.python = self.root / ".venv" / "bin" / "python"
        self.homes = HOMES / label
        if not self.python.is_file():
            raise SystemExit(f"{self.root}: no .venv (run `make setup` there first)")

    def landing(self) -> Path:
        """The checkout's generated landing folder for the size (generated once, then cached)."""
        script = (
            "from benchmarks.landing import SIZES, ensure_landing\n"
            f"print(ensure_landing(SIZES[{self.size!r}]))"
        )
        done = subprocess.run(
            [str(self.python), "-c", script], cwd=self.root, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"{self.label}: landing not generated:\n{done.stderr[-2000:]}")
        return Path(done.stdout.strip().splitlines()[-1])

    def kam_run(self, home: Path, landing: Path, log_name: str) -> dict:
        measurement = run_measured(
            [str(self.python), "-m", "pipelines.cli", "run", "--home", str(home),
             "--landing", str(landing)],
            cwd=self.root,
            log_path=LOGS / f"before-after-{log_name}.log",
        )  # fmt: skip
        if measurement.returncode != 0:
            tail = (measurement.stdout + measurement.stderr).strip().splitlines()[-12:]
            raise SystemExit(f"{self.label}: `kam run` failed ({log_name}):\n" + "\n".join(tail))
        return measurement.as_dict()


def prepare_history(checkout: Checkout) -> tuple[Path, Path, Path]:
    """(nightly landing, history home, history template) for one checkout.

    The history home is built on the landing folder without its last day's file, then that file
    is linked in: the nightly runs load exactly it.
    """
    landing = checkout.landing()
    invoices = sorted((landing / "sales" / "invoice_lines").glob("*.csv"))
    last_day = invoices[-1]
    nightly_landing = checkout.homes / "landing"
    link_tree(landing, nightly_landing, skip={last_day.name})
    home = checkout.homes / "nightly"
    template = checkout.homes / "history"
    shutil.rmtree(home, ignore_errors=True)
    print(f"{checkout.label}: history run on {nightly_landing} without {last_day.name}", flush=True)
    checkout.kam_run(home, nightly_landing, f"{checkout.label}-history")
    shutil.rmtree(template, ignore_errors=True)
    shutil.copytree(home, template, symlinks=True)
    os.link(last_day, nightly_landing / "sales" / "invoice_lines" / last_day.name)
    return nightly_landing, home, template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--size", default="10m", choices=sorted(SIZES))
    parser.add_argument("--full-pairs", type=int, default=2)
    parser.add_argument("--nightly-pairs", type=int, default=3)
    args = parser.parse_args(argv)

    checkouts = [Checkout("before", args.before, args.size), Checkout("after", REPO, args.size)]
    started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results = RESULTS / f"before-after-{started}.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    walls: dict[tuple[str, str], list[float]] = {}

    def record(scenario: str, checkout: Checkout, pair: int, run: dict) -> None:
        run = {**run, "scenario": scenario, "checkout": checkout.label, "root": str(checkout.root),
               "size": args.size, "pair": pair, "started": started}  # fmt: skip
        with results.open("a") as handle:
            handle.write(json.dumps(run, default=str) + "\n")
        walls.setdefault((scenario, checkout.label), []).append(run["wall_seconds"])
        print(f"  {scenario} pair {pair} {checkout.label:6}: {run['wall_seconds']:7.1f} s wall, "
              f"{run['cpu_seconds']:7.1f} s CPU", flush=True)  # fmt: skip

    for pair in range(1, args.full_pairs + 1):
        for checkout in checkouts:
            home = checkout.homes / "full"
            shutil.rmtree(home, ignore_errors=True)
            run = checkout.kam_run(home, checkout.landing(), f"{checkout.label}-full-{pair}")
            shutil.rmtree(home, ignore_errors=True)
            record("full", checkout, pair, run)
    if args.nightly_pairs:
        histories = {checkout.label: prepare_history(checkout) for checkout in checkouts}
        for pair in range(1, args.nightly_pairs + 1):
            for checkout in checkouts:
                landing, home, template = histories[checkout.label]
                shutil.rmtree(home, ignore_errors=True)
                shutil.copytree(template, home, symlinks=True)
                run = checkout.kam_run(home, landing, f"{checkout.label}-nightly-{pair}")
                record("nightly", checkout, pair, run)

    print(f"\nresults: {results}")
    for scenario in ("full", "nightly"):
        before, after = walls.get((scenario, "before")), walls.get((scenario, "after"))
        if before and after:
            ratio = statistics.mean(after) / statistics.mean(before)
            print(f"{scenario:8} before {statistics.mean(before):7.1f} s  after "
                  f"{statistics.mean(after):7.1f} s  after / before {ratio:.3f}")  # fmt: skip
    shutil.rmtree(HOMES, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
