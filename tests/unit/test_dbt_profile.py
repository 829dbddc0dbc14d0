"""The profile a run writes for dbt: this home's paths and kam.yml's DuckDB bounds, as values."""

from __future__ import annotations

from pathlib import Path

import jinja2
import yaml

from pipelines.lib.config import load_settings
from pipelines.lib.engines.profile import dbt_profile, jinja_literal, write_dbt_profile

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, threads: int = 3, memory: str = "700MB") -> Path:
    path = tmp_path / "kam.yml"
    path.write_text(f"duckdb:\n  threads: {threads}\n  memory_limit: {memory}\n", encoding="utf-8")
    return path


def test_duckdb_output_holds_the_homes_paths_and_kam_yml_bounds(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path), home=tmp_path / "home")
    path = write_dbt_profile(settings, "duckdb", tmp_path / "profiles")

    profile = yaml.safe_load(path.read_text(encoding="utf-8"))["kam"]
    assert profile["target"] == "duckdb"
    output = profile["outputs"]["duckdb"]
    assert output["path"] == str(tmp_path / "home" / "build" / "kam.duckdb")
    assert output["threads"] == 3
    assert output["config_options"] == {
        "threads": 3,
        "memory_limit": "700MB",
        "temp_directory": str(tmp_path / "home" / "build" / "tmp"),
    }
    # Nothing for dbt to read from the environment the pipeline would have to set.
    assert "env_var" not in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == ["profiles.yml"]  # no temporary


def test_postgres_credentials_stay_in_libpq_variables(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path), home=tmp_path / "home")
    output = dbt_profile(settings, "postgres")["kam"]["outputs"]["postgres"]
    assert output["password"] == "{{ env_var('PGPASSWORD', '') }}"
    assert output["host"].startswith("{{ env_var('PGHOST'")


def test_spark_catalog_lives_under_the_home(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path), home=tmp_path / "home")
    parameters = dbt_profile(settings, "spark")["kam"]["outputs"]["spark"]["server_side_parameters"]
    spark = tmp_path / "home" / "build" / "spark"
    assert parameters["spark.sql.warehouse.dir"] == str(spark / "warehouse")
    assert str(spark / "metastore_db") in parameters["spark.hadoop.javax.jdo.option.ConnectionURL"]


def test_every_output_has_the_keys_of_the_installations_profile(tmp_path: Path) -> None:
    """dbt_project/profiles.yml (setup's parse, the dbt tests) and the run's profile agree."""
    settings = load_settings(_config(tmp_path), home=tmp_path / "home")
    static = yaml.safe_load((REPO / "dbt_project" / "profiles.yml").read_text(encoding="utf-8"))
    for target, output in static["kam"]["outputs"].items():
        generated = dbt_profile(settings, target)["kam"]["outputs"][target]
        assert set(generated) == set(output), target
        if "server_side_parameters" in output:
            assert set(generated["server_side_parameters"]) == set(output["server_side_parameters"])


def test_a_path_with_jinja_markers_renders_to_itself() -> None:
    environment = jinja2.Environment()
    for path in ("/srv/kam", "/srv/{{odd}}/kam", "/srv/{% x %}/it's", "/srv/{#c#}\\x"):
        assert environment.from_string(jinja_literal(path)).render() == path
