"""`prepare_bronze` and the run's dbt profile: what the pipeline prepares before `dbt build`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.lib.config import load_settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.engines import TARGETS, dbt_profile, prepare_bronze
from pipelines.lib.engines.spark import spark_conf, spark_type


def test_duckdb_target_registers_typed_bronze_views_in_the_build_file(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", landing=tmp_path / "landing")
    prepare_bronze(settings, "duckdb")
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        views = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'bronze'"
            ).fetchall()
        }
        money = con.execute(
            "select data_type from information_schema.columns where table_schema = 'bronze' "
            "and table_name = 'invoice_lines' and column_name = 'net_amount'"
        ).fetchone()
    assert set(ENTITIES) <= views
    assert money == ("DECIMAL(18,2)",)


def test_unknown_target_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", landing=tmp_path / "landing")
    with pytest.raises(ValueError, match="expected one of duckdb, postgres, spark"):
        prepare_bronze(settings, "snowflake")
    assert TARGETS == ("duckdb", "postgres", "spark")


def test_spark_sessions_and_dbt_share_this_homes_catalog(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", landing=tmp_path / "landing")
    profile = dbt_profile(settings, "spark")["kam"]["outputs"]["spark"]
    conf = spark_conf(settings)
    catalog = settings.build_dir / "spark"
    for name in ("spark.sql.warehouse.dir", "spark.hadoop.javax.jdo.option.ConnectionURL"):
        assert profile["server_side_parameters"][name] == conf[name]
    assert conf["spark.sql.warehouse.dir"] == str(catalog / "warehouse")
    assert str(catalog / "metastore_db") in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_spark_types_follow_the_contract_types() -> None:
    assert spark_type("DECIMAL(18, 2)") == "decimal(18,2)"
    assert spark_type("VARCHAR") == "string"
    assert spark_type("TIMESTAMP") == "timestamp"
    assert spark_type("INTEGER") == "int"
    assert spark_type("DOUBLE") == "double"
    with pytest.raises(ValueError, match="no Spark type"):
        spark_type("INTERVAL")


def test_profiles_keep_duckdb_the_default_and_declare_both_engines() -> None:
    import yaml

    profiles_path = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"
    profile = yaml.safe_load(profiles_path.read_text(encoding="utf-8"))["kam"]
    assert profile["target"] == "duckdb"
    assert profile["outputs"]["postgres"]["type"] == "postgres"
    assert profile["outputs"]["spark"]["method"] == "session"
