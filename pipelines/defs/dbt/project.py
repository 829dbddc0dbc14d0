"""The dbt project, the manifest Dagster reads its models from, and dbt as a run calls it.

dagster-dbt needs `target/manifest.json` to know the models. Parsing costs a few seconds, so
`make setup` parses once (`ensure_manifest`) and runs only read that file. When an engineer has
edited a model since, `runtime_manifest` parses the project again into a temporary folder and
hands Dagster the result, so the installation is never written at run time and a read-only
installation works.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version

from pipelines.lib.config import PROJECT_ROOT, Settings
from pipelines.lib.dbt_runner import DbtWorkspace, dbt_executable, environment_dbt, run_dbt

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
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
    """Parse the dbt project into its own target folder when the manifest is missing or older
    than its sources: the set-up step (`make setup`), the only one that writes there."""
    if manifest_is_stale():
        run_dbt(["parse", "--quiet"], project_dir=DBT_PROJECT_DIR)
    return MANIFEST_PATH


def runtime_manifest() -> Path | dict[str, Any]:
    """The manifest a run's definitions are built from, without writing into the installation.

    The one `make setup` prepared while it is current; else (a model was edited since) a fresh
    parse made in a temporary folder that is removed again, with a warning saying how to make
    the next start faster.
    """
    if not manifest_is_stale():
        return MANIFEST_PATH
    logger.warning(
        "the dbt project changed since its manifest was prepared; parsing it for this process "
        "(`make setup` prepares it once)"
    )
    with tempfile.TemporaryDirectory(prefix="kam-dbt-parse-") as folder:
        run_dbt(
            ["parse", "--quiet"],
            project_dir=DBT_PROJECT_DIR,
            target_path=Path(folder) / "target",
            log_path=Path(folder) / "logs",
        )
        return json.loads((Path(folder) / "target" / "manifest.json").read_text(encoding="utf-8"))


class KamDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs that buy a run nothing.

    Before each `dbt build`, `DbtCliResource.cli` (dagster-dbt 0.29) runs `dbt --version` in a
    subprocess to learn the version (about 1.9 s: a second Python start and dbt import per
    invocation) and builds a dbt adapter inside the Dagster process
    (about 1 s), which dagster-dbt only uses to fetch row counts and column metadata, neither of
    which this project asks for. The dbt that runs is the one installed next to this
    interpreter, so its version is the installed dbt-core's. Both members are private to
    dagster-dbt: tests/unit/test_dbt_cli_resource.py fails if they are renamed or the version
    check comes back, and the pin in pyproject.toml keeps the version under test.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == environment_dbt():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version  # a dbt from elsewhere (PATH) is asked, as dagster-dbt does

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None


def dbt_cli(settings: Settings) -> DbtCliResource:
    """dbt as a run invokes it: this project, with the profile written for this run's home.

    Colours are off: dbt's lines end up in logs and in the run's summary, where escape codes
    are noise.
    """
    return KamDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DbtWorkspace.of(settings).profiles_dir),
        dbt_executable=dbt_executable(),
        global_config_flags=["--no-use-colors"],
    )


def dbt_var(name: str, overrides: dict[str, Any]) -> Any:
    """A dbt var as a run sees it: kam.yml's override, else dbt_project.yml's documented default.

    For the steps outside dbt that share a setting with it (the CLV discount rate), so the
    default is written in one place.
    """
    from pipelines.lib.config_schema import dbt_var_defaults

    return overrides[name] if name in overrides else dbt_var_defaults()[name]
