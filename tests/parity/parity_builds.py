"""Builds for the parity suite: one bronze, the same dbt project on each engine, marts fetched back.

Bronze comes from the sample-data generator through the real ingest; dbt runs as a subprocess
(as the pipeline runs it) with a fixed as-of date, so every engine sees the same inputs and the
same run parameter.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from compare import Table

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.ingest import ingest_entity, register_bronze_views
from pipelines.lib.sample_data import generate_landing

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


@dataclass(frozen=True)
class Scenario:
    """One generated data set and the as-of date every engine builds it for.

    `as_of` None leaves the as-of date to the models (the data's last complete day), which also
    checks that every engine derives the same date.
    """

    name: str
    accounts: int
    years: int
    seed: int
    defect_rate: float = 0.0
    as_of: str | None = None

    def dbt_vars(self) -> dict[str, Any]:
        # The CLV models are dbt Python models of the DuckDB target only: off everywhere, so
        # every engine builds the same models (account_health's CLV columns null on each).
        values: dict[str, Any] = {"fit_clv_models": False}
        return {**values, "as_of_date": self.as_of} if self.as_of else values


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario("small", accounts=40, years=2, seed=3, as_of="2026-09-30"),
        # More accounts and months put more strategic scores on rounding boundaries (a
        # PostgreSQL round() slip showed only here) and some bad rows go to quarantine.
        Scenario("wide", accounts=80, years=3, seed=7, defect_rate=0.002),
    )
}
# Parents first, so the ingest's reference checks find them.
INGEST_ORDER = ("accounts", "users", "products") + tuple(
    name for name in ENTITIES if name not in ("accounts", "users", "products")
)


# Columns left out of the comparison, by mart. account_health's CLV columns come from account_clv,
# a dbt Python model of the DuckDB target only (docs/decisions.md "CLV is fitted inside the dbt
# build"): a run on PostgreSQL or Spark has them null by design. The parity builds turn the CLV
# models off, so they are null on both sides there; they are left out so that the comparison stays
# meaningful when a reference build has them.
PARITY_EXCLUDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_health": ("p_alive", "clv_12m", "clv_36m"),
}


def scenario_names(variable: str, default: str) -> list[str]:
    """Scenario names from an environment variable (comma-separated), checked against SCENARIOS."""
    names = [name.strip() for name in os.environ.get(variable, default).split(",") if name.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        raise ValueError(
            f"{variable}: unknown parity scenarios {unknown}; expected some of {sorted(SCENARIOS)}"
        )
    return names


@dataclass(frozen=True)
class DbtBuild:
    target: str
    target_path: Path
    returncode: int
    output: str

    def failures(self) -> list[str]:
        path = self.target_path / "run_results.json"
        if not path.is_file():
            return [f"dbt wrote no run_results.json; output tail:\n{self.output[-3000:]}"]
        results = json.loads(path.read_text(encoding="utf-8"))["results"]
        return [
            f"{result['unique_id']}: {result['status']} {result.get('message') or ''}".strip()
            for result in results
            if result["status"] not in ("success", "pass")
        ]

    def assert_ok(self) -> None:
        failures = self.failures()
        assert not failures and self.returncode == 0, (
            f"dbt build --target {self.target} failed:\n"
            + "\n".join(failures[:30])
            + f"\n--- output tail ---\n{self.output[-2500:]}"
        )


def make_bronze(root: Path, scenario: Scenario) -> Settings:
    """Generate the scenario's landing folder and ingest every entity into `<root>/home/bronze`.

    Without defects every file must load; with defects, bad rows go to quarantine and files
    with too many are refused, as in a real run.
    """
    landing = root / "landing"
    generate_landing(
        landing,
        accounts=scenario.accounts,
        years=scenario.years,
        seed=scenario.seed,
        defect_rate=scenario.defect_rate,
    )
    settings = load_settings(home=root / "home", landing=landing)
    for name in INGEST_ORDER:
        report = ingest_entity(settings, name)
        if not scenario.defect_rate:
            report.raise_for_failures()
    # With defects, a file with too many bad rows is refused whole, as in a real run; the
    # engines then build from what was loaded, which is the point: the same bronze for all.
    return settings


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt_build(
    target: str,
    work_dir: Path,
    env: dict[str, str],
    scenario: Scenario,
    profiles_dir: Path = PROJECT_DIR,
) -> DbtBuild:
    """`dbt build` of the project on `target`, with the installation's profile (environment
    variables) or one a run writes (`profiles_dir`)."""
    target_path = work_dir / f"target_{target}"
    completed = subprocess.run(
        [
            # Every parity build starts from a new bronze: incremental models must not keep
            # rows from whatever an earlier build left in the same schema.
            dbt_executable(), "build", "--full-refresh",
            "--target", target,
            "--vars", json.dumps(scenario.dbt_vars()),
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(profiles_dir),
            "--target-path", str(target_path),
            "--log-path", str(work_dir / f"logs_{target}"),
            "--no-use-colors",
        ],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "TZ": "UTC", **env},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    return DbtBuild(target, target_path, completed.returncode, completed.stdout + completed.stderr)


def build_duckdb(settings: Settings, work_dir: Path, scenario: Scenario) -> tuple[Path, DbtBuild]:
    database = work_dir / "kam.duckdb"
    with duckdb.connect(str(database)) as con:
        register_bronze_views(con, settings)
    env = {"KAM_BUILD_DB": str(database)}
    return database, run_dbt_build("duckdb", work_dir, env, scenario)


def mart_keys(manifest_path: Path) -> dict[str, tuple[str, ...]]:
    """Every model under models/marts/ and its primary key, from its unique tests."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    marts = {
        node["unique_id"]: node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].replace("\\", "/").startswith("models/marts/")
    }
    keys: dict[str, tuple[str, ...]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or node.get("attached_node") not in marts:
            continue
        metadata = node.get("test_metadata") or {}
        kwargs = metadata.get("kwargs") or {}
        if metadata.get("name") == "unique" and kwargs.get("column_name"):
            key: tuple[str, ...] = (kwargs["column_name"],)
        elif metadata.get("name") == "unique_combination" and kwargs.get("columns"):
            key = tuple(kwargs["columns"])
        else:
            continue
        mart = marts[node["attached_node"]]
        # A mart may have several unique columns; the composite key, or the first found, wins.
        if mart not in keys or len(key) > len(keys[mart]):
            keys[mart] = key
    missing = sorted(set(marts.values()) - set(keys))
    assert not missing, f"marts without a unique or unique_combination test: {missing}"
    return dict(sorted(keys.items()))


def fetch_duckdb(database: Path, mart: str) -> Table:
    with duckdb.connect(str(database), read_only=True) as con:
        types = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [mart],
        ).fetchall()
        rows = con.execute(f'select * from marts."{mart}"').fetchall()
    return Table("duckdb", tuple(c for c, _ in types), tuple(t for _, t in types), rows)


