"""Summarise a results file of `benchmarks.run_all` as Markdown tables (for RESULTS.md).

    .venv/bin/python -m benchmarks.report [benchmarks/work/results/<started>.jsonl ...]

With no argument, the newest results file. Several files are read as one (later records win
nothing: every run is listed).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.run_all import RESULTS


def load(paths: list[Path]) -> list[dict]:
    records = []
    for path in paths:
        records.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return records


def _f(value: object, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def runs_table(records: list[dict]) -> list[str]:
    lines = [
        "| scenario | size | kind | # | ok | wall s | cpu s | peak tree RSS MiB "
        "| max process RSS MiB | load before |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if r.get("kind") not in ("pipeline", "baseline"):
            continue  # machine, summary and compare records have no timings
        lines.append(
            f"| {r.get('scenario')} | {r.get('size', '')} | {r['kind']} | {r.get('repeat', '')} "
            f"| {'yes' if r.get('success') else 'no'} | {_f(r['wall_seconds'])} "
            f"| {_f(r['cpu_seconds'])} | {_f(r['peak_tree_rss_mib'], 0)} "
            f"| {_f(r['max_rss_mib'], 0)} | {_f(r['load_average_before'])} |"
        )
    return lines


def step_table(records: list[dict]) -> list[str]:
    steps: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.get("kind") == "pipeline" and r.get("success"):
            for step, seconds in r.get("steps", {}).items():
                steps[(r["scenario"], r.get("size", ""))][step].append(seconds)
    lines = []
    for (scenario, size), by_step in steps.items():
        lines += [
            f"\n`kam run` steps, {scenario} {size} (median s):",
            "",
            "| step | s |",
            "|---|---|",
        ]
        for step, values in sorted(by_step.items(), key=lambda item: -statistics.median(item[1])):
            lines.append(f"| {step} | {statistics.median(values):.1f} |")
    return lines


def dbt_table(records: list[dict], top: int = 15) -> list[str]:
    lines = []
    for r in records:
        if r.get("kind") != "pipeline" or not r.get("dbt"):
            continue
        nodes = r["dbt"]["nodes"]
        models = {k: v for k, v in nodes.items() if k.startswith("model.")}
        tests = {k: v for k, v in nodes.items() if not k.startswith("model.")}
        lines += [
            f"\ndbt, {r['scenario']} {r.get('size', '')} #{r.get('repeat', '')}: elapsed "
            f"{_f(r['dbt'].get('elapsed'))} s; {len(models)} models {sum(models.values()):.1f} s, "
            f"{len(tests)} tests/checks {sum(tests.values()):.1f} s (node times, 2 threads)",
            "",
            "| node | s |",
            "|---|---|",
        ]
        for node, seconds in sorted(nodes.items(), key=lambda item: -item[1])[:top]:
            lines.append(f"| {node} | {seconds:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    paths = [Path(a) for a in args] or [
        max(RESULTS.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    ]
    records = load(paths)
    out = [f"Results: {', '.join(str(p) for p in paths)}", ""]
    for r in records:
        if r.get("kind") == "machine":
            out.append("Machine: " + json.dumps({k: v for k, v in r.items() if k != "kind"}))
    out.append("")
    for r in records:
        if r.get("kind") == "summary":
            shown = {
                k: (round(v, 3) if isinstance(v, float) else v)
                for k, v in r.items()
                if k
                not in ("kind", "pipeline_step_medians", "baseline_step_medians", "step_medians")
            }
            out.append("- " + json.dumps(shown))
    out += ["", *runs_table(records), *step_table(records), *dbt_table(records)]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
