"""The scale benchmarks for the KAM pipeline (`make bench`).

    .venv/bin/python -m benchmarks.run_all [--sizes 1m,10m] [--repeats 3] [--with-100m]
        [--skip SCENARIO,...] [--extras]

(run from the repository root). Scenarios, in order:

- fixed: `kam run` on a tiny landing folder (20 accounts, 1 year), fresh home each time, paired
  with the baseline on the same folder: the fixed cost of a run (target <= 10 s).
- full: for each size, `kam run` on a fresh home and the hand-written baseline
  (benchmarks/baseline.sql) on a fresh DuckDB file, alternating, `--repeats` pairs. Reports the
  median pipeline / baseline ratio over pairs (target <= 2.0 at 10m), rows per second and peak
  memory (target <= 2 GiB at 10m).
- nightly: a full run on the 10m history without its last day, then `kam run` after that day's
  file (exactly as the generator wrote it) lands; each repeat starts from a copy of the history
  home. Reported as a share of the full 10m run (target <= 20 %).
- executors: the whole job on the tiny folder under Dagster's in-process and multiprocess
  executors, once each (benchmarks/executors.py).
- 100m (only with --with-100m): one pair at ~104M lines with DuckDB's memory limit and spill folder
  set (target: <= 12 x the 10m time).
- extras (only with --extras): benchmarks/bench_gx.py (10M rows) and benchmarks/bench_clv.py.

Every measurement is appended as one JSON line to benchmarks/work/results/<started>.jsonl; the
logs of each run are kept under benchmarks/work/logs/. Landing folders are generated once and
reused while their parameters match (benchmarks/landing.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.landing import REPO, SIZES, WORK, LandingSpec, ensure_landing, invoice_line_count
from benchmarks.measure import Measurement, run_measured

PYTHON = sys.executable
RESULTS = WORK / "results"
LOGS = WORK / "logs"
HOMES = WORK / "homes"
BASELINE_DBS = WORK / "baseline"
STEP_LINE = re.compile(r"^\[\s*([0-9.]+)s\]\s+(\S+)\s+(.*)$")
SUCCESS_LINE = re.compile(r"run \S+ succeeded in ([0-9.]+) s")
RUN_ID_LINE = re.compile(r"^run (\S+) (?:succeeded|FAILED)", re.MULTILINE)
SCENARIOS = ("fixed", "full", "nightly", "executors")


class Recorder:
    """Prints as it goes and appends every record to one JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def say(self, message: str) -> None:
        print(message, flush=True)

    def record(self, **data: object) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(data, default=str) + "\n")


def machine() -> dict[str, object]:
    import dagster
    import dbt.version
    import duckdb

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": dbt.version.__version__,
        "dagster": dagster.__version__,
        "load_average": os.getloadavg(),
    }


