"""Read a published file and its Parquet exports with an old DuckDB release, in a subprocess.

The drivers BI tools bundle (ODBC for Power BI and Excel, JDBC for DBeaver and Metabase, Node)
embed a DuckDB that lags the newest Python package by months. `make test` installs DuckDB 1.1
into `.venv-compat` (requirements-compat.lock); these helpers run it on a published version and
report what it could read, so a test can compare that with what the project's own DuckDB reads.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPAT_PYTHON = REPO / ".venv-compat" / "bin" / "python"

_READER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import duckdb

    db_path, parquet_dir = sys.argv[1], Path(sys.argv[2])
    report = {"version": duckdb.__version__, "marts": {}, "parquet": {}, "errors": []}
    try:
        con = duckdb.connect(db_path, read_only=True)
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            rows = con.execute(f'select * from marts."{table}"').fetchall()
            report["marts"][table] = len(rows)
        report["table_comments"] = dict(con.execute(
            "select schema_name || '.' || table_name, coalesce(comment, '') from duckdb_tables()"
        ).fetchall())
        report["column_comments"] = dict(con.execute(
            "select schema_name || '.' || table_name || '.' || column_name, coalesce(comment, '') "
            "from duckdb_columns() where schema_name in ('marts', 'meta')"
        ).fetchall())
        con.close()
    except duckdb.Error as error:
        report["errors"].append(f"{db_path}: {error}")
    for path in sorted(parquet_dir.glob("*.parquet")):
        try:
            rows = duckdb.sql(f"select * from read_parquet('{path}')").fetchall()
            report["parquet"][path.stem] = len(rows)
        except duckdb.Error as error:
            report["errors"].append(f"{path.name}: {error}")
    print(json.dumps(report))
    """
)


def read_with_old_duckdb(db_path: Path, parquet_dir: Path) -> dict:
    """What DuckDB 1.1 reads from `db_path` and every Parquet file in `parquet_dir`.

    Returns {"version", "marts": {name: rows}, "parquet": {name: rows}, "errors": [...],
    "table_comments", "column_comments"}. Fails with a plain message when `.venv-compat` is
    missing: the test would otherwise prove nothing.
    """
    if not COMPAT_PYTHON.is_file():
        raise AssertionError(
            f"{COMPAT_PYTHON} not found: run `make compat` (part of `make test`) to install the "
            "old DuckDB release the compatibility tests read with"
        )
    completed = subprocess.run(
        [str(COMPAT_PYTHON), "-c", _READER, str(db_path), str(parquet_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)
