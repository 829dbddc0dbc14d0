"""Great Expectations gates for bronze batches and marts, callable without Dagster.

`validate_frame(suite, frame)` returns a `ValidationOutcome`; Dagster asset checks in
`pipelines.defs.quality` turn it into check results. GX itself is imported on first validation,
not at package import, so listing suites stays cheap.
"""

from pipelines.lib.quality.runner import (
    PERSONAL_COLUMNS,
    UnknownSuiteError,
    ValidationOutcome,
    load_suite,
    validate_frame,
)
from pipelines.lib.quality.suites import (
    BRONZE_SUITES,
    DEFAULT_CONTEXT_ROOT,
    DERIVED_BATCH_SQL,
    MART_SUITES,
    SUITE_NAMES,
)

__all__ = [
    "BRONZE_SUITES",
    "DEFAULT_CONTEXT_ROOT",
    "DERIVED_BATCH_SQL",
    "MART_SUITES",
    "PERSONAL_COLUMNS",
    "SUITE_NAMES",
    "UnknownSuiteError",
    "ValidationOutcome",
    "load_suite",
    "validate_frame",
]