def fetch_postgres(connection: Any, mart: str) -> Table:
    with connection.cursor() as cursor:
        cursor.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = %s order by ordinal_position",
            [mart],
        )
        types = cursor.fetchall()
        cursor.execute(f'select * from marts."{mart}"')
        rows = [tuple(row) for row in cursor.fetchall()]
    return Table("postgres", tuple(c for c, _ in types), tuple(t for _, t in types), rows)


def fetch_spark(spark: Any, mart: str) -> Table:
    """Rows of a Spark mart; timestamps read as text and parsed, so no local time zone applies."""
    frame = spark.table(f"marts.`{mart}`")
    dtypes = frame.dtypes
    selected = [
        f"date_format(`{name}`, 'yyyy-MM-dd HH:mm:ss.SSSSSS') as `{name}`"
        if type_.startswith("timestamp")
        else f"`{name}`"
        for name, type_ in dtypes
    ]
    timestamp_positions = [i for i, (_, t) in enumerate(dtypes) if t.startswith("timestamp")]
    rows = []
    for row in frame.selectExpr(*selected).collect():
        values = list(row)
        for i in timestamp_positions:
            if values[i] is not None:
                values[i] = dt.datetime.strptime(values[i], "%Y-%m-%d %H:%M:%S.%f")
        rows.append(tuple(values))
    return Table("spark", tuple(n for n, _ in dtypes), tuple(t for _, t in dtypes), rows)


def unavailable(reason: str, required_by: str) -> None:
    """Skip the test, or fail it when the environment variable `required_by` is "1" (CI)."""
    import pytest

    if os.environ.get(required_by) == "1":
        pytest.fail(f"{required_by}=1 but {reason}")
    pytest.skip(reason, allow_module_level=True)


def import_or_unavailable(module: str, required_by: str) -> Any:
    """Import an engine driver, or skip (fail under `required_by`=1) saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        unavailable(
            f"{module} is not installed ({error}); "
            "pip install -r requirements-postgres.lock / requirements-spark.lock",
            required_by,
        )
