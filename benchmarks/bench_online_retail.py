"""The full UCI Online Retail data set through `kam run`, timed and checked against the yardstick.

    .venv/bin/python -m benchmarks.bench_online_retail --data DIR [--layout daily|whole_history]

(run from the repository root). DIR is the full layout written by
`tests/data/online_retail/prepare.py --full-out DIR` (305 daily files, one whole-history file and
the customer list). The run uses docs/examples/online_retail/kam.yml unchanged for the daily files;
`whole_history` points the invoice lines at the one file instead (a span file: its periods come
from the lines' dates). Prints the run's wall and CPU time and peak memory, then every figure the
yardstick (tests/e2e/online_retail_expected.py) recomputes from the raw files next to what the
warehouse published, and exits 1 when one differs. Results: benchmarks/RESULTS.md, "Real data".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from benchmarks.measure import run_measured
from tests.e2e import online_retail_expected as ore

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "docs" / "examples" / "online_retail" / "kam.yml"


def config_for(layout: str, folder: Path) -> Path:
    """The example kam.yml, with the invoice lines read from the whole-history file if asked."""
    if layout == "daily":
        return CONFIG
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["sources"]["invoice_lines"]["paths"] = ["whole_history/invoice_lines.csv"]
    path = folder / "kam.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def published_figures(db: Path, expected: ore.Expected) -> dict[str, object]:
    month_end = expected.period_bounds["trailing_12_months"][1].date()
    top = expected.concentration["trailing_12_months"]
    with duckdb.connect(str(db), read_only=True) as con:
        (details,) = con.execute("select details_json from meta.publish").fetchone()
        lines = json.loads(details)["deliveries"]["invoice_lines"]
        (revenue,) = con.execute(
            "select sum(net_amount) from marts.fct_sales where is_merchandise"
        ).fetchone()
        ranked = con.execute(
            "select cumulative_share from marts.account_tiers "
            "where snapshot_date = ? and revenue_12m > 0 order by revenue_12m desc, account_id",
            [month_end],
        ).fetchall()
        (trailing,) = con.execute(
            "select sum(revenue_12m) from marts.account_tiers where snapshot_date = ?",
            [month_end],
        ).fetchone()
    return {
        "lines read": lines["rows_read"],
        "lines loaded": lines["rows_loaded"],
        "lines quarantined": lines["rows_quarantined"],
        "lines excluded": lines["rows_excluded"],
        "net merchandise revenue": revenue,
        "trailing 12 months revenue": trailing,
        "customers with trailing revenue": len(ranked),
        "top 20 % share": round(ranked[top.top_customers - 1][0], 6) if ranked else None,
    }


def expected_figures(expected: ore.Expected) -> dict[str, object]:
    top = expected.concentration["trailing_12_months"]
    return {
        "lines read": expected.total_lines,
        "lines loaded": expected.valid_lines,
        "lines quarantined": expected.invalid_lines,
        "lines excluded": expected.excluded_lines,
        "net merchandise revenue": expected.net_revenue("whole_history"),
        "trailing 12 months revenue": expected.net_revenue("trailing_12_months"),
        "customers with trailing revenue": top.customers_with_revenue,
        "top 20 % share": round(top.top_share, 6),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the full layout (prepare.py)")
    parser.add_argument("--layout", default="daily", choices=("daily", "whole_history"))
    args = parser.parse_args(argv)
    files = (
        sorted((args.data / "invoice_lines").glob("invoice_lines_*.csv"))
        if args.layout == "daily"
        else [args.data / "whole_history" / "invoice_lines.csv"]
    )
    with tempfile.TemporaryDirectory(prefix="kam-online-retail-") as scratch:
        folder = Path(scratch)
        home = folder / "home"
        command = [
            sys.executable, "-m", "pipelines.cli", "run", "--home", str(home),
            "--landing", str(args.data), "--config", str(config_for(args.layout, folder)),
        ]  # fmt: skip
        run = run_measured(command, cwd=REPO, env={"DAGSTER_HOME": str(home / "dagster")})
        print(
            f"kam run ({args.layout}, {len(files)} file(s)): exit {run.returncode}, "
            f"{run.wall_seconds:.1f} s wall, {run.cpu_seconds:.1f} s CPU, "
            f"peak {run.peak_tree_rss_mib:,.0f} MiB (process tree), "
            f"load {run.load_average_before:.1f} before"
        )
        if run.returncode != 0:
            print(run.stdout[-2000:] + run.stderr[-4000:], file=sys.stderr)
            return 1
        expected = ore.expected(files)
        got = published_figures(home / "published" / "kam.duckdb", expected)
    want = expected_figures(expected)
    differ = 0
    print(f"{'figure':<34} {'recomputed':>18} {'published':>18}")
    for name, value in want.items():
        same = got[name] == value or (
            isinstance(value, Decimal) and Decimal(str(got[name])) == value
        )
        differ += not same
        print(f"{name:<34} {value!s:>18} {got[name]!s:>18}{'' if same else '  DIFFERS'}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
