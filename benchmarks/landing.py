"""Landing folders for the benchmarks, generated once per parameter set and cached.

A folder is reused when its stamp file records the same generator parameters; otherwise it is
regenerated with `kam generate` (the same command a user runs) in a subprocess.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "work"
STAMP = ".bench_params.json"


@dataclass(frozen=True)
class LandingSpec:
    """One generated landing folder: `kam generate` arguments plus the folder's name."""

    name: str
    accounts: int
    years: int
    seed: int = 42
    end_date: str = "2026-10-31"

    @property
    def path(self) -> Path:
        return WORK / "landing" / self.name

    def params(self) -> dict[str, object]:
        params = asdict(self)
        params.pop("name")
        return params


# ~1.07M, ~10.4M and ~104M invoice lines; a tiny folder for the fixed cost of a run.
SIZES: dict[str, LandingSpec] = {
    "tiny": LandingSpec("tiny", accounts=20, years=1),
    "1m": LandingSpec("1m", accounts=1_200, years=4),
    "10m": LandingSpec("10m", accounts=12_000, years=4),
    "100m": LandingSpec("100m", accounts=120_000, years=4),
}


def is_cached(spec: LandingSpec) -> bool:
    stamp = spec.path / STAMP
    return stamp.is_file() and json.loads(stamp.read_text()) == spec.params()


def ensure_landing(spec: LandingSpec, *, log=print) -> Path:
    """Generate `spec` unless a folder with the same parameters exists; return its path."""
    if is_cached(spec):
        log(f"landing {spec.name}: cached at {spec.path}")
        return spec.path
    if spec.path.exists():
        shutil.rmtree(spec.path)
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "generate",
        "--out",
        str(spec.path),
        "--accounts",
        str(spec.accounts),
        "--years",
        str(spec.years),
        "--seed",
        str(spec.seed),
        "--end-date",
        spec.end_date,
    ]
    log(f"landing {spec.name}: generating ({spec.accounts:,} accounts x {spec.years} years)")
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    (spec.path / STAMP).write_text(json.dumps(spec.params()))
    log(f"landing {spec.name}: generated in {time.perf_counter() - started:.1f} s")
    return spec.path


def invoice_line_count(landing: Path) -> int:
    """Data lines in the invoice CSV files (one header line per file)."""
    total = 0
    for path in sorted((landing / "sales" / "invoice_lines").glob("*.csv")):
        with path.open("rb") as handle:
            total += sum(buffer.count(b"\n") for buffer in iter(lambda: handle.read(1 << 20), b""))
        total -= 1
    return total


if __name__ == "__main__":
    for name in sys.argv[1:] or ["tiny", "1m", "10m"]:
        ensure_landing(SIZES[name])
