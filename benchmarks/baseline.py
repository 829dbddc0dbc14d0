"""Run the hand-written baseline (benchmarks/baseline.sql) on a landing folder.

    .venv/bin/python -m benchmarks.baseline --landing DIR --db FILE [--threads 2]
        [--memory-limit 4GB] [--json]

(run from the repository root). The database file is created fresh (an existing one is deleted).
Prints the time of each step of the script, the total, and the row count of every mart; with
--json, one JSON object instead. The plan workbook is read with openpyxl (this DuckDB build has no
Excel reader) into all-text tables the script casts like every other source; that read is timed as
the step `read_plan_workbook`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import yaml

from benchmarks.landing import REPO

SQL_FILE = Path(__file__).with_name("baseline.sql")
STEP_MARKER = re.compile(r"^-- step: (\S+)\s*$", re.MULTILINE)
PLAN_ENTITIES = ("objectives", "actions", "swot", "tier_overrides")
PLAN_COLUMNS = {
    "objectives": ("plan_period", "account_id", "kpi", "kam_id", "target_value", "weight"),
    "actions": (
        "action_id", "account_id", "kam_id", "description", "due_date", "status",
        "objective_kpi", "completed_date",
    ),
    "swot": ("plan_year", "account_id", "quadrant", "item"),
    "tier_overrides": ("account_id", "valid_from", "tier", "reason", "valid_to", "approved_by"),
}  # fmt: skip


def split_steps(sql: str) -> list[tuple[str, str]]:
    """The script's `-- step: name` sections, in order, as (name, sql)."""
    parts = STEP_MARKER.split(sql)
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts), 2)]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def plan_frames(landing: Path, config: Path) -> dict[str, pd.DataFrame]:
    """The plan workbook's sheets as all-text frames with contract column names."""
    sources = (yaml.safe_load(config.read_text()) or {}).get("sources", {})
    frames = {entity: pd.DataFrame(columns=PLAN_COLUMNS[entity]) for entity in PLAN_ENTITIES}
    for workbook_path in sorted((landing / "plan").glob("*.xlsx")):
        workbook = openpyxl.load_workbook(workbook_path, read_only=True, data_only=True)
        names = {sheet.lower(): sheet for sheet in workbook.sheetnames}
        for entity in PLAN_ENTITIES:
            spec = sources.get(entity, {})
            sheet = next((names[s] for s in spec.get("sheets", [entity]) if s in names), None)
            if sheet is None:
                continue
            rows = workbook[sheet].iter_rows(values_only=True)
            header = [str(cell).strip().lower() for cell in next(rows)]
            column_map = {k.lower(): v for k, v in spec.get("column_map", {}).items()}
            names_out = [column_map.get(h, h) for h in header]
            width = len(names_out)
            data = [
                ([_text(cell) for cell in row] + [None] * width)[:width]
                for row in rows
                if any(cell is not None for cell in row)
            ]
            frame = pd.DataFrame(data, columns=names_out, dtype=object)
            frames[entity] = frame.reindex(columns=PLAN_COLUMNS[entity]).astype(object)
        workbook.close()
    return frames


def run_baseline(
    landing: Path,
    db_path: Path,
    *,
    threads: int = 2,
    memory_limit: str = "4GB",
    temp_dir: Path | None = None,
    config: Path = REPO / "kam.yml",
) -> dict[str, object]:
    """Build the baseline marts into a fresh `db_path`; return timings and row counts."""
    landing = landing.resolve()
    db_path = Path(db_path)
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    steps: dict[str, float] = {}
    connection = duckdb.connect(str(db_path))
    connection.execute(f"set threads = {int(threads)}")
    connection.execute(f"set memory_limit = '{memory_limit}'")
    connection.execute("set preserve_insertion_order = false")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        connection.execute(f"set temp_directory = '{temp_dir}'")

    step_started = time.perf_counter()
    for entity, frame in plan_frames(landing, config).items():
        connection.register(f"plan_{entity}_frame", frame)
        connection.execute(
            f"create temp table raw_{entity} as "
            f"select {', '.join(f'cast({c} as varchar) as {c}' for c in PLAN_COLUMNS[entity])} "
            f"from plan_{entity}_frame"
        )
        connection.unregister(f"plan_{entity}_frame")
    steps["read_plan_workbook"] = time.perf_counter() - step_started

    sql = SQL_FILE.read_text().replace("${LANDING}", landing.as_posix())
    for name, statement in split_steps(sql):
        step_started = time.perf_counter()
        connection.execute(statement)
        steps[name] = time.perf_counter() - step_started

    marts = [
        row[0]
        for row in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    ]
    row_counts = {
        mart: connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
        for mart in marts
    }
    rejected = connection.execute(
        "select count(*) from scratch.staging.invoice_lines_rejected"
    ).fetchone()[0]
    connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "steps": steps,
        "row_counts": row_counts,
        "invoice_lines_rejected": rejected,
        "db_bytes": db_path.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", required=True, type=Path)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--temp-dir", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run_baseline(
        args.landing,
        args.db,
        threads=args.threads,
        memory_limit=args.memory_limit,
        temp_dir=args.temp_dir,
    )
    if args.json:
        print(json.dumps(result))
        return 0
    for name, seconds in result["steps"].items():
        print(f"  {name:<24} {seconds:8.2f} s")
    print(f"baseline: {result['seconds']:.2f} s -> {args.db}")
    for mart, count in result["row_counts"].items():
        print(f"  marts.{mart:<24} {count:>12,}")
    print(f"  invoice lines set aside: {result['invoice_lines_rejected']:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
