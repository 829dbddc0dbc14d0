"""Compare the baseline's marts with a pipeline build: row counts and column totals.

    .venv/bin/python -m benchmarks.compare PUBLISHED_OR_BUILD.duckdb BASELINE.duckdb

(run from the repository root). For every mart in both files: the row count, and for every
numeric or boolean column both have, the column total (booleans counted as true = 1) compared
with a relative tolerance of 1e-6 (doubles summed in another order differ in the last digits).
Marts only one side has are listed (the pipeline also writes the CLV fit's `account_clv` and
`clv_model_fits`, which the baseline does not compute). Exit 1 when a count or total differs.
"""

from __future__ import annotations

import math
import sys

import duckdb

NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "FLOAT", "DECIMAL")


def columns(connection: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = connection.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = 'marts' and table_name = ?",
        [table],
    ).fetchall()
    return {name: type_ for name, type_ in rows}


def totals(connection: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> list[float]:
    if not names:
        return []
    expressions = ", ".join(f'cast(sum(cast("{name}" as double)) as double)' for name in names)
    return list(connection.execute(f"select {expressions} from marts.{table}").fetchone())


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pipeline = duckdb.connect(args[0], read_only=True)
    baseline = duckdb.connect(args[1], read_only=True)
    query = "select table_name from duckdb_tables() where schema_name = 'marts'"
    pipeline_marts = {row[0] for row in pipeline.execute(query).fetchall()}
    baseline_marts = {row[0] for row in baseline.execute(query).fetchall()}
    differences = 0
    for mart in sorted(pipeline_marts | baseline_marts):
        if mart not in baseline_marts or mart not in pipeline_marts:
            side = "pipeline" if mart in pipeline_marts else "baseline"
            print(f"{mart:<26} only in the {side}")
            continue
        counts = [
            connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for connection in (pipeline, baseline)
        ]
        left, right = columns(pipeline, mart), columns(baseline, mart)
        shared = [
            name
            for name, type_ in left.items()
            if name in right
            and (type_.startswith(NUMERIC) or type_ == "BOOLEAN")
            and (right[name].startswith(NUMERIC) or right[name] == "BOOLEAN")
        ]
        mismatched = [
            f"{name} ({a!r} vs {b!r})"
            for name, a, b in zip(
                shared, totals(pipeline, mart, shared), totals(baseline, mart, shared), strict=True
            )
            if not (
                (a is None and b is None)
                or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-6))
            )
        ]
        missing = sorted(set(left) - set(right))
        ok = counts[0] == counts[1] and not mismatched
        differences += not ok
        note = f"; totals differ: {', '.join(mismatched)}" if mismatched else ""
        note += f"; columns only in the pipeline: {', '.join(missing)}" if missing else ""
        print(
            f"{mart:<26} rows {counts[0]:>10,} vs {counts[1]:>10,}  "
            f"{len(shared)} column totals {'OK' if ok else 'DIFFER'}{note}"
        )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
