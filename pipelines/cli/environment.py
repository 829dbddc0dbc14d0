"""One KAM home for a command: its validated settings and its Dagster instance.

The CLI and the Dagster UI share run history, so both use `<home>/dagster` as DAGSTER_HOME.
A command loads the settings once (`configure`) and hands them on explicitly: a run passes them
to its KamResource as run config. The environment carries locations only where a separate
process tree needs them (`kam dev`'s webserver and daemon, see `child_environment`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.disk_full import DiskFullError, disk_full_message

# One writer at a time, also for runs launched from the UI, the schedule or the sensor: the run
# queue starts them one after another (the writer lock covers runs started from the CLI too).
DAGSTER_YAML = """\
run_queue:
  max_concurrent_runs: 1
telemetry:
  enabled: false
"""


def configure(
    *,
    home: str | None = None,
    landing: str | None = None,
    config: str | None = None,
    dbt_target: str | None = None,
) -> Settings:
    """Validate the settings (ConfigError, before any work) and prepare the Dagster instance."""
    settings = load_settings(config, home=home, landing=landing, dbt_target=dbt_target)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        folder = prepare_dagster_home(settings)
    except OSError as error:  # the first write of a command: a full disk names the home
        message = disk_full_message(error, where=dagster_home(settings))
        if message is None:
            raise
        raise DiskFullError(message) from None
    os.environ["DAGSTER_HOME"] = str(folder)
    return settings


def dagster_home(settings: Settings) -> Path:
    return settings.home / "dagster"


def prepare_dagster_home(settings: Settings) -> Path:
    folder = dagster_home(settings)
    folder.mkdir(parents=True, exist_ok=True)
    dagster_yaml = folder / "dagster.yaml"
    if not dagster_yaml.exists():
        dagster_yaml.write_text(DAGSTER_YAML, encoding="utf-8")
    return folder


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment of a Dagster process started for this home (`kam dev`): it loads the
    code location itself, so it learns the locations the way any deployment does."""
    return {
        **os.environ,
        "KAM_HOME": str(settings.home),
        "KAM_LANDING": str(settings.landing),
        "KAM_CONFIG": str(settings.config_path),
        "KAM_DBT_TARGET": settings.dbt_target,
        "DAGSTER_HOME": str(dagster_home(settings)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
