"""Point the process at one KAM home before any Dagster code runs.

The CLI and the Dagster UI must share settings and run history, so both derive everything from
the same variables: KAM_HOME / KAM_LANDING / KAM_CONFIG for the project's own settings and
DAGSTER_HOME = <home>/dagster for Dagster's run storage.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.lib.config import Settings, load_settings

# One writer at a time, also for runs launched from the UI, the schedule or the sensor: the run
# queue starts them one after another (the writer lock covers runs started from the CLI too).
DAGSTER_YAML = """\
run_queue:
  max_concurrent_runs: 1
telemetry:
  enabled: false
"""


def configure(
    *, home: str | None = None, landing: str | None = None, config: str | None = None
) -> Settings:
    if config:
        os.environ["KAM_CONFIG"] = str(Path(config).resolve())
    if home:
        os.environ["KAM_HOME"] = str(Path(home).resolve())
    if landing:
        os.environ["KAM_LANDING"] = str(Path(landing).resolve())
    settings = load_settings()
    os.environ["KAM_HOME"] = str(settings.home)
    os.environ["KAM_LANDING"] = str(settings.landing)
    os.environ["KAM_CONFIG"] = str(settings.config_path)
    os.environ["KAM_BUILD_DB"] = str(settings.build_db)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    dagster_home = settings.home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    dagster_yaml = dagster_home / "dagster.yaml"
    if not dagster_yaml.exists():
        dagster_yaml.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    return settings
