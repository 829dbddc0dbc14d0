"""Names of the Great Expectations suites and the SQL that derives the batches some of them check.

Kept free of any Great Expectations import so Dagster definitions can list the checks they wire
without paying GX's import time (several seconds) at code-location load.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from pipelines.lib.contract import ENTITIES

# The GX file context lives at the project root in `expectations/`; suites are JSON files in its
# expectations store (`expectations/expectations/<suite>.json`, GX's own layout).
DEFAULT_CONTEXT_ROOT = Path(__file__).resolve().parents[3] / "expectations"
SUITES_DIRECTORY = "expectations"

# One suite per landing entity, checked on every newly loaded bronze batch.
BRONZE_SUITES: Mapping[str, str] = MappingProxyType({name: f"bronze_{name}" for name in ENTITIES})

# One suite per mart whose rules dbt tests do not cover, {mart table: suite}: account_clv, the dbt
# Python model of the DuckDB target (no contract, values computed in Python). Every rule on a SQL
# mart is a dbt test (docs/quality.md): one rule, one place.
MART_SUITES: Mapping[str, str] = MappingProxyType({"account_clv": "mart_account_clv"})

# Suites whose batch is not a mart table but a small aggregate of one, {suite: SQL run in the build
# DuckDB file}: a rule spanning rows becomes a per-row rule on the aggregate, which GX can check.
# None today: such rules on dbt-built marts are dbt tests.
DERIVED_BATCH_SQL: Mapping[str, str] = MappingProxyType({})

SUITE_NAMES: tuple[str, ...] = (
    *BRONZE_SUITES.values(),
    *MART_SUITES.values(),
    *DERIVED_BATCH_SQL.keys(),
)


def suite_path(suite_name: str, context_root: Path | None = None) -> Path:
    """Where the JSON of `suite_name` lives in the file context (it may not exist yet)."""
    return (context_root or DEFAULT_CONTEXT_ROOT) / SUITES_DIRECTORY / f"{suite_name}.json"
