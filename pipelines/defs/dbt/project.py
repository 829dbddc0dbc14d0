"""The one DbtProject, and a manifest that is prepared ahead of runs.

dagster-dbt needs `target/manifest.json` to know the models. Parsing costs a few seconds, so
`make setup` parses once and runs reuse it; `ensure_manifest` re-parses only when a file of the dbt
project is newer than the manifest (an engineer edited a model), never on every run.
"""

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import yaml
from dagster_dbt import DbtProject

from pipelines.lib.config import PROJECT_ROOT
from pipelines.lib.dbt_runner import run_dbt

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
PARSE_STATE_NAME = "partial_parse.msgpack"
_WATCHED_SUFFIXES = {".sql", ".yml", ".yaml", ".md", ".csv"}

logger = logging.getLogger(__name__)


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.is_file():
        return True
    built_at = manifest.stat().st_mtime
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        for path in (project_dir / folder).rglob("*"):
            if path.suffix in _WATCHED_SUFFIXES and path.stat().st_mtime > built_at:
                return True
    return any(
        (project_dir / name).stat().st_mtime > built_at
        for name in ("dbt_project.yml", "profiles.yml")
        if (project_dir / name).is_file()
    )


def ensure_manifest() -> Path:
    """Parse the dbt project when the manifest is missing or older than its sources."""
    if manifest_is_stale():
        run_dbt(["parse", "--quiet"], project_dir=DBT_PROJECT_DIR)
    return MANIFEST_PATH


def keep_parse_state(invocation_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Make one dbt invocation's parse state the one the next invocation starts from.

    dagster-dbt gives every invocation its own target folder and seeds it with
    `target/partial_parse.msgpack`. dbt discards that state when the rendered profile differs,
    and the profile holds the home's build-file path, which `make setup`'s parse does not know:
    so every run re-parsed the whole project (about 3 s). Copied back after each invocation, the
    next run of the same home and target re-parses only files that changed; a run of another
    home or target re-parses in full, as before. Atomic, because another run may be copying it.
    Returns False, without failing the run, when there is nothing to keep or no place to keep it.
    """
    source = invocation_target / PARSE_STATE_NAME
    if not source.is_file():
        return False
    destination = project_dir / "target" / PARSE_STATE_NAME
    temporary = destination.with_name(f".{PARSE_STATE_NAME}.{os.getpid()}")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)
    except OSError as error:  # e.g. a read-only installation: runs still work, parsing in full
        logger.warning("could not keep dbt's parse state in %s: %s", destination, error)
        temporary.unlink(missing_ok=True)
        return False
    return True


def dbt_var(name: str, overrides: dict[str, Any]) -> Any:
    """A dbt var as a run sees it: kam.yml's override, else dbt_project.yml's documented default.

    For the steps outside dbt that share a setting with it (the CLV discount rate), so the
    default is written in one place.
    """
    if name in overrides:
        return overrides[name]
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"][name]


def kam_dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
