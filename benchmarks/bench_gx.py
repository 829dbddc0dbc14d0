"""How long the bronze invoice-lines suite takes on a first-load-sized batch (10 million rows).

    .venv/bin/python -m benchmarks.bench_gx [--rows N] [--seed S] [--arrow | --sql] [--defects F]

(run from the repository root).

Builds a synthetic frame with numpy that satisfies the contract, so every expectation is fully
evaluated as on a clean load; with --defects, that fraction of rows breaks the null, range and key
rules, so GX also collects unexpected values (the slower path). Validates it with `validate_frame`
and prints seconds, rows per second and peak resident memory. With --sql the frame is
written to Parquet first and validated as the pipeline does it, with `validate_parquet` (GX's SQL
engine in DuckDB, memory limit 2 GB), so the frame is freed before timing. Results are recorded in
docs/quality.md; there is no timed assertion anywhere in tests/.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lib.quality import BRONZE_SUITES, ValidationOutcome, validate_frame
from pipelines.lib.quality.sql_batches import validate_parquet

SQL_DUCKDB_CONFIG = {"threads": 2, "memory_limit": "2GB"}


def invoice_lines_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """Contract-shaped invoice lines: unique (invoice_id, line_number), valid ranges, lineage."""
    rng = np.random.default_rng(seed)
    lines_per_invoice = 4
    invoice_number = np.arange(rows) // lines_per_invoice
    line_number = (np.arange(rows) % lines_per_invoice + 1).astype("int32")
    invoice_id = pd.Series(invoice_number).map("NF{:09d}".format).astype("str")
    days = rng.integers(0, 3 * 365, rows)
    invoice_date = np.datetime64("2023-01-01") + days.astype("timedelta64[D]")
    account_codes = np.array([f"ACC{n:05d}" for n in range(5_000)])
    product_codes = np.array([f"PRD{n:04d}" for n in range(400)])
    quantity = rng.integers(1, 200, rows).astype("float64")
    quantity[rng.random(rows) < 0.01] *= -1  # credit notes are negative lines
    unit_price = np.round(rng.uniform(5, 2_000, rows), 2)
    discount = np.round(unit_price * quantity.clip(0) * rng.uniform(0, 0.1, rows), 2)
    months = pd.Series(invoice_date).dt.strftime("%Y-%m")
    return pd.DataFrame(
        {
            "invoice_id": invoice_id,
            "line_number": line_number,
            "invoice_date": invoice_date,
            "account_id": pd.Series(account_codes[rng.integers(0, 5_000, rows)], dtype="str"),
            "product_id": pd.Series(product_codes[rng.integers(0, 400, rows)], dtype="str"),
            "quantity": quantity,
            "net_amount": np.round(unit_price * quantity - discount, 2),
            "unit_price": unit_price,
            "discount": discount,
            "channel": pd.Series(
                np.array(["direct", "distributor", "tender"])[days % 3], dtype="str"
            ),
            "distributor_id": pd.Series([None] * rows, dtype="str"),
            "_load_id": "load-0001",
            "_source_file": months.map("sales/invoice_lines/{}.csv".format).astype("str"),
            "_source_line": np.arange(rows, dtype="int64") + 2,
            "_loaded_at": pd.Timestamp("2026-01-02 03:00:00"),
            "_delivery_period": months.astype("str"),
        }
    )


def add_defects(frame: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """Null account ids, zero line numbers and duplicated keys on `fraction` of the rows each."""
    rng = np.random.default_rng(seed + 1)
    rows = len(frame)
    count = max(1, int(rows * fraction))
    frame.loc[rng.choice(rows, count, replace=False), "account_id"] = None
    frame.loc[rng.choice(rows, count, replace=False), "line_number"] = 0
    copies = rng.choice(rows - 1, count, replace=False)
    frame.loc[copies + 1, "invoice_id"] = frame["invoice_id"].to_numpy()[copies]
    frame.loc[copies + 1, "line_number"] = frame["line_number"].to_numpy()[copies]
    return frame


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    inputs = parser.add_mutually_exclusive_group()
    inputs.add_argument("--arrow", action="store_true", help="pass a pyarrow Table instead")
    inputs.add_argument("--sql", action="store_true", help="validate Parquet in DuckDB instead")
    parser.add_argument("--defects", type=float, default=0.0, help="fraction of bad rows")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    frame = invoice_lines_frame(args.rows, args.seed)
    if args.defects:
        frame = add_defects(frame, args.defects, args.seed)
    built = time.perf_counter() - started
    print(f"built {args.rows:,} rows in {built:.1f} s; peak RSS {peak_rss_mib():,.0f} MiB")
    if args.sql:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "invoice_lines.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
            del frame
            gc.collect()
            outcome, seconds, what = _timed_sql(path, args.seed)
    else:
        data = pa.Table.from_pandas(frame, preserve_index=False) if args.arrow else frame
        outcome, seconds, what = _timed_frame(data, args.seed)
    print(outcome.summary())
    print(
        f"{what}(bronze_invoice_lines, {args.rows:,} rows): {seconds:.1f} s, "
        f"{args.rows / seconds:,.0f} rows/s, peak RSS {peak_rss_mib():,.0f} MiB"
    )
    for failure in outcome.failed:
        print(f"  - {failure}")
    return 0 if outcome.success == (not args.defects) else 1


def _timed_frame(data: object, seed: int) -> tuple[ValidationOutcome, float, str]:
    # Warm up: import GX and parse the suite outside the timed run, as a long-lived process would.
    validate_frame(BRONZE_SUITES["invoice_lines"], invoice_lines_frame(100, seed))
    started = time.perf_counter()
    outcome = validate_frame(BRONZE_SUITES["invoice_lines"], data)
    return outcome, time.perf_counter() - started, "validate_frame"


def _timed_sql(path: Path, seed: int) -> tuple[ValidationOutcome, float, str]:
    warm_up = path.with_name("warm_up.parquet")
    pq.write_table(
        pa.Table.from_pandas(invoice_lines_frame(100, seed), preserve_index=False), warm_up
    )
    validate_parquet(BRONZE_SUITES["invoice_lines"], [warm_up], duckdb_config=SQL_DUCKDB_CONFIG)
    started = time.perf_counter()
    outcome = validate_parquet(
        BRONZE_SUITES["invoice_lines"], [path], duckdb_config=SQL_DUCKDB_CONFIG
    )
    return outcome, time.perf_counter() - started, "validate_parquet"


if __name__ == "__main__":
    sys.exit(main())
