"""A run's own options, checked before any work: the as-of date and a delivery period.

The command line, the Dagster UI's launchpad and the resource a run starts with all accept the
same forms and reject the same mistakes with the same words.
"""

from __future__ import annotations

import re
from datetime import date

from pipelines.lib.config_errors import ConfigError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_as_of_date(value: str) -> date:
    """Exactly YYYY-MM-DD and a real calendar day (2026-02-30 is refused)."""
    if _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"as-of date {value!r}: expected a date YYYY-MM-DD, e.g. 2026-10-30")


def parse_period(value: str) -> str:
    """An invoice delivery month, exactly YYYY-MM."""
    match = _MONTH.match(value)
    if match and 1 <= int(match.group(2)) <= 12:
        return value
    raise ConfigError(f"period {value!r}: expected a month YYYY-MM, e.g. 2025-03")
