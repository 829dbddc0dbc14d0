"""The one DbtProject, and a manifest that is prepared ahead of runs.

dagster-dbt needs `target/manifest.json` to know the models. Parsing costs a few seconds, so
`make setup` parses once and runs reuse it; `ensure_manifest` re-parses only when a file of the dbt
project is newer than the manifest (an engineer edited a model), never on every run.
"""

from pathlib import Path
from typing import Any

import yaml
from dagster_dbt import DbtProject

from pipelines.lib.config import PROJECT_ROOT
from pipelines.lib.dbt_runner import run_dbt

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_WATCHED_SUFFIXES = {".sql", ".yml", ".yaml", ".md", ".csv"}


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
