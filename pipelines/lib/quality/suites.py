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

# One suite per mart that has business-rule checks beyond dbt's key tests: {mart table: suite}.
MART_SUITES: Mapping[str, str] = MappingProxyType(
    {
        name: f"mart_{name}"
        for name in (
            "account_tiers",
            "retention_cohorts",
            "retention_summary",
            "objective_attainment",
            "account_clv",
        )
    }
)

# Suites whose batch is not a mart table but a small aggregate of one. The caller runs the SQL in
# the build DuckDB file and validates the result with the suite of the same name: a rule that spans
# rows ("shares sum to 1 per snapshot") becomes a per-row rule on the aggregate, which GX can check.
SHARE_SUMS_SUITE = "mart_account_tiers_share_sums"
SHARE_SUMS_SQL = (
    "select snapshot_date, sum(revenue_share) as share_sum "
    "from marts.account_tiers "
    "group by snapshot_date "
    "having sum(revenue_12m) > 0"
)
DERIVED_BATCH_SQL: Mapping[str, str] = MappingProxyType({SHARE_SUMS_SUITE: SHARE_SUMS_SQL})

SUITE_NAMES: tuple[str, ...] = (
    *BRONZE_SUITES.values(),
    *MART_SUITES.values(),
    *DERIVED_BATCH_SQL.keys(),
)


def suite_path(suite_name: str, context_root: Path | None = None) -> Path:
    """Where the JSON of `suite_name` lives in the file context (it may not exist yet)."""
    return (context_root or DEFAULT_CONTEXT_ROOT) / SUITES_DIRECTORY / f"{suite_name}.json"
