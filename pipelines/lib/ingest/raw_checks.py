"""The entity's Great Expectations suite over the bronze loads one call wrote (the raw checks).

Shared by the ingest assets (a blocking asset check) and by `kam check` (a dry run must fail
exactly where a run would). GX queries the Parquet files through DuckDB under the run's memory
limit, so a first load of 10 million invoice lines is checked without reading it into Python.
"""

from __future__ import annotations

from pipelines.lib.build_db import duckdb_config
from pipelines.lib.config import Settings
from pipelines.lib.ingest.report import IngestReport

# Rows per data-quality batch of new bronze loads. GX's key-uniqueness query joins the batch with
# its key counts: 30M invoice lines passed under a 1 GB DuckDB limit, 100M ran out of memory.
ROWS_PER_CHECK_BATCH = 10_000_000


def validate_new_loads(settings: Settings, report: IngestReport) -> list:
    """One ValidationOutcome per batch of the loads `report` wrote (none when nothing is new).

    Loads of the same delivery period (a re-delivery) go to separate batches
    (IngestReport.validation_batches): they repeat each other's keys on purpose.
    """
    from pipelines.lib.quality.sql_batches import validate_parquet  # GX: only when needed

    config = duckdb_config(settings)
    return [
        validate_parquet(f"bronze_{report.entity}", batch, duckdb_config=config)
        for batch in report.validation_batches(ROWS_PER_CHECK_BATCH)
    ]
