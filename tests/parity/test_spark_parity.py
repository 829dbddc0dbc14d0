"""The dbt project on Apache Spark (local[*], dbt-spark `session`) builds the same marts as DuckDB.

Needs pyspark and a Java runtime (`make test-spark` installs requirements-spark.lock). Skipped
without them, unless KAM_REQUIRE_SPARK=1 turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from compare import compare_tables, without_columns
from parity_builds import (
    PARITY_EXCLUDED_COLUMNS,
    PROJECT_DIR,
    SCENARIOS,
    Scenario,
    fetch_duckdb,
    fetch_spark,
    import_or_unavailable,
    run_dbt_build,
    scenario_names,
    unavailable,
)

from pipelines.lib.config import Settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

import_or_unavailable("pyspark", "KAM_REQUIRE_SPARK")
import_or_unavailable("dbt.adapters.spark", "KAM_REQUIRE_SPARK")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    unavailable("no Java runtime (java on PATH or JAVA_HOME) for Spark", "KAM_REQUIRE_SPARK")

MARTS = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))


# A Spark build takes minutes: only the small scenario unless KAM_SPARK_SCENARIOS asks for more.
@pytest.fixture(scope="session", params=scenario_names("KAM_SPARK_SCENARIOS", "small"))
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return SCENARIOS[request.param]


@pytest.fixture(scope="session")
def spark_build(
    bronze_settings: Settings, duckdb_reference: Path, parity_root: Path, scenario: Scenario
) -> Iterator[object]:
    from pipelines.lib.engines import prepare_bronze, write_dbt_profile
    from pipelines.lib.engines.spark import open_session

    prepare_bronze(bronze_settings, "spark")
    work_dir = parity_root / "spark"
    work_dir.mkdir()
    # The profile a `kam run --target spark` writes: the catalog under the home, as values.
    profile = write_dbt_profile(bronze_settings, "spark", work_dir / "profile").parent
    build = run_dbt_build("spark", work_dir, {}, scenario, profiles_dir=profile)
    build.assert_ok()
    spark = open_session(bronze_settings)
    try:
        yield spark
    finally:
        spark.stop()


def test_bronze_is_read_in_place_with_the_contract_types(
    spark_build: object, bronze_settings: Settings, duckdb_reference: Path
) -> None:
    import duckdb

    from pipelines.lib.contract import ENTITIES
    from pipelines.lib.engines.spark import spark_type
    from pipelines.lib.ingest.bronze import bronze_columns

    with duckdb.connect(str(duckdb_reference), read_only=True) as con:
        expected = {
            name: con.execute(f"select count(*) from bronze.{name}").fetchone()[0]
            for name in ENTITIES
        }
    actual = {
        name: spark_build.sql(f"select count(*) from bronze.{name}").collect()[0][0]
        for name in ENTITIES
    }
    assert actual == expected
    for name, entity in ENTITIES.items():
        dtypes = dict(spark_build.table(f"bronze.{name}").dtypes)
        wanted = {column: spark_type(t) for column, t in bronze_columns(entity).items()}
        assert dtypes == wanted, name
    table = spark_build.catalog.getTable("bronze.invoice_lines")
    assert table.tableType == "EXTERNAL"


def test_reregistering_keeps_the_bronze_files(
    spark_build: object, bronze_settings: Settings
) -> None:
    from pipelines.lib.engines.spark import register_bronze

    folder = bronze_settings.bronze_dir / "invoice_lines"
    before = sorted(path.name for path in folder.glob("*.parquet"))
    register_bronze(spark_build, bronze_settings)
    register_bronze(spark_build, bronze_settings)
    assert sorted(path.name for path in folder.glob("*.parquet")) == before
    assert spark_build.sql("select count(*) from bronze.invoice_lines").collect()[0][0] > 0


def test_every_mart_file_is_built(
    spark_build: object, reference_keys: dict[str, tuple[str, ...]]
) -> None:
    assert sorted(reference_keys) == MARTS
    built = {table.name for table in spark_build.catalog.listTables("marts")}
    assert set(MARTS) <= built


@pytest.mark.parametrize("mart", MARTS)
def test_mart_matches_duckdb(
    mart: str,
    spark_build: object,
    duckdb_reference: Path,
    reference_keys: dict[str, tuple[str, ...]],
) -> None:
    excluded = PARITY_EXCLUDED_COLUMNS.get(mart, ())
    diff = compare_tables(
        mart,
        without_columns(fetch_duckdb(duckdb_reference, mart), excluded),
        without_columns(fetch_spark(spark_build, mart), excluded),
        reference_keys[mart],
    )
    assert diff.ok, str(diff)