def step_times(output: str) -> dict[str, float]:
    """Seconds per Dagster step from `kam run`'s progress lines (first to last line of a step)."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for line in output.splitlines():
        match = STEP_LINE.match(line)
        if not match:
            continue
        seconds, step = float(match.group(1)), match.group(2)
        first.setdefault(step, seconds)
        last[step] = seconds
    return {step: round(last[step] - first[step], 2) for step in first}


def latest_dbt_timings(
    home: Path, since: float, run_id: str | None = None
) -> dict[str, object] | None:
    """Per-node times from the run_results.json dbt wrote for this run.

    A run's dbt target folder is <home>/build/dbt/target/<run id>/ (only the last run's is
    kept); without a run id, the newest file written after `since` (epoch seconds).
    """
    target = home / "build" / "dbt" / "target"
    candidates = [
        path
        for path in target.rglob("run_results.json")
        if path.stat().st_mtime >= since and (not run_id or path.parent.name == run_id)
    ]
    if not candidates:
        return None
    newest = max(candidates, key=lambda path: path.stat().st_mtime)
    data = json.loads(newest.read_text())
    nodes = {
        result["unique_id"]: round(float(result.get("execution_time") or 0), 3)
        for result in data.get("results", [])
    }
    return {
        "path": str(newest),
        "elapsed": data.get("elapsed_time"),
        "nodes": nodes,
    }


def run_pipeline(home: Path, landing: Path, log_name: str, *, fresh: bool = True) -> dict:
    if fresh and home.exists():
        shutil.rmtree(home)
    started_epoch = time.time()
    measurement = run_measured(
        [PYTHON, "-m", "pipelines.cli", "run", "--home", str(home), "--landing", str(landing)],
        cwd=REPO,
        log_path=LOGS / f"{log_name}.log",
    )
    output = measurement.stdout + "\n" + measurement.stderr
    match = SUCCESS_LINE.search(output)
    run_id = RUN_ID_LINE.search(output)
    result = measurement.as_dict()
    steps = step_times(output)
    result.update(
        kind="pipeline",
        # Timed when every step ran, also when the publish gate then refused a check: the work
        # is the same; RESULTS.md says which runs published.
        success=measurement.returncode == 0 or "publish__published_warehouse" in steps,
        published=measurement.returncode == 0,
        run_seconds=float(match.group(1)) if match else None,
        steps=steps,
        run_id=run_id.group(1) if run_id else None,
        dbt=latest_dbt_timings(home, started_epoch, run_id.group(1) if run_id else None),
        tail=[] if measurement.returncode == 0 else output.strip().splitlines()[-12:],
    )
    return result


def run_baseline(landing: Path, db_path: Path, log_name: str, *, extra: list[str] = ()) -> dict:
    measurement: Measurement = run_measured(
        [
            PYTHON, "-m", "benchmarks.baseline", "--landing", str(landing), "--db", str(db_path),
            "--json", *extra,
        ],
        cwd=REPO,
        log_path=LOGS / f"{log_name}.log",
    )  # fmt: skip
    result = measurement.as_dict()
    result["kind"] = "baseline"
    result["success"] = measurement.returncode == 0
    if measurement.returncode == 0:
        result.update(json.loads(measurement.stdout.strip().splitlines()[-1]))
    else:
        result["tail"] = measurement.stderr.strip().splitlines()[-25:]
    return result


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def describe_run(result: dict) -> str:
    status = "ok" if result["success"] else f"FAILED (exit {result['returncode']})"
    if result["success"] and result.get("published") is False:
        status = "ran every step, publish refused (see log)"
    return (
        f"{result['kind']:<8} {result['wall_seconds']:7.1f} s wall, "
        f"{result['cpu_seconds']:7.1f} s cpu, "
        f"peak tree RSS {result['peak_tree_rss_mib']:7,.0f} MiB, "
        f"max process RSS {result['max_rss_mib']:7,.0f} MiB, "
        f"load {result['load_average_before']:.1f}  {status}"
    )


def paired(
    rec: Recorder,
    scenario: str,
    spec: LandingSpec,
    repeats: int,
    *,
    baseline_extra: list[str] = (),
    keep_last_home: bool = False,
) -> dict[str, object]:
    """Alternate pipeline and baseline runs on one landing folder; summarise the pairs."""
    landing = ensure_landing(spec, log=rec.say)
    lines = invoice_line_count(landing)
    home = HOMES / spec.name
    db_path = BASELINE_DBS / f"{spec.name}.duckdb"
    runs: dict[str, list[dict]] = defaultdict(list)
    for repeat in range(1, repeats + 1):
        order = ("pipeline", "baseline") if repeat % 2 else ("baseline", "pipeline")
        for kind in order:
            name = f"{scenario}-{spec.name}-{kind}-{repeat}"
            if kind == "pipeline":
                result = run_pipeline(home, landing, name)
            else:
                result = run_baseline(landing, db_path, name, extra=list(baseline_extra))
            result.update(scenario=scenario, size=spec.name, repeat=repeat, lines=lines)
            rec.record(**result)
            rec.say(f"  [{spec.name} #{repeat}] {describe_run(result)}")
            if not result["success"]:
                for line in result.get("tail", [])[-12:]:
                    rec.say(f"      | {line}")
            runs[kind].append(result)
        if repeat < repeats:
            shutil.rmtree(home, ignore_errors=True)
            db_path.unlink(missing_ok=True)
    compare_marts(rec, scenario, spec, home, db_path)
    if not keep_last_home:
        shutil.rmtree(home, ignore_errors=True)
        db_path.unlink(missing_ok=True)
    return summarise(rec, scenario, spec, lines, runs)


def compare_marts(
    rec: Recorder, scenario: str, spec: LandingSpec, home: Path, db_path: Path
) -> None:
    """Row counts and column totals of the last pipeline build against the last baseline."""
    # The published file, or the build file when the publish gate refused the run.
    published = home / "published" / "kam.duckdb"
    if not published.exists():
        published = home / "build" / "kam.duckdb"
    if not (published.exists() and db_path.exists()):
        return
    measurement = run_measured(
        [PYTHON, "-m", "benchmarks.compare", str(published), str(db_path)],
        cwd=REPO,
        log_path=LOGS / f"compare-{scenario}-{spec.name}.log",
    )
    rec.record(
        kind="compare",
        scenario=scenario,
        size=spec.name,
        same=measurement.returncode == 0,
        output=measurement.stdout.splitlines(),
    )
    verdict = "same counts and totals" if measurement.returncode == 0 else "DIFFERENCES"
    rec.say(f"  compare pipeline vs baseline marts ({spec.name}): {verdict}")
    for line in measurement.stdout.splitlines():
        if "OK" not in line:
            rec.say(f"      | {line}")


def summarise(
    rec: Recorder, scenario: str, spec: LandingSpec, lines: int, runs: dict[str, list[dict]]
) -> dict[str, object]:
    def ok(kind: str) -> list[dict]:
        return [r for r in runs.get(kind, []) if r["success"]]

    pipeline, baseline = ok("pipeline"), ok("baseline")
    ratios = [
        p["wall_seconds"] / b["wall_seconds"]
        for p, b in zip(runs.get("pipeline", []), runs.get("baseline", []), strict=False)
        if p["success"] and b["success"]
    ]
    cpu_ratios = [
        p["cpu_seconds"] / b["cpu_seconds"]
        for p, b in zip(runs.get("pipeline", []), runs.get("baseline", []), strict=False)
        if p["success"] and b["success"]
    ]
    summary = {
        "scenario": scenario,
        "size": spec.name,
        "lines": lines,
        "pipeline_ok": len(pipeline),
        "pipeline_runs": len(runs.get("pipeline", [])),
        "pipeline_published": sum(1 for r in pipeline if r.get("published")),
        "pipeline_wall_median": median([r["wall_seconds"] for r in pipeline]),
        "pipeline_cpu_median": median([r["cpu_seconds"] for r in pipeline]),
        "pipeline_peak_tree_rss_mib_max": max(
            (r["peak_tree_rss_mib"] for r in pipeline), default=None
        ),
        "pipeline_max_rss_mib_max": max((r["max_rss_mib"] for r in pipeline), default=None),
        "baseline_wall_median": median([r["wall_seconds"] for r in baseline]),
        "baseline_cpu_median": median([r["cpu_seconds"] for r in baseline]),
        "baseline_peak_tree_rss_mib_max": max(
            (r["peak_tree_rss_mib"] for r in baseline), default=None
        ),
        "ratio_wall_median": median(ratios),
        "ratio_cpu_median": median(cpu_ratios),
    }
    if summary["pipeline_wall_median"]:
        summary["pipeline_rows_per_second"] = lines / summary["pipeline_wall_median"]
    if summary["baseline_wall_median"]:
        summary["baseline_rows_per_second"] = lines / summary["baseline_wall_median"]
    if pipeline:
        steps: dict[str, list[float]] = defaultdict(list)
        for r in pipeline:
            for step, seconds in r["steps"].items():
                steps[step].append(seconds)
        summary["pipeline_step_medians"] = {s: median(v) for s, v in steps.items()}
    if baseline:
        steps = defaultdict(list)
        for r in baseline:
            for step, seconds in r.get("steps", {}).items():
                steps[step].append(seconds)
        summary["baseline_step_medians"] = {s: round(median(v), 2) for s, v in steps.items()}
        summary["baseline_row_counts"] = baseline[-1].get("row_counts")
    rec.record(kind="summary", **summary)
    rec.say(f"== {scenario} {spec.name}: {format_summary(summary)}")
    return summary


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{unit}"


def format_summary(summary: dict) -> str:
    return (
        f"{summary['lines']:,} lines; pipeline {_fmt(summary['pipeline_wall_median'], ' s')} "
        f"({summary['pipeline_ok']}/{summary['pipeline_runs']} ok, "
        f"{_fmt(summary.get('pipeline_rows_per_second'), ' rows/s', 0)}, "
        f"peak {_fmt(summary['pipeline_peak_tree_rss_mib_max'], ' MiB', 0)}); "
        f"baseline {_fmt(summary['baseline_wall_median'], ' s')} "
        f"({_fmt(summary.get('baseline_rows_per_second'), ' rows/s', 0)}, "
        f"peak {_fmt(summary['baseline_peak_tree_rss_mib_max'], ' MiB', 0)}); "
        f"ratio {_fmt(summary['ratio_wall_median'], ' x', 2)} wall, "
        f"{_fmt(summary['ratio_cpu_median'], ' x', 2)} cpu"
    )


def link_tree(source: Path, target: Path, *, skip: set[str] = frozenset()) -> None:
    """Mirror `source` into `target` with hard links (no copy of the data), minus `skip` names."""
    if target.exists():
        shutil.rmtree(target)
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.name in skip or path.name.startswith(".bench"):
            continue
        destination = target / relative
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


def nightly(
    rec: Recorder,
    spec: LandingSpec,
    repeats: int,
    full_wall: float | None,
    *,
    reuse_history: bool = False,
) -> dict:
    """Full run on the history without its last day, then nightly runs adding that day."""
    landing = ensure_landing(spec, log=rec.say)
    invoices = sorted((landing / "sales" / "invoice_lines").glob("*.csv"))
    last_day = invoices[-1]
    history = WORK / "landing" / f"{spec.name}_nightly"
    link_tree(landing, history, skip={last_day.name})
    # The history run and every nightly run use the same home path, as a real nightly does: dbt's
    # parse state is keyed on the rendered profile, which holds the build file's path, so a copy
    # of the home at another path would re-parse the whole project (about 3 s) every night.
    home = HOMES / f"{spec.name}_nightly"
    template = HOMES / f"{spec.name}_history"
    if reuse_history and (template / "build" / "kam.duckdb").exists():
        rec.say(f"  nightly: reusing the history home {template}")
        log = (LOGS / f"nightly-{spec.name}-history.log").read_text()
        err = (LOGS / f"nightly-{spec.name}-history.log.err").read_text()
        base = {"success": True, "wall_seconds": None, "steps": step_times(log + err)}
    else:
        rec.say(f"  nightly: full run on the history without {last_day.name}")
        base = run_pipeline(home, history, f"nightly-{spec.name}-history")
        if base["success"]:
            shutil.rmtree(template, ignore_errors=True)
            shutil.copytree(home, template, symlinks=True)
    if base["wall_seconds"] is not None:
        base.update(scenario="nightly-history", size=spec.name)
        rec.record(**base)
        rec.say(f"  [history] {describe_run(base)}")
    if not base["success"]:
        for line in base.get("tail", [])[-12:]:
            rec.say(f"      | {line}")
        return {"scenario": "nightly", "size": spec.name, "ok": False}
    new_file = history / "sales" / "invoice_lines" / last_day.name
    if not new_file.exists():
        os.link(last_day, new_file)
    runs = []
    for repeat in range(1, repeats + 1):
        if home.exists():
            shutil.rmtree(home)
        shutil.copytree(template, home, symlinks=True)
        result = run_pipeline(home, history, f"nightly-{spec.name}-{repeat}", fresh=False)
        result.update(scenario="nightly", size=spec.name, repeat=repeat, new_file=last_day.name)
        rec.record(**result)
        rec.say(f"  [nightly #{repeat}] {describe_run(result)}")
        if not result["success"]:
            for line in result.get("tail", [])[-12:]:
                rec.say(f"      | {line}")
        runs.append(result)
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(template, ignore_errors=True)
    good = [r for r in runs if r["success"]]
    summary = {
        "scenario": "nightly",
        "size": spec.name,
        "ok": bool(good),
        "history_wall": base["wall_seconds"],
        "nightly_wall_median": median([r["wall_seconds"] for r in good]),
        "nightly_cpu_median": median([r["cpu_seconds"] for r in good]),
        "nightly_peak_tree_rss_mib_max": max((r["peak_tree_rss_mib"] for r in good), default=None),
        "full_wall_median": full_wall,
    }
    reference = full_wall or base["wall_seconds"]
    if summary["nightly_wall_median"] and reference:
        summary["share_of_full"] = summary["nightly_wall_median"] / reference
    if good:
        steps: dict[str, list[float]] = defaultdict(list)
        for r in good:
            for step, seconds in r["steps"].items():
                steps[step].append(seconds)
        summary["step_medians"] = {s: median(v) for s, v in steps.items()}
    rec.record(kind="summary", **summary)
    rec.say(
        f"== nightly {spec.name}: {_fmt(summary['nightly_wall_median'], ' s')} = "
        f"{_fmt(100 * summary['share_of_full'] if 'share_of_full' in summary else None, ' %')}"
        f" of the full run ({_fmt(reference, ' s')})"
    )
    return summary


def executors(rec: Recorder, spec: LandingSpec, repeats: int) -> dict:
    landing = ensure_landing(spec, log=rec.say)
    summary: dict[str, object] = {"scenario": "executors", "size": spec.name}
    for repeat in range(1, repeats + 1):
        for executor in ("in_process", "multiprocess"):
            home = HOMES / f"executors-{executor}"
            shutil.rmtree(home, ignore_errors=True)
            measurement = run_measured(
                [
                    PYTHON, "-m", "benchmarks.executors", "--executor", executor,
                    "--home", str(home), "--landing", str(landing),
                ],
                cwd=REPO,
                log_path=LOGS / f"executors-{spec.name}-{executor}-{repeat}.log",
            )  # fmt: skip
            result = measurement.as_dict()
            result.update(
                kind=executor,
                scenario="executors",
                size=spec.name,
                repeat=repeat,
                success=measurement.returncode == 0,
            )
            rec.record(**result)
            rec.say(f"  [{executor} #{repeat}] {describe_run(result)}")
            if measurement.returncode != 0:
                for line in (measurement.stdout + measurement.stderr).strip().splitlines()[-8:]:
                    rec.say(f"      | {line}")
            summary.setdefault(executor, []).append(
                result["wall_seconds"] if result["success"] else None
            )
            shutil.rmtree(home, ignore_errors=True)
    for executor in ("in_process", "multiprocess"):
        summary[f"{executor}_median"] = median(summary.get(executor, []))
    rec.record(kind="summary", **summary)
    rec.say(
        f"== executors {spec.name}: in-process {_fmt(summary['in_process_median'], ' s')}, "
        f"multiprocess {_fmt(summary['multiprocess_median'], ' s')}"
    )
    return summary


def extras(rec: Recorder) -> None:
    for name, command in (
        ("bench_gx", [PYTHON, "-m", "benchmarks.bench_gx", "--rows", "10000000"]),
        ("bench_clv", [PYTHON, "-m", "benchmarks.bench_clv"]),
    ):
        measurement = run_measured(command, cwd=REPO, log_path=LOGS / f"{name}.log")
        result = measurement.as_dict(with_output=True)
        result.update(kind=name, scenario="extras", success=measurement.returncode == 0)
        rec.record(**result)
        rec.say(f"  [{name}] {describe_run(result)}")
        for line in measurement.stdout.strip().splitlines()[-6:]:
            rec.say(f"      | {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m,10m", help="comma-separated: tiny, 1m, 10m")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--with-100m", action="store_true", help="also one pair at ~104M lines")
    parser.add_argument("--skip", default="", help=f"scenarios to skip: {', '.join(SCENARIOS)}")
    parser.add_argument("--extras", action="store_true", help="also bench_gx and bench_clv")
    parser.add_argument(
        "--keep-last",
        action="store_true",
        help="full: keep the last pipeline home and baseline file of each size (to inspect)",
    )
    parser.add_argument(
        "--reuse-history",
        action="store_true",
        help="nightly: reuse the history home of an earlier run instead of building it again",
    )
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; expected {', '.join(SIZES)}")

    started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    rec = Recorder(RESULTS / f"{started}.jsonl")
    info = machine()
    rec.record(kind="machine", **info)
    rec.say(f"machine: {json.dumps(info)}")
    rec.say(f"results: {rec.path}")

    if "fixed" not in skip:
        rec.say("scenario fixed: tiny landing folder")
        paired(rec, "fixed", SIZES["tiny"], args.repeats)
    full: dict[str, dict] = {}
    if "full" not in skip:
        for size in sizes:
            rec.say(f"scenario full: {size}")
            full[size] = paired(
                rec, "full", SIZES[size], args.repeats, keep_last_home=args.keep_last
            )
    if "nightly" not in skip:
        rec.say("scenario nightly: one new day on the 10m history")
        nightly(
            rec,
            SIZES["10m"],
            args.repeats,
            (full.get("10m") or {}).get("pipeline_wall_median"),
            reuse_history=args.reuse_history,
        )
    if "executors" not in skip:
        rec.say("scenario executors: in-process vs multiprocess on the tiny folder")
        executors(rec, SIZES["tiny"], 1)
    if args.with_100m:
        rec.say("scenario 100m: one pair, DuckDB memory limit and spill folder set")
        spill = WORK / "spill"
        hundred = paired(
            rec,
            "full",
            SIZES["100m"],
            1,
            baseline_extra=["--memory-limit", "4GB", "--temp-dir", str(spill)],
        )
        ten = full.get("10m") or {}
        if hundred.get("pipeline_wall_median") and ten.get("pipeline_wall_median"):
            scale = hundred["pipeline_wall_median"] / ten["pipeline_wall_median"]
            rec.say(f"== 100m / 10m pipeline time: {scale:.1f} x (target <= 12 x)")
            rec.record(kind="summary", scenario="100m_scale", scale=scale)
    if args.extras:
        rec.say("extras: bench_gx (10M rows), bench_clv (50,000 accounts)")
        extras(rec)
    rec.say(f"done; every measurement is in {rec.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
