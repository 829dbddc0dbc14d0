"""What the published file's format, docs and copy cost on a 10M-line `fct_sales`.

    .venv/bin/python -m benchmarks.bench_publish [--rows N] [--work DIR]

(run from the repository root). Builds a synthetic build file whose `fct_sales` has the real
mart's 16 columns and types (DECIMAL money, dates, text ids) over 48 months, then times, one run
each in the same window:

- the Parquet export of `fct_sales` as publishing wrote it before (one COPY of the table) and as it
  writes it now (DECIMAL as DOUBLE, column and table descriptions in the file's metadata);
- writing the table into a new DuckDB file in DuckDB's own format and in storage v0.10.0;
- the comments on the table and its columns;
- making `published/kam.duckdb`: a hard link before, an independent copy now (reflink or
  copy_file_range, whichever the file system offers), and the SHA-256 the publish records;
- `publish_build` now: a first publish, a publish after one month changed, a publish with
  nothing changed.

Prints one line per measurement and writes them as JSON to `<work>/bench_publish.json`.
Results are recorded in benchmarks/RESULTS.md; nothing here is asserted in tests/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import duckdb

from pipelines.lib.file_copy import copy_file, file_checksum
from pipelines.lib.mart_docs import MartDoc
from pipelines.lib.parquet_export import (
    PARQUET_OPTIONS,
    export_metadata,
    export_query,
    write_export,
)
from pipelines.lib.publish import DEFAULT_STORAGE_VERSION, PublishRecord, publish_build

CONFIG = {"threads": 2, "memory_limit": "1GB"}
COLUMNS = {
    "invoice_id": "ERP invoice (nota fiscal) number.",
    "line_number": "Line number within the invoice (1-based).",
    "invoice_date": "Invoice date.",
    "month_start_date": "First day of the invoice month (joins dim_dates.month_start_date).",
    "account_id": "CRM id of the account.",
    "product_id": "Id of the product (SKU).",
    "quantity": "Units invoiced on the line; negative for returns (credit notes).",
    "net_amount": "Net amount of the line after discounts; negative for returns.",
    "unit_price": "Unit price charged.",
    "discount": "Discount granted on the line.",
    "unit_cost": "Unit cost of the product, when known.",
    "gross_margin": "net_amount minus quantity times unit_cost.",
    "is_return": "True for a credit-note line (negative quantity).",
    "channel": "Sales channel of the line.",
    "distributor_id": "Distributor that delivered the line, when indirect.",
    "delivery_period": "Delivery period (file) the line came from.",
}
DOC = MartDoc(
    name="fct_sales",
    description="Invoice lines as staged, up to the as-of date, with month and margin. "
    "Grain: one row per invoice_id and line_number.",
    grain="one row per invoice_id and line_number",
    columns=COLUMNS,
)


def make_build(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path), config=CONFIG)
    con.execute("create schema marts")
    con.execute(
        f"""
        create table marts.fct_sales as
        select
            'NF' || lpad(cast(i // 4 as varchar), 9, '0') as invoice_id,
            cast(i % 4 + 1 as integer) as line_number,
            date '2023-01-01' + cast(i * 1461 // {rows} as integer) as invoice_date,
            date_trunc('month', date '2023-01-01' + cast(i * 1461 // {rows} as integer))::date
                as month_start_date,
            'ACC' || lpad(cast(hash(i) % 12000 as varchar), 6, '0') as account_id,
            'PRD' || lpad(cast(hash(i + 1) % 400 as varchar), 4, '0') as product_id,
            cast(cast(hash(i + 2) % 200 as bigint) - 2 as decimal(18, 3)) as quantity,
            cast((hash(i + 3) % 2000000) / 100.0 as decimal(18, 2)) as net_amount,
            cast((hash(i + 4) % 200000) / 100.0 as decimal(18, 2)) as unit_price,
            cast((hash(i + 5) % 10000) / 100.0 as decimal(18, 2)) as discount,
            cast((hash(i + 6) % 100000) / 100.0 as decimal(18, 2)) as unit_cost,
            cast((hash(i + 7) % 1000000) / 1000.0 as decimal(28, 6)) as gross_margin,
            hash(i + 2) % 200 < 2 as is_return,
            ['direct', 'distributor', 'tender'][cast(hash(i + 8) % 3 as integer) + 1] as channel,
            'DIST' || cast(hash(i + 9) % 20 as varchar) as distributor_id,
            strftime(date '2023-01-01' + cast(i * 1461 // {rows} as integer), '%Y-%m-%d')
                as delivery_period
        from range({rows}) as lines(i)
        """
    )
    con.close()


def timed(label: str, results: dict, action) -> object:
    started = time.perf_counter()
    value = action()
    results[label] = round(time.perf_counter() - started, 2)
    print(f"{label:<58} {results[label]:>7.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work/publish"))
    args = parser.parse_args()
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict[str, object] = {"rows": args.rows, "duckdb": duckdb.__version__}
    build = work / "build.duckdb"
    timed("build file (not part of publishing)", results, lambda: make_build(build, args.rows))

    con = duckdb.connect(config=CONFIG)
    con.execute(f"attach '{build}' as build (read_only)")
    before = work / "fct_sales.before.parquet"
    timed(
        "parquet export, before (COPY of the table)",
        results,
        lambda: con.execute(f"copy build.marts.fct_sales to '{before}' ({PARQUET_OPTIONS})"),
    )
    after = work / "fct_sales.after.parquet"

    def export_now() -> None:
        query = export_query(con, "build", "marts", "fct_sales")
        write_export(con, query, after, export_metadata(con, query, DOC, work))

    timed("parquet export, now (DOUBLE money, descriptions)", results, export_now)
    results["parquet MB before"] = round(before.stat().st_size / 1e6, 1)
    results["parquet MB now"] = round(after.stat().st_size / 1e6, 1)

    formats = (
        ("duckdb file, DuckDB's own format", "own_format.duckdb", ""),
        (
            f"duckdb file, storage {DEFAULT_STORAGE_VERSION}",
            "storage_version.duckdb",
            f"(storage_version '{DEFAULT_STORAGE_VERSION}')",
        ),
    )
    for label, name, options in formats:

        def write_file(target: Path = work / name, options: str = options) -> None:
            con.execute(f"attach '{target}' as out {options}")
            con.execute("create schema out.marts")
            con.execute("create table out.marts.fct_sales as select * from build.marts.fct_sales")
            con.execute("checkpoint out")
            con.execute("detach out")

        timed(f"write {label}", results, write_file)
        results[f"MB {label}"] = round((work / name).stat().st_size / 1e6, 1)
    version_file = work / "storage_version.duckdb"

    def comment_everything() -> None:
        con.execute(f"attach '{version_file}' as out")
        con.execute(f"comment on table out.marts.fct_sales is '{DOC.description}'")
        for column, text in COLUMNS.items():
            con.execute(f"comment on column out.marts.fct_sales.{column} is '{text}'")
        con.execute("checkpoint out")
        con.execute("detach out")

    timed("comments on the table and its 16 columns", results, comment_everything)
    con.close()

    link = work / "published_link.duckdb"
    timed("published file, before (hard link)", results, lambda: os.link(version_file, link))
    copy = work / "published_copy.duckdb"
    how = timed(
        "published file, now (independent copy)", results, lambda: copy_file(version_file, copy)
    )
    results["copy method"] = how
    timed("sha-256 of the version file", results, lambda: file_checksum(version_file))
    results["version file MB"] = round(version_file.stat().st_size / 1e6, 1)

    published = work / "published"
    checks = {"all": True}

    def publish(run: str) -> object:
        return publish_build(
            build,
            published,
            marts=["fct_sales"],
            record=PublishRecord(run_id=run, as_of_date="2026-10-30", checks=checks),
            duckdb_config=CONFIG,
            partition_columns={"fct_sales": "month_start_date"},
            docs={"fct_sales": DOC},
            version=run,
        )

    timed("publish_build now: first publish", results, lambda: publish("v1"))
    writable = duckdb.connect(str(build), config=CONFIG)
    writable.execute(
        "update marts.fct_sales set net_amount = net_amount + 1 "
        "where month_start_date = (select max(month_start_date) from marts.fct_sales)"
    )
    writable.close()
    timed("publish_build now: one month changed", results, lambda: publish("v2"))
    outcome = timed("publish_build now: nothing changed", results, lambda: publish("v3"))
    results["nothing changed -> new version"] = outcome.is_new

    (work / "bench_publish.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
